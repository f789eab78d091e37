package startup

import (
	"syscall"
	"testing"
	"unsafe"
)

// resident counts the pages of b the kernel has mapped.
func resident(t *testing.T, b []byte) int {
	t.Helper()
	vec := make([]byte, len(b)/pageSize)
	if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatalf("mincore: %v", e)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}

// fresh maps pages of memory no one has touched.
func fresh(t *testing.T, pages int) []byte {
	t.Helper()
	b, err := syscall.Mmap(-1, 0, pages*pageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(b) })
	return b
}

func TestPopulateMapsTheRange(t *testing.T) {
	const pages = 64
	b := fresh(t, 2*pages)
	if n := resident(t, b); n != 0 {
		t.Fatalf("%d pages resident before", n)
	}
	if err := populate(uintptr(unsafe.Pointer(&b[0])), pages*pageSize); err == syscall.EINVAL {
		t.Skip("kernel without MADV_POPULATE_WRITE (Linux < 5.14)")
	} else if err != nil {
		t.Fatal(err)
	}
	if n := resident(t, b[:pages*pageSize]); n != pages {
		t.Errorf("%d of %d pages resident after populate", n, pages)
	}
	if n := resident(t, b[pages*pageSize:]); n != 0 {
		t.Errorf("%d pages resident past the range", n)
	}
	for i, c := range b {
		if c != 0 {
			t.Fatalf("byte %d is %d: populated memory must read as zero", i, c)
		}
	}
}

// A range that runs past the mapping stops there, as prefaultHeap expects
// when the heap's mapped part ends before heapAhead.
func TestPopulateStopsAtTheMappingsEnd(t *testing.T) {
	const pages = 8
	b := fresh(t, 2*pages)
	// The second half reserved the way the runtime reserves its arenas.
	if err := syscall.Mprotect(b[pages*pageSize:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	if populate(uintptr(unsafe.Pointer(&b[0])), pageSize) == syscall.EINVAL {
		t.Skip("kernel without MADV_POPULATE_WRITE (Linux < 5.14)")
	}
	if err := populate(uintptr(unsafe.Pointer(&b[0])), 2*pages*pageSize); err == nil {
		t.Fatal("populate over a PROT_NONE range succeeded")
	}
	if n := resident(t, b[:pages*pageSize]); n != pages {
		t.Errorf("%d of %d writable pages resident", n, pages)
	}
}
