//go:build !linux

package privatefs

// Pin returns dir: without /proc there is no name that dies with the
// process (see the Linux version), and a library writing into dir while
// a signal removes it can make it again.
func Pin(dir string) (name string, release func()) { return dir, func() {} }
