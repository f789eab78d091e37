package kp

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// TestGroupsName: a group's name from the Resource Manager, on the
// Resource Controller's host; its refusals give their status, no answer
// gives 0, and a reply about another group is no name.
func TestGroupsName(t *testing.T) {
	iam := iamtest.New()
	defer iam.Close()
	rc := iamtest.NewResourceController(iam)
	defer rc.Close()
	const (
		mine    = "0be5ad401ae913d8ff665d92680664ed"
		theirs  = "1be5ad401ae913d8ff665d92680664ed"
		refused = "2be5ad401ae913d8ff665d92680664ed"
		reset   = "3be5ad401ae913d8ff665d92680664ed"
		liar    = "4be5ad401ae913d8ff665d92680664ed"
	)
	rc.RM.AddGroup(iamtest.ResourceGroup{ID: mine, Name: "Default", Account: iamtest.User.Account},
		iamtest.ResourceGroup{ID: theirs, Name: "theirs", Account: "ffffffffffffffffffffffffffffffff"})
	rc.RM.Fail(refused, iamtest.Reply{Status: http.StatusForbidden, ContentType: "application/json",
		Body: `{"message":"You are not authorized","status_code":403,"error_code":"RG-Forbidden"}`})
	rc.RM.Fail(reset, iamtest.Reply{Reset: true})
	rc.RM.Fail(liar, iamtest.Reply{Status: http.StatusOK, ContentType: "application/json", Body: `{"id":"` + mine + `","name":"Default"}`})
	g := &Groups{URL: rc.URL, Token: iam.AccessToken(iamtest.User, "password", time.Hour), Client: &http.Client{Timeout: 10 * time.Second}}
	tests := []struct {
		id, name string
		status   int
		fails    bool
	}{
		{id: mine, name: "Default"},
		{id: theirs, status: http.StatusNotFound, fails: true},
		{id: "5be5ad401ae913d8ff665d92680664ed", status: http.StatusNotFound, fails: true},
		{id: refused, status: http.StatusForbidden, fails: true},
		{id: reset, status: 0, fails: true},
		{id: liar, status: http.StatusOK, fails: true},
	}
	for _, tt := range tests {
		name, status, err := g.Name(context.Background(), tt.id)
		if name != tt.name || status != tt.status || (err != nil) != tt.fails {
			t.Errorf("%s: Name = %q, %d, %v; want %q, %d", tt.id, name, status, err, tt.name, tt.status)
		}
	}
	// Every group was asked on the Resource Controller's host (Go's
	// transport may ask again once after a reset).
	asked := map[string]bool{}
	for _, id := range rc.RM.Requests() {
		asked[id] = true
	}
	if len(asked) != len(tests) {
		t.Errorf("the Resource Manager on the Resource Controller's host was asked for %d groups, want %d", len(asked), len(tests))
	}
}
