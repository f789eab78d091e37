package privatefs

import (
	"os"
	"strconv"
)

// Pin names dir through the process's own open descriptor of it
// (/proc/self/fd/N), for a library that is handed a path inside dir and
// may still be writing there when a signal makes the process remove dir
// and exit. Under that name nothing can bring the folder back: once it is
// removed, os.MkdirAll sees the removed folder (still open, so still a
// folder) and creating a file in it fails; and the name itself goes when
// the process ends, however it ends. Under dir's own name the library's
// MkdirAll would make the folder again and leave what it writes behind.
//
// release closes the descriptor: call it only once dir is removed and
// nothing writes there any more. Where /proc is not mounted, Pin returns
// dir itself.
func Pin(dir string) (name string, release func()) {
	f, err := os.Open(dir)
	if err != nil {
		return dir, func() {}
	}
	name = "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	want, err1 := f.Stat()
	got, err2 := os.Stat(name)
	if err1 != nil || err2 != nil || !os.SameFile(want, got) {
		f.Close()
		return dir, func() {}
	}
	return name, func() { f.Close() }
}
