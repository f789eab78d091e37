package startup

import (
	"syscall"
	"unsafe"
)

// madvPopulateRead is MADV_POPULATE_READ (Linux 5.14), missing from
// package syscall.
const madvPopulateRead = 22

// mapText maps the executable's code, already in the page cache once the
// binary has run, in one madvise call. Go's code is spread over the whole
// text segment: a run touches a little of most of it, and the kernel maps
// it one fault at a time (each fault maps the 16 pages around it), a trap
// that a virtual machine makes dear. A run that exchanges a key runs the
// most code, and gains the most: `make bench` shows what it pays in its
// "speed setting" row, which times the IAM exchange against the same
// sources built with -tags lazytext, which leaves it out. The cost is the
// resident size: the whole segment (about 6.5 MB, shared with every other
// run, and dropped first when memory runs short) counts in a run's RSS.
func mapText() {
	if lazyText {
		return
	}
	if start, end, ok := textRange(getAuxv()); ok {
		_ = populateRead(start, end-start)
	}
}

// populateRead maps [start, start+n) for reading.
func populateRead(start, n uintptr) error {
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, start, n, madvPopulateRead); e != 0 {
		return e
	}
	return nil
}

// getAuxv is the runtime's copy of the process's ELF auxiliary vector,
// which golang.org/x/sys reads the same way; that package cannot be
// imported here (see startup.go).
//
//go:linkname getAuxv runtime.getAuxv
func getAuxv() []uintptr

const (
	atPHDR  = 3 // AT_PHDR: where the program headers are in memory
	atPHENT = 4 // AT_PHENT: the size of one
	atPHNUM = 5 // AT_PHNUM: how many there are

	ptLoad = 1 // PT_LOAD
	ptPHDR = 6 // PT_PHDR: the program headers' own entry
	pfX    = 1 // PF_X: an executable segment
)

// elf64Phdr is Elf64_Phdr, in the process's own byte order.
type elf64Phdr struct {
	Type, Flags                                uint32
	Offset, Vaddr, Paddr, Filesz, Memsz, Align uint64
}

// textRange is the page-aligned span of the executable's first executable
// PT_LOAD segment, read from the program headers the auxiliary vector
// points to (the kernel maps them with the binary). A position-independent
// binary is loaded at an offset: the PT_PHDR entry's address against where
// the headers are gives it. 32-bit binaries are left alone.
func textRange(auxv []uintptr) (start, end uintptr, ok bool) {
	var phdr, phent, phnum uintptr
	for i := 0; i+1 < len(auxv); i += 2 {
		switch auxv[i] {
		case atPHDR:
			phdr = auxv[i+1]
		case atPHENT:
			phent = auxv[i+1]
		case atPHNUM:
			phnum = auxv[i+1]
		}
	}
	if phdr == 0 || phent != unsafe.Sizeof(elf64Phdr{}) || phnum == 0 || phnum > 64 || unsafe.Sizeof(uintptr(0)) != 8 {
		return 0, 0, false
	}
	// The headers are memory the kernel mapped, not Go's heap.
	headers := unsafe.Slice((*elf64Phdr)(unsafe.Add(nil, phdr)), phnum)
	bias := uintptr(0)
	for _, h := range headers {
		if h.Type == ptPHDR {
			bias = phdr - uintptr(h.Vaddr)
		}
	}
	for _, h := range headers {
		if h.Type == ptLoad && h.Flags&pfX != 0 && h.Memsz > 0 {
			start = (bias + uintptr(h.Vaddr)) &^ (pageSize - 1)
			end = (bias + uintptr(h.Vaddr) + uintptr(h.Memsz) + pageSize - 1) &^ (pageSize - 1)
			return start, end, true
		}
	}
	return 0, 0, false
}
