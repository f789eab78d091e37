//go:build !linux

package atomicfile

// writeUnnamed: only Linux has files with no name (O_TMPFILE).
func writeUnnamed(string, []byte, bool) (bool, error) { return false, nil }
