// Package jsonscan reads small, known JSON documents with encoding/json's
// tokenizer instead of reflection. A cached 'get' reads three of them (the
// key file, the cache entry, the token's claims), and building reflection
// data for each type was most of that work. Every reader here is at least
// as strict as json.Unmarshal: differential fuzz tests beside the callers
// hold them to it.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
)

// NewDecoder reads numbers as json.Number.
func NewDecoder(data []byte) *json.Decoder {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d
}

// Object reads one JSON object, calling member with each member's name;
// member must read the value (with String, Int, Skip...) and say whether
// it was acceptable. A name seen twice is read twice, so the last one
// wins, as with json.Unmarshal.
func Object(d *json.Decoder, member func(name string) bool) bool {
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	for d.More() {
		t, err := d.Token()
		name, ok := t.(string)
		if err != nil || !ok {
			return false
		}
		if !member(name) {
			return false
		}
	}
	t, err := d.Token()
	return err == nil && t == json.Delim('}')
}

// End reports whether nothing but white space follows.
func End(d *json.Decoder) bool {
	_, err := d.Token()
	return err == io.EOF
}

// String reads a string value.
func String(d *json.Decoder, dst *string) bool {
	t, err := d.Token()
	s, ok := t.(string)
	*dst = s
	return err == nil && ok
}

// Int reads an integer value that fits in an int64.
func Int(d *json.Decoder, dst *int64) bool {
	t, err := d.Token()
	n, ok := t.(json.Number)
	if err != nil || !ok {
		return false
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	*dst = v
	return err == nil
}

// Number reads a number value as written.
func Number(d *json.Decoder, dst *json.Number) bool {
	t, err := d.Token()
	n, ok := t.(json.Number)
	*dst = n
	return err == nil && ok
}

// Scalar reads one value and returns it when it is a string, a
// json.Number, a bool or nil (null); an object or array is read whole and
// returned as its opening json.Delim.
func Scalar(d *json.Decoder) (json.Token, bool) {
	t, err := d.Token()
	if err != nil {
		return nil, false
	}
	if t == json.Delim('{') || t == json.Delim('[') {
		return t, skipFrom(d, 1)
	}
	return t, true
}

// Skip reads one whole value, however deeply nested.
func Skip(d *json.Decoder) bool { return skipFrom(d, 0) }

func skipFrom(d *json.Decoder, depth int) bool {
	for {
		t, err := d.Token()
		if err != nil {
			return false
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return true
		}
	}
}
