//go:build !linux

package startup

// mapText is Linux's alone: MADV_POPULATE_READ has no portable
// equivalent.
func mapText() {}
