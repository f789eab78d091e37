package token

import (
	"errors"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// TestReachableMinValidity: the value a failure suggests is below the
// lifetime with room to spare, and written as --min-validity takes it.
func TestReachableMinValidity(t *testing.T) {
	tests := []struct {
		life time.Duration
		want string
	}{
		{time.Hour, "30m"},
		{2 * time.Hour, "1h"},
		{3 * time.Hour, "1h30m"},
		{4 * time.Minute, "2m"},
		{5 * time.Minute, "2m"},
		{3 * time.Minute, "1m30s"},
		{90 * time.Second, "45s"},
		{5 * time.Second, "2s"},
		{time.Second, "500ms"},
		{59*time.Minute + 59*time.Second, "29m"},
	}
	for _, tt := range tests {
		d := ReachableMinValidity(tt.life)
		got := FormatMinValidity(d)
		back, err := time.ParseDuration(got)
		if got != tt.want || err != nil || back != d || d >= tt.life || d <= 0 {
			t.Errorf("lifetime %v: %q (%v), want %q, parsed back %v, %v", tt.life, got, d, tt.want, back, err)
		}
	}
}

// TestCheckLifetime: a --min-validity no token of the issuer can meet
// fails, saying why (*ShortLived, the lifetime) and which value would do.
func TestCheckLifetime(t *testing.T) {
	srv := iamtest.New()
	defer srv.Close()
	srv.TTL = 4 * time.Minute
	tok := Token{AccessToken: srv.AccessToken(iamtest.ServiceID, "urn:ibm:params:oauth:grant-type:apikey", 4*time.Minute)}
	for _, mv := range []time.Duration{time.Minute, 3*time.Minute + 59*time.Second} {
		if err := CheckLifetime(tok, mv); err != nil {
			t.Errorf("--min-validity %v refused for 4-minute tokens: %v", mv, err)
		}
	}
	for _, mv := range []time.Duration{4 * time.Minute, 5 * time.Minute} {
		err := CheckLifetime(tok, mv)
		var short *ShortLived
		f, ok := failure.As(err)
		if !ok || f.Cause != "min_validity_unreachable" || !errors.As(err, &short) || short.Lifetime != 4*time.Minute ||
			short.MinValidity != mv || f.RemedyData["Example"] != "2m" {
			t.Errorf("--min-validity %v: %v (%+v)", mv, err, f)
		}
	}
}
