package kp

import (
	"net/http"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// TestFinderRefusesInvalidGUIDs: a GUID the Resource Controller returns
// ends up in eval'ed lines; an instance whose GUID is not a GUID fails the
// lookup with a message that names the Resource Controller, whatever else
// came with it.
func TestFinderRefusesInvalidGUIDs(t *testing.T) {
	iam := iamtest.New()
	defer iam.Close()
	rc := iamtest.NewResourceController(iam)
	defer rc.Close()
	f := &Finder{URL: rc.URL, Token: iam.AccessToken(iamtest.User, "password", time.Hour), Client: &http.Client{Timeout: 10 * time.Second}}
	good := iamtest.RCInstance{GUID: "AAAAAAAA-1111-4111-8111-111111111111", Name: "kp", Region: "us-south", ResourceGroup: "g",
		ResourceID: ResourceID, Account: iamtest.User.Account}

	rc.Replace(good)
	list, err := f.List("kp", "")
	if err != nil || len(list) != 1 || list[0].GUID != "aaaaaaaa-1111-4111-8111-111111111111" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	for _, guid := range []string{
		"x\u2019; Start-Process calc; \u2019",
		"aaaaaaaa-1111-4111-8111-111111111111'",
		"aaaaaaaa-1111-4111-8111-111111111111\nexport X=1",
		"aaaaaaaa-1111-4111-8111-11111111111\u2019",
		"",
	} {
		bad := good
		bad.GUID, bad.Name = guid, "kp-other"
		rc.Replace(good, bad)
		list, err := f.List("", "")
		fl, ok := failure.As(err)
		if !ok || fl.Cause != "rc_guid_invalid" || fl.CauseData["URL"] != rc.URL || list != nil {
			t.Errorf("GUID %q: List = %+v, %v; want rc_guid_invalid", guid, list, err)
		}
	}
}
