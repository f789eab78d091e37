package kp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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

// TestFinderAll: every Key Protect instance of the account, in every
// region and group, page after page, with no other service's; next_url's
// host is never followed (a server in other hands could name its own); the
// page cap holds and says more were left.
func TestFinderAll(t *testing.T) {
	iam := iamtest.New()
	defer iam.Close()
	rc := iamtest.NewResourceController(iam)
	defer rc.Close()
	foreign := 0
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { foreign++ }))
	defer elsewhere.Close()
	f := &Finder{URL: rc.URL, Token: iam.AccessToken(iamtest.User, "password", time.Hour), Client: &http.Client{Timeout: 10 * time.Second}}
	kp := func(n int, region, group string) iamtest.RCInstance {
		return iamtest.RCInstance{GUID: fmt.Sprintf("aaaaaaaa-1111-4111-8111-%012d", n), Name: fmt.Sprintf("kp-%d", n), Region: region,
			ResourceGroup: group, ResourceID: ResourceID, Account: iamtest.User.Account}
	}
	cos := kp(90, "us-south", "g1")
	cos.ResourceID = "dff97f5c-bc5e-4455-b470-411c3edbe49c"
	other := kp(91, "us-south", "g1")
	other.Account = "ffffffffffffffffffffffffffffffff"
	rc.Add(kp(1, "us-south", "g1"), cos, kp(2, "eu-de", "g2"), other, kp(3, "jp-tok", "g1"), kp(4, "us-south", "g3"), kp(5, "au-syd", "g2"))

	for _, next := range []string{"", elsewhere.URL} {
		rc.SetPaging(2, next)
		list, more, err := f.All()
		var names []string
		for _, i := range list {
			names = append(names, i.Name+"/"+i.Region+"/"+i.ResourceGroup)
		}
		if err != nil || more || strings.Join(names, " ") != "kp-1/us-south/g1 kp-2/eu-de/g2 kp-3/jp-tok/g1 kp-4/us-south/g3 kp-5/au-syd/g2" {
			t.Fatalf("next_url host %q: All = %v, %v, %v", next, names, more, err)
		}
	}
	if foreign != 0 {
		t.Fatalf("%d requests went to next_url's host", foreign)
	}

	var many []iamtest.RCInstance
	for n := 1; n <= maxPages+2; n++ {
		many = append(many, kp(n, "us-south", "g1"))
	}
	rc.Replace(many...)
	rc.SetPaging(1, "")
	list, more, err := f.All()
	if err != nil || !more || len(list) != maxPages {
		t.Fatalf("past the cap: %d listed, more %v, %v", len(list), more, err)
	}
}
