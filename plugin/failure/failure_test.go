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
	if u := Usagef("u", nil); u.ExitCode != ExitUsage || !u.Usage() || !IsUsage(u) {
		t.Fatalf("Usagef = %+v", u)
	}
}

func TestKinds(t *testing.T) {
	outage := NewOutage(Outage{Kind: KindTimeout, Service: "IAM", URL: "https://iam.example", Seconds: "30"})
	rejected := New("x", nil).WithKind(KindRejected)
	// The shown failure decides, not one it wraps.
	profile := New("profile_x", nil).Wrap(rejected)
	tests := []struct {
		name    string
		err     error
		kind    Kind
		outage  bool
		isKinds []Kind
	}{
		{"none", nil, "", false, nil},
		{"plain error", errors.New("x"), "", false, nil},
		{"outage", fmt.Errorf("ctx: %w", outage), KindTimeout, true, []Kind{KindTimeout}},
		{"rejected", rejected, KindRejected, false, []Kind{KindExpired, KindRejected}},
		{"wrapping failure", profile, "", false, nil},
		{"usage", Usagef("u", nil), KindUsage, false, []Kind{KindUsage}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf = %q, want %q", got, tt.kind)
			}
			if got := IsOutage(tt.err); got != tt.outage {
				t.Errorf("IsOutage = %v", got)
			}
			if got := Is(tt.err, tt.isKinds...); got != (len(tt.isKinds) > 0) {
				t.Errorf("Is(%v) = %v", tt.isKinds, got)
			}
			if Is(tt.err, KindInstanceNotFound) {
				t.Error("Is answers true for a kind the error does not have")
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("x"), ExitError},
		{New("x", nil), ExitError},
		{fmt.Errorf("w: %w", Usagef("x", nil)), ExitUsage},
		{New("x", nil).WithExitCode(ExitNotFound), ExitNotFound},
		{&ExitStatus{Code: 130}, 130},
	} {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// TestOutageSaysTheSameAgain: an outage stored as facts and read back by
// another process gives the same failure, message IDs and data included.
func TestOutageSaysTheSameAgain(t *testing.T) {
	for _, o := range []Outage{
		{Kind: KindUnavailable, Service: "IAM", URL: "https://iam.example", Status: 503},
		{Kind: KindUnavailable, Service: "IAM", URL: "https://iam.example", Status: 429, Code: "BXNIM0001E"},
		{Kind: KindTimeout, Service: "IAM", URL: "https://iam.example", Seconds: "30", Detail: "context deadline exceeded"},
		{Kind: KindUnreachable, Service: "IAM", URL: "https://iam.example", Seconds: "30", Reason: ReasonDNS, Host: "iam.example"},
		{Kind: KindUnreachable, Service: "IAM", URL: "https://iam.example", Seconds: "30", Reason: ReasonReset},
		{Kind: KindUnreachable, Service: "IAM", URL: "https://iam.example", Seconds: "30"},
	} {
		f := NewOutage(o)
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var back Outage
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		g := NewOutage(back)
		if f.Cause != g.Cause || f.Remedy != g.Remedy || f.Reason != g.Reason || f.Detail != g.Detail ||
			fmt.Sprint(f.CauseData, f.ReasonData, f.RemedyData) != fmt.Sprint(g.CauseData, g.ReasonData, g.RemedyData) {
			t.Errorf("%+v said again as %+v", f, g)
		}
		if !IsOutage(f) || f.Kind != o.Kind || f.Cause == "" {
			t.Errorf("%+v: kind %q, cause %q", o, f.Kind, f.Cause)
		}
	}
	if got := NewOutage(Outage{Kind: KindUnreachable, Reason: ReasonDNS, Host: "h"}); got.Cause != "net_unreachable" || got.Reason != "net_reason_dns" || got.ReasonData["Host"] != "h" {
		t.Errorf("DNS: %+v", got)
	}
	if got := NewOutage(Outage{Kind: KindUnreachable, Reason: ReasonReset}); got.Cause != "net_request_failed" || got.Reason != "net_reason_reset" {
		t.Errorf("reset: %+v", got)
	}
	if got := NewOutage(Outage{Kind: KindUnavailable, Status: 503, Code: "E"}); got.Cause != "iam_unavailable_code" {
		t.Errorf("code: %+v", got)
	}
}
