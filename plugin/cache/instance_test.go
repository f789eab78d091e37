package cache

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/kp"
)

// TestDeleteInstances: every remembered lookup goes, and what each named
// comes back, so that 'cache-delete --all' can count and name them; an
// unreadable one counts too.
func TestDeleteInstances(t *testing.T) {
	c, _ := Open(t.TempDir())
	now := time.Now()
	prod := kp.Instance{GUID: "aaaaaaaa-1111-4111-8111-111111111111", Name: "kp-prod", Region: "us-south"}
	eu := kp.Instance{GUID: "cccccccc-3333-4333-8333-333333333333", Name: "kp-eu", Region: "eu-de"}
	for k, i := range map[InstanceKey]kp.Instance{{Account: "a", Name: "kp-prod"}: prod, {Account: "a", Region: "eu-de"}: eu} {
		if err := c.StoreInstance(k, i, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(c.instanceDir(), "damaged.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = c.Store(key, tok(1900000000), now)

	got, err := c.DeleteInstances()
	if err != nil || len(got) != 3 {
		t.Fatalf("DeleteInstances = %v, %v", got, err)
	}
	named := map[string]bool{}
	for _, i := range got {
		named[i.GUID] = true
	}
	if !named[prod.GUID] || !named[eu.GUID] || !named[""] {
		t.Fatalf("DeleteInstances = %v", got)
	}
	if _, err := os.Stat(c.instanceDir()); !os.IsNotExist(err) {
		t.Fatalf("the lookups' folder is still there: %v", err)
	}
	if _, ok := c.LoadInstance(InstanceKey{Account: "a", Name: "kp-prod"}, now); ok {
		t.Fatal("a lookup is still remembered")
	}
	if _, st := c.Load(key); st != Found {
		t.Fatal("a token went with the lookups")
	}
	if again, err := c.DeleteInstances(); err != nil || len(again) != 0 {
		t.Fatalf("second DeleteInstances = %v, %v", again, err)
	}
}
