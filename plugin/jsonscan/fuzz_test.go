package jsonscan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// FuzzScan holds the scanner to encoding/json on any input: the same
// documents are valid, strings unquote to the same text, and an object's
// members (last one wins) read the same scalars.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		`{"apikey":"k","a":[1,{"b":null}],"c":true,"d":-1.5e+3}`, `"a\u00e9\ud83d\ude00\ud800x\\\/\b\f\n\r\t"`,
		"\"\xff\xfe\"", `[]`, `{}`, `[1,]`, `{"a":1,}`, `01`, `-`, `1.`, `1e`, `tru`, ` null `, `{"a" 1}`,
		`{"a":1}{}`, strings.Repeat("[", 10001) + strings.Repeat("]", 10001), `"\u12"`, `"` + "\x01" + `"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(data)
		valid := Skip(d) && End(d)
		if want := json.Valid(data); valid != want {
			t.Fatalf("Skip+End(%q) = %v, json.Valid = %v", data, valid, want)
		}
		if !valid {
			return
		}
		var want any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("json: %v", err)
		}
		switch w := want.(type) {
		case string:
			var got string
			if !String(NewDecoder(data), &got) || got != w {
				t.Fatalf("String(%q) = %q, json = %q", data, got, w)
			}
		case json.Number:
			var got json.Number
			if !Number(NewDecoder(data), &got) || got != w {
				t.Fatalf("Number(%q) = %q, json = %q", data, got, w)
			}
		case map[string]any:
			got := map[string]any{}
			d := NewDecoder(data)
			ok := Object(d, func(name string) bool {
				v, ok := Scalar(d)
				got[name] = v
				return ok
			})
			if !ok || !End(d) {
				t.Fatalf("Object(%q) refused a valid object", data)
			}
			for k, v := range w {
				switch v.(type) {
				case map[string]any:
					w[k] = json.Delim('{')
				case []any:
					w[k] = json.Delim('[')
				}
			}
			if !reflect.DeepEqual(got, w) {
				t.Fatalf("Object(%q) = %#v, json = %#v", data, got, w)
			}
		}
	})
}
