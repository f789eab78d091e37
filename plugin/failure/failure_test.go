package failure

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestSecretsScrub(t *testing.T) {
	const key = `Xy9_a8f7+Gh2/kLm3"Np=`
	jsonQuoted, _ := json.Marshal(key)
	tests := []struct {
		name, text string
	}{
		{"alone", "key " + key + " and short"},
		{"inside a longer word", "prefix" + key + "suffix"},
		{"JSON-quoted", `{"errorMessage":` + string(jsonQuoted) + `}`},
		{"Go-quoted", "got " + strconv.Quote(key)},
		{"form-encoded", "grant_type=x&apikey=" + url.QueryEscape(key) + "&x=y"},
		{"path-escaped", "/v1/" + url.PathEscape(key)},
	}
	var s Secrets
	s.Add("short", key, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Scrub(tt.text)
			if strings.Contains(got, "a8f7") || !strings.Contains(got, Hidden) {
				t.Fatalf("Scrub(%q) = %q", tt.text, got)
			}
		})
	}
	if got := s.Scrub("short words stay"); got != "short words stay" {
		t.Fatalf("a value under 8 characters was scrubbed: %q", got)
	}
}

func TestAs(t *testing.T) {
	f := New("x", nil).WithRemedy("y", nil).Wrap(errors.New("cause"))
	wrapped := fmt.Errorf("ctx: %w", f)
	got, ok := As(wrapped)
	if !ok || got.Cause != "x" || got.Remedy != "y" || got.ExitCode != ExitError {
		t.Fatalf("As = %+v, %v", got, ok)
	}
	if u := Usagef("u", nil); u.ExitCode != ExitUsage || !u.Usage {
		t.Fatalf("Usagef = %+v", u)
	}
}
