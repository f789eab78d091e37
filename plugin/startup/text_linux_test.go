package startup

import (
	"bufio"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// rss reads, from /proc/self/smaps, the size and the resident size in kB
// of the mapping that holds addr.
func rss(t *testing.T, addr uintptr) (size, resident int) {
	t.Helper()
	size, resident = smapsRss(addr)
	if size == 0 {
		t.Fatalf("no mapping holds %#x in /proc/self/smaps", addr)
	}
	return size, resident
}

func smapsRss(addr uintptr) (size, resident int) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fields[0], "-"); ok && !strings.HasSuffix(fields[0], ":") {
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && uint64(addr) >= a && uint64(addr) < b
			continue
		}
		if in && len(fields) >= 2 {
			switch fields[0] {
			case "Size:":
				size, _ = strconv.Atoi(fields[1])
			case "Rss:":
				resident, _ = strconv.Atoi(fields[1])
				return size, resident
			}
		}
	}
	return 0, 0
}

func TestTextRangeHoldsThisCode(t *testing.T) {
	start, end, ok := textRange(getAuxv())
	if !ok {
		t.Fatal("no text range in this process's program headers")
	}
	pc := reflect.ValueOf(TestTextRangeHoldsThisCode).Pointer()
	if pc < start || pc >= end || start%pageSize != 0 || end%pageSize != 0 {
		t.Fatalf("text range [%#x, %#x) does not hold this test's code at %#x", start, end, pc)
	}
}

// textBeforeInit is the code's resident size before the package's init
// ran: package variables are initialized before init functions.
var textBeforeInit = func() (kB int) {
	if start, _, ok := textRange(getAuxv()); ok {
		_, kB = smapsRss(start)
	}
	return kB
}()

// textAfterInit is the same right after it: the go tool hands a package's
// files to the compiler sorted by name, and init functions run in that
// order, so startup.go's has run when this file's runs.
var textAfterInit int

func init() {
	if start, _, ok := textRange(getAuxv()); ok {
		_, textAfterInit = smapsRss(start)
	}
}

// This test binary initialized the package like kp-token does: the code
// it had not run yet is mapped too.
func TestInitMappedTheText(t *testing.T) {
	if !tuned || lazyText {
		t.Skip("built without the text mapping")
	}
	if populateRead(0, 0) == syscall.EINVAL {
		t.Skip("kernel without MADV_POPULATE_READ (Linux < 5.14)")
	}
	start, end, _ := textRange(getAuxv())
	size, _ := rss(t, start)
	if textBeforeInit == 0 || textBeforeInit >= size {
		t.Fatalf("text mapping: %d kB of %d kB resident before init: nothing to tell", textBeforeInit, size)
	}
	if uintptr(size)*1024 < end-start || textAfterInit != size {
		t.Fatalf("text mapping: %d kB resident of %d kB after init (%d kB before)", textAfterInit, size, textBeforeInit)
	}
}

func TestPopulateReadMapsAFile(t *testing.T) {
	exe, err := os.Open("/proc/self/exe")
	if err != nil {
		t.Skip(err)
	}
	defer exe.Close()
	const pages = 64
	b, err := syscall.Mmap(int(exe.Fd()), 0, pages*pageSize, syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(b)
	start := uintptr(unsafe.Pointer(&b[0]))
	if _, resident := rss(t, start); resident != 0 {
		t.Fatalf("%d kB resident before", resident)
	}
	if err := populateRead(start, pages*pageSize); err == syscall.EINVAL {
		t.Skip("kernel without MADV_POPULATE_READ (Linux < 5.14)")
	} else if err != nil {
		t.Fatal(err)
	}
	if size, resident := rss(t, start); resident != size || size != pages*pageSize/1024 {
		t.Fatalf("%d of %d kB resident after", resident, size)
	}
}

// phdrs is a program header table at a Go address, for textRange.
func phdrs(h ...elf64Phdr) (uintptr, []elf64Phdr) {
	return uintptr(unsafe.Pointer(&h[0])), h
}

func TestTextRange(t *testing.T) {
	const phent = 56
	text := elf64Phdr{Type: ptLoad, Flags: pfX | 4, Vaddr: 0x401000, Memsz: 0x2000 + 10}
	data := elf64Phdr{Type: ptLoad, Flags: 4 | 2, Vaddr: 0x900000, Memsz: 0x1000}
	tests := []struct {
		name       string
		headers    []elf64Phdr
		phent      uintptr
		bias       bool // the table is a PIE's: a PT_PHDR entry says where it was linked
		start, end uintptr
		ok         bool
	}{
		{"a static binary", []elf64Phdr{data, text}, phent, false, 0x401000, 0x404000, true},
		{"a position-independent binary", []elf64Phdr{text, data}, phent, true, 0x401000, 0x404000, true},
		{"no executable segment", []elf64Phdr{data}, phent, false, 0, 0, false},
		{"an empty one", []elf64Phdr{{Type: ptLoad, Flags: pfX}}, phent, false, 0, 0, false},
		{"32-bit headers", []elf64Phdr{text}, 32, false, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := tt.headers
			if tt.bias {
				headers = append([]elf64Phdr{{Type: ptPHDR}}, headers...)
			}
			at, keep := phdrs(headers...)
			var bias uintptr
			if tt.bias {
				// Linked at 0x400040 (in the page of the table's own
				// offset), loaded at a page-aligned bias.
				keep[0].Vaddr = uint64(0x400000 + at%pageSize)
				bias = at - uintptr(keep[0].Vaddr)
			}
			start, end, ok := textRange([]uintptr{atPHENT, tt.phent, atPHNUM, uintptr(len(keep)), atPHDR, at, 0, 0})
			runtime.KeepAlive(keep)
			want := fmt.Sprint(tt.start+bias, tt.end+bias, tt.ok)
			if !tt.ok {
				want = fmt.Sprint(0, 0, false)
			}
			if got := fmt.Sprint(start, end, ok); got != want {
				t.Fatalf("textRange = %s, want %s", got, want)
			}
		})
	}
	if _, _, ok := textRange(nil); ok {
		t.Fatal("textRange(nil) found a range")
	}
}
