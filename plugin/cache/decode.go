package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
)

// decodeEntry reads an entry file strictly: an unknown or mistyped field,
// or anything after the object, makes the entry damaged.
func decodeEntry(data []byte) (Entry, bool) {
	var e Entry
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if d.Decode(&e) != nil {
		return Entry{}, false
	}
	if _, err := d.Token(); err != io.EOF {
		return Entry{}, false
	}
	return e, true
}

var errTooLarge = errors.New("cache file too large")

// readFile reads a file of the cache whole, at most maxEntrySize+1 bytes of
// it: whatever was put in the folder cannot fill the memory.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxEntrySize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxEntrySize {
		return nil, errTooLarge
	}
	return data, nil
}
