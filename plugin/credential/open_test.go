package credential

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// TestOpenReadsTheSourceOnce: a credential opened once gives tokens again
// and again ('exec' renewing) without reading its source again: a key
// from standard input is read once, and a key on the command line is
// pointed out once.
func TestOpenReadsTheSourceOnce(t *testing.T) {
	srv := iamtest.New()
	defer srv.Close()
	srv.AddAPIKey(key, iamtest.ServiceID)
	tests := []struct {
		name   string
		stdin  string
		apikey string
		notes  []string
	}{
		{name: "standard input", stdin: key + "\n", apikey: "-"},
		{name: "command line", apikey: key, notes: []string{"alert warn_apikey_visible"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, n := newResolver(nil, map[string]string{"IAM_ENDPOINT": srv.URL}, "", tt.stdin)
			// No cache: each Token is an exchange with the key read at Open.
			src := Source{APIKey: tt.apikey, APIKeySet: true, MinValidity: time.Minute, NoCache: true}
			c, err := r.Open(src)
			if err != nil {
				t.Fatal(err)
			}
			before := srv.Count()
			var seen []string
			for i := range 3 {
				tok, err := c.Token(context.Background())
				if err != nil {
					t.Fatalf("token %d: %v", i, err)
				}
				if slices.Contains(seen, tok.AccessToken) || !srv.Verify(tok.AccessToken) {
					t.Fatalf("token %d is not a new token from IAM", i)
				}
				seen = append(seen, tok.AccessToken)
			}
			if srv.Count() != before+3 || !slices.Equal([]string(*n), tt.notes) {
				t.Fatalf("IAM requests %d, notes %v", srv.Count()-before, *n)
			}
		})
	}
}
