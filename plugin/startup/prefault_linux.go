package startup

import (
	"syscall"
	"unsafe"
)

// heapAhead is how much heap is mapped at start: a little more than a run
// touches (about 3 MB for a cached `get`, a little more for an exchange).
const heapAhead = 4 << 20

const (
	pageSize = 4096
	// madvPopulateWrite is MADV_POPULATE_WRITE (Linux 5.14), missing from
	// package syscall.
	madvPopulateWrite = 23
)

// first is where the heap stands when this package initializes: a package
// variable, so that the object is on the heap (a local one whose address
// only becomes a number could live on the stack).
var first *[pageSize]byte

// prefaultHeap maps the next heapAhead bytes of heap in one madvise call.
// Go takes the heap from the kernel a page at a time, one fault per page
// on first touch, and a run's own allocations are mostly fresh pages:
// about 600 faults for a cached `get`, each a trap into the kernel that a
// virtual machine makes dear. One call maps them for a fraction of that.
// The heap grows upwards from the first object, so the pages after it are
// the ones the run will use. Where the kernel lacks the advice, or the
// range runs past what the runtime has mapped, the call stops there and
// the run goes on as it would have.
func prefaultHeap() {
	first = new([pageSize]byte)
	start := uintptr(unsafe.Pointer(first)) &^ (pageSize - 1)
	first = nil
	_ = populate(start, heapAhead)
}

// populate maps [start, start+n) as written memory.
func populate(start, n uintptr) error {
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, start, n, madvPopulateWrite); e != 0 {
		return e
	}
	return nil
}
