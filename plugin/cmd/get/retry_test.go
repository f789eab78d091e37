package get_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestRetries(t *testing.T) {
	busy := `{"errorCode":"BXNIM0999E","errorMessage":"Too many requests."}`
	tests := []struct {
		name     string
		script   []iamtest.Reply
		timeout  int
		wantCode int
		wantReqs int
		Stderr   string
		minGap   time.Duration // between the first two requests
	}{
		{"429 with Retry-After then 200", []iamtest.Reply{{Status: 429, ContentType: "application/json", Body: busy, Header: map[string]string{"Retry-After": "1"}}},
			0, 0, 2, "", time.Second},
		{"503 then 200", []iamtest.Reply{{Status: 503, ContentType: "text/html", Body: "<html>down</html>"}}, 0, 0, 2, "", 0},
		{"reset then 200", []iamtest.Reply{{Reset: true}}, 0, 0, 2, "", 0},
		{"400 is not retried", []iamtest.Reply{{Status: 400, ContentType: "application/json", Body: `{"errorCode":"BXNIM0109E","errorMessage":"Property missing."}`}},
			0, 1, 1, "(HTTP 400, error BXNIM0109E): Property missing.", 0},
		{"501 is not retried", []iamtest.Reply{{Status: 501, ContentType: "application/json", Body: busy}}, 0, 1, 1, "BXNIM0999E", 0},
		{"attempts run out", []iamtest.Reply{
			{Status: 503, ContentType: "application/json", Body: busy}, {Status: 503, ContentType: "application/json", Body: busy},
			{Status: 503, ContentType: "application/json", Body: busy}, {Status: 503, ContentType: "application/json", Body: busy},
			{Status: 200}}, 0, 1, 4, "(HTTP 503, error BXNIM0999E). kp-token tried 4 times.", 0},
		{"Retry-After beyond the budget is not waited for", []iamtest.Reply{{Status: 429, ContentType: "application/json", Body: busy, Header: map[string]string{"Retry-After": "120"}}},
			5, 1, 1, "busy or unavailable (HTTP 429, error BXNIM0999E)", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := cmdtest.New(t)
			if tt.timeout > 0 {
				h.Login(iamtest.Session{HTTPTimeout: tt.timeout})
			}
			h.IAM.Script(tt.script...)
			r := h.Run(cmdtest.ServiceKey, "get", "--apikey", "-", "-q", "--no-cache")
			if r.Code != tt.wantCode || h.IAM.Count() != tt.wantReqs {
				t.Fatalf("exit %d with %d IAM requests, want %d and %d:\n%s", r.Code, h.IAM.Count(), tt.wantCode, tt.wantReqs, r)
			}
			if tt.wantCode == 0 {
				cmdtest.BearerOf(t, r.Stdout)
			} else if !strings.HasPrefix(r.Stderr, "FAILED\n") && !strings.Contains(r.Stderr, tt.Stderr) {
				t.Fatalf("stderr lacks %q:\n%s", tt.Stderr, r)
			}
			if !strings.Contains(r.Stderr, tt.Stderr) {
				t.Fatalf("stderr lacks %q:\n%s", tt.Stderr, r)
			}
			if tt.minGap > 0 {
				reqs := h.IAM.Requests()
				if gap := reqs[1].At.Sub(reqs[0].At); gap < tt.minGap {
					t.Fatalf("Retry-After not honored: retried after %v", gap)
				}
			}
		})
	}
}
