package credential

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/token"
)

func TestRenewFile(t *testing.T) {
	r, _, srv, src := keyed(t, "")
	srv.SetClock(-30 * time.Minute)
	tok, err := r.Resolve(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := tok.JSON(time.Now())
	file := filepath.Join(t.TempDir(), "token.json")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, kept, err := r.RenewFile(file, 10*time.Minute, true); err != nil || !kept || got.AccessToken != tok.AccessToken || srv.Count() != 1 {
		t.Fatalf("a fresh file: kept %v, %v (IAM requests %d)", kept, err, srv.Count())
	}
	got, kept, err := r.RenewFile(file, 45*time.Minute, true)
	if err != nil || kept || got.AccessToken == tok.AccessToken || srv.Requests()[1].Form["grant_type"] != "refresh_token" {
		t.Fatalf("a file due: kept %v, %v", kept, err)
	}
	var m map[string]any
	_ = json.Unmarshal(doc, &m)
	delete(m, "refresh_token")
	b, _ := json.Marshal(m)
	_ = os.WriteFile(file, b, 0o600)
	if _, _, err := r.RenewFile(file, 0, false); !isCause(err, "refresh_token_missing") {
		t.Fatalf("no refresh token: %v", err)
	}
	srv.ExpireRefreshTokens()
	_ = os.WriteFile(file, doc, 0o600)
	_, _, err = r.RenewFile(file, 0, false)
	if f, ok := failure.As(err); !ok || !failure.Is(err, failure.KindExpired, failure.KindInvalid) || f.Remedy != "refresh_token_missing_remedy" {
		t.Fatalf("a refused refresh token: %+v", f)
	}
}

func TestAdmin(t *testing.T) {
	srv := iamtest.New()
	defer srv.Close()
	srv.AddAPIKey(key, iamtest.User)
	session := srv.AccessToken(iamtest.User, "password", time.Hour)
	s := &fakeSession{iam: srv.URL, access: "Bearer " + session, account: "session-account"}
	r, _ := newResolver(s, nil, "", "")
	a, err := r.Admin(context.Background(), Source{})
	if err != nil || a.Token.AccessToken != session || a.Account != "session-account" || a.IAMURL != srv.URL {
		t.Fatalf("session: %+v %v", a, err)
	}
	// An explicit source acts in its own account.
	r, _ = newResolver(s, map[string]string{"IBMCLOUD_API_KEY": key}, "", "")
	a, err = r.Admin(context.Background(), Source{APIKey: key, APIKeySet: true, CacheWait: time.Second})
	if c, _ := token.Decode(a.Token.AccessToken); err != nil || a.Token.AccessToken == session || a.Account != c.Info.Accounts.AccountID {
		t.Fatalf("explicit: %+v %v", a, err)
	}
	r, _ = newResolver(&fakeSession{iam: srv.URL}, nil, "", "")
	if _, err := r.Admin(context.Background(), Source{}); !isCause(err, "setup_not_logged_in") {
		t.Fatalf("logged out: %v", err)
	}
}

func isCause(err error, cause string) bool {
	f, ok := failure.As(err)
	return ok && f.Cause == cause
}
