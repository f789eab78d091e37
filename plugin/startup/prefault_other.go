//go:build !linux

package startup

// prefaultHeap is Linux's alone: MADV_POPULATE_WRITE has no portable
// equivalent.
func prefaultHeap() {}
