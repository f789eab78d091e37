package output

import (
	"encoding/json"
	"testing"
)

func TestSafeJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{\n\t\"a\": \"plain é 漢\"\n}", "{\n\t\"a\": \"plain é 漢\"\n}"},
		{`{"a":"` + "\x7f\u0085\u009b\u2028\u2029\u202e\u2066\u200e" + `"}`, `{"a":"\u007f\u0085\u009b\u2028\u2029\u202e\u2066\u200e"}`},
		{"{\"a\":\"\xc3\"}", `{"a":"\ufffd"}`},
	}
	for _, tt := range tests {
		got := string(SafeJSON([]byte(tt.in)))
		if got != tt.want {
			t.Errorf("SafeJSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
		var a, b any
		if json.Unmarshal([]byte(tt.in), &a) == nil && (json.Unmarshal([]byte(got), &b) != nil) {
			t.Errorf("SafeJSON(%q) is not JSON any more: %q", tt.in, got)
		}
	}
}
