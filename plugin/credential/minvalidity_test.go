package credential

import (
	"context"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// TestDefaultMinValidityAdapts: with tokens that live no longer than the
// default --min-validity (5 minutes), the default asks for half their
// lifetime instead, with a notice, and the cache still serves; a value the
// user chose stays a demand, refused with one that would do.
func TestDefaultMinValidityAdapts(t *testing.T) {
	adapted := "notice min_validity_adapted"
	tests := []struct {
		name     string
		ttl      time.Duration
		mv       time.Duration
		set      bool
		later    time.Duration // the second call's clock, after the first
		requests int           // IAM requests for both calls
		cause    string        // the failure of both calls
		example  string
		notices  int
	}{
		{"default, 4-minute tokens", 4 * time.Minute, DefaultMinValidity, false, 0, 1, "", "", 2},
		{"default, 4-minute tokens, less than half left", 4 * time.Minute, DefaultMinValidity, false, 2*time.Minute + 30*time.Second, 2, "", "", 2},
		{"default, 5-minute tokens", 5 * time.Minute, DefaultMinValidity, false, 0, 1, "", "", 2},
		{"default, 1-hour tokens", time.Hour, DefaultMinValidity, false, 0, 1, "", "", 0},
		{"chosen, as long as the default", 4 * time.Minute, DefaultMinValidity, true, 0, 1, "min_validity_unreachable", "2m", 0},
		{"chosen, longer than the tokens", 4 * time.Minute, 10 * time.Minute, true, 0, 1, "min_validity_unreachable", "2m", 0},
		{"chosen, within the tokens", 4 * time.Minute, 2 * time.Minute, true, 0, 1, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, n, srv, src := keyed(t, t.TempDir())
			srv.TTL = tt.ttl
			src.MinValidity, src.MinValiditySet = tt.mv, tt.set
			ctx := context.Background()
			first, err := r.Resolve(ctx, src)
			start := time.Now()
			// Later, for kp-token and IAM alike.
			r.Now = func() time.Time { return time.Now().Add(tt.later) }
			srv.SetClock(tt.later)
			second, err2 := r.Resolve(ctx, src)
			for _, err := range []error{err, err2} {
				if tt.cause == "" {
					if err != nil {
						t.Fatal(err)
					}
					continue
				}
				f, ok := failure.As(err)
				if !ok || f.Cause != tt.cause || f.RemedyData["Example"] != tt.example {
					t.Fatalf("err = %v, want %s with the example %s", err, tt.cause, tt.example)
				}
			}
			if srv.Count() != tt.requests {
				t.Fatalf("IAM requests = %d, want %d", srv.Count(), tt.requests)
			}
			if tt.cause == "" {
				if renewed := second != first; renewed != (tt.requests == 2) {
					t.Fatalf("renewed = %v", renewed)
				}
				if left := second.ExpiresAt().Sub(start.Add(tt.later)); tt.notices > 0 && left <= tt.ttl/2 {
					t.Fatalf("the token used has %v left of %v", left, tt.ttl)
				}
			}
			if got := countOf(*n, adapted); got != tt.notices || len(*n) != got {
				t.Fatalf("notices = %v, want %d of %s", *n, tt.notices, adapted)
			}
		})
	}
}

// TestDefaultMinValidityAdaptsForTheSession: the CLI session's short-lived
// token is used as is while it has half its lifetime left, not refused.
func TestDefaultMinValidityAdaptsForTheSession(t *testing.T) {
	srv := iamtest.New()
	defer srv.Close()
	srv.TTL = 4 * time.Minute
	for _, set := range []bool{false, true} {
		s := &fakeSession{iam: srv.URL, access: "Bearer " + srv.AccessToken(iamtest.User, "password", 4*time.Minute), refresh: "rt",
			renewed: srv.AccessToken(iamtest.User, "password", 4*time.Minute)}
		r, n := newResolver(s, nil, "", "")
		tok, err := r.Resolve(context.Background(), Source{MinValidity: DefaultMinValidity, MinValiditySet: set, CacheWait: time.Second})
		if set {
			if f, ok := failure.As(err); !ok || f.Cause != "min_validity_unreachable" || s.renewCalls != 0 {
				t.Fatalf("--min-validity 5m: %v (renewals %d)", err, s.renewCalls)
			}
			continue
		}
		if err != nil || "Bearer "+tok.AccessToken != s.access || s.renewCalls != 0 || countOf(*n, "notice min_validity_adapted") != 1 {
			t.Fatalf("default: %v (renewals %d, notices %v)", err, s.renewCalls, *n)
		}
	}
}

func countOf(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}
