// Package smallfile reads a small file whole: a key file, a cache entry.
// A cached 'get' reads two of them per run. os.Open spends five system
// calls more than needed on each (it offers the descriptor to the network
// poller, which refuses regular files) and io.ReadAll grows its buffer
// several times; here a file is opened, sized and read with the fewest
// calls and one buffer. On systems other than Unix it is os.Open.
package smallfile

import (
	"errors"
)

// ErrTooLarge is the answer for a file over the limit.
var ErrTooLarge = errors.New("file too large")

// ErrIsDir is the answer for a directory.
var ErrIsDir = errors.New("is a directory")

// Read returns the content of path: ErrTooLarge when it holds more than
// limit bytes, ErrIsDir for a directory, and otherwise the *fs.PathError
// os.Open or a read would give (errors.Is(err, fs.ErrNotExist) for a
// missing file).
func Read(path string, limit int) ([]byte, error) { return read(path, limit) }

// readAll reads until end of file into a buffer sized for size bytes (0
// when the system does not know, as for a pipe).
func readAll(size int64, limit int, read func([]byte) (int, error)) ([]byte, error) {
	n := int64(512)
	if size >= n {
		n = size + 1 // one more, to see the end in the same buffer
	}
	if n > int64(limit)+1 {
		n = int64(limit) + 1
	}
	buf := make([]byte, 0, n)
	for {
		if len(buf) == cap(buf) {
			if len(buf) > limit {
				return nil, ErrTooLarge
			}
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil {
			return nil, err
		}
		if m == 0 {
			break
		}
	}
	if len(buf) > limit {
		return nil, ErrTooLarge
	}
	return buf, nil
}
