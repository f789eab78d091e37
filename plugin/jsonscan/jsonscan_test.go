package jsonscan

import (
	"encoding/json"
	"testing"
)

func TestSkipAndScalar(t *testing.T) {
	tests := []struct {
		in     string
		skipOK bool
		scalar json.Token // what Scalar returns for the first value
	}{
		{`"s" 1`, true, "s"},
		{`12 1`, true, json.Number("12")},
		{`null 1`, true, nil},
		{`true 1`, true, true},
		{`{"a":[1,{"b":{}}],"c":"}"} 1`, true, json.Delim('{')},
		{`[[],[[]]] 1`, true, json.Delim('[')},
		{`{"a":[1,2}`, false, nil},
		{``, false, nil},
	}
	for _, tt := range tests {
		d := NewDecoder([]byte(tt.in))
		if ok := Skip(d); ok != tt.skipOK {
			t.Errorf("Skip(%s) = %v", tt.in, ok)
			continue
		}
		if tt.skipOK {
			// Skip read exactly one value: the 1 after it is next.
			var n int64
			if !Int(d, &n) || n != 1 || !End(d) {
				t.Errorf("after Skip(%s): not at the trailing 1", tt.in)
			}
			d = NewDecoder([]byte(tt.in))
			got, ok := Scalar(d)
			if !ok || got != tt.scalar || !Int(d, &n) || n != 1 {
				t.Errorf("Scalar(%s) = %v, %v; want %v then the trailing 1", tt.in, got, ok, tt.scalar)
			}
		}
	}
}

func TestIntAndString(t *testing.T) {
	var n int64
	for in, want := range map[string]bool{`1`: true, `-9223372036854775808`: true, `9223372036854775808`: false, `1.0`: false, `1e2`: false, `"1"`: false, `null`: false} {
		if got := Int(NewDecoder([]byte(in)), &n); got != want {
			t.Errorf("Int(%s) = %v, want %v", in, got, want)
		}
	}
	var s string
	for in, want := range map[string]bool{`"a\u00e9"`: true, `1`: false, `null`: false, `["a"]`: false} {
		if got := String(NewDecoder([]byte(in)), &s); got != want {
			t.Errorf("String(%s) = %v, want %v", in, got, want)
		}
	}
}

func TestObject(t *testing.T) {
	for in, want := range map[string]bool{`{}`: true, `{"a":1,"a":2}`: true, `[]`: false, `{"a":1`: false, `{"a" 1}`: false} {
		d := NewDecoder([]byte(in))
		got := Object(d, func(string) bool { return Skip(d) })
		if got != want {
			t.Errorf("Object(%s) = %v, want %v", in, got, want)
		}
	}
	// A member that refuses its value fails the object.
	d := NewDecoder([]byte(`{"a":1}`))
	if Object(d, func(string) bool { return false }) {
		t.Error("Object ignored a refused member")
	}
}
