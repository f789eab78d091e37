package token

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/kp-token/kp-token/plugin/atomicfile"
	"github.com/kp-token/kp-token/plugin/failure"
)

// maxFileSize bounds a token file; IAM's reply is a few KiB.
const maxFileSize = 256 << 10

// ReadFile reads a token file written by 'get --file' or by the page's curl.
func ReadFile(path string) (Token, error) {
	data := map[string]any{"Path": path}
	raw, err := readFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Token{}, failure.New("tokenfile_missing", data).WithRemedy("tokenfile_create_remedy", nil).Wrap(err)
	case errors.Is(err, errTooLarge):
		return Token{}, failure.New("tokenfile_malformed", data).WithRemedy("tokenfile_create_remedy", nil)
	case err != nil:
		return Token{}, failure.New("tokenfile_unreadable", data).WithRemedy("apikey_file_perm_remedy", data).Wrap(err)
	}
	return ParseFile(raw, path)
}

var errTooLarge = errors.New("token file too large")

// readFile reads a token file whole, at most maxFileSize+1 bytes of it: a
// file that never ends (a device, a pipe) cannot fill the memory.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxFileSize {
		return nil, errTooLarge
	}
	return raw, nil
}

// ParseFile parses the content of a token file.
func ParseFile(raw []byte, path string) (Token, error) {
	data := map[string]any{"Path": path}
	bad := failure.New("tokenfile_malformed", data).WithRemedy("tokenfile_create_remedy", nil)
	if len(raw) > maxFileSize {
		return Token{}, bad
	}
	text := strings.TrimSpace(strings.TrimPrefix(string(raw), "\ufeff"))
	var t Token
	if err := json.Unmarshal([]byte(text), &t); err != nil {
		return Token{}, bad
	}
	t.AccessToken = StripBearer(t.AccessToken)
	if t.AccessToken == "" {
		return Token{}, bad
	}
	// A token file is printed back (refresh --output raw, get's forms):
	// its token must be a Bearer JWT like IAM's.
	if err := t.Normalize(); err != nil {
		return Token{}, failure.New("tokenfile_token_invalid", data).WithRemedy("tokenfile_create_remedy", nil)
	}
	return t, nil
}

// WriteFile writes t as JSON, atomically and with mode 0600.
func WriteFile(path string, doc []byte) error {
	if err := atomicfile.Write(path, append(doc, '\n')); err != nil {
		return failure.New("tokenfile_write_failed", map[string]any{"Path": path}).
			WithRemedy("tokenfile_write_remedy", nil).Wrap(err)
	}
	return nil
}
