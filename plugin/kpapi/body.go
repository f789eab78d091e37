package kpapi

import (
	"errors"
	"io"
	"os"

	"github.com/kp-token/kp-token/plugin/failure"
)

// MaxBody bounds a request body: Key Protect's are a few KiB (a key, a
// policy, key material to import).
const MaxBody = 1 << 20

// ReadBody reads the value of --data: @FILE, - (standard input) or the
// text itself.
func ReadBody(value string, stdin io.Reader) ([]byte, error) {
	var (
		r    io.Reader
		data = map[string]any{"Max": "1 MiB"}
		// unreadable is the failure of a body that cannot be read.
		unreadable = "api_data_stdin_unreadable"
	)
	switch {
	case value == "-":
		r = stdin
	case len(value) > 1 && value[0] == '@':
		data["Path"], unreadable = value[1:], "api_data_unreadable"
		f, err := os.Open(value[1:])
		if err != nil {
			return nil, failure.New(unreadable, data).WithRemedy("api_data_unreadable_remedy", nil).
				WithDetail(errText(err)).Wrap(err)
		}
		defer f.Close()
		r = f
	default:
		if len(value) > MaxBody {
			return nil, failure.Usagef("api_data_too_large", data)
		}
		return []byte(value), nil
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return nil, failure.New(unreadable, data).WithRemedy("api_data_unreadable_remedy", nil).
			WithDetail(errText(err)).Wrap(err)
	}
	if len(b) > MaxBody {
		return nil, failure.Usagef("api_data_too_large", data)
	}
	return b, nil
}

// errText is the Go error without the path os.PathError repeats.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
