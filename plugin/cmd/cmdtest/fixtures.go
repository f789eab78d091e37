package cmdtest

import (
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// Key Protect instances the fixtures hold.
const (
	InstanceID    = "0d2a5b8e-1111-4c4c-9d9d-123456789abc"
	OtherInstance = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

	KPGUIDSouth  = "aaaaaaaa-1111-4111-8111-111111111111"
	KPGUIDSouth2 = "bbbbbbbb-2222-4222-8222-222222222222"
	KPGUIDEU     = "cccccccc-3333-4333-8333-333333333333"
	COSGUID      = "dddddddd-4444-4444-8444-444444444444"
	GroupID      = "0be5ad401ae913d8ff665d92680664ed"
)

// A trusted profile and what it trusts.
const (
	ProfileID  = "Profile-9b1c3e5a-7777-4d4d-8e8e-0123456789ab"
	CRToken    = "eyJhbGciOiJSUzI1NiJ9.cr-token-of-a-pod.c2lnbmF0dXJlLW9mLXRoZS1jbHVzdGVy"
	VMInstance = "0717_7c1a7b62-aaaa-4bbb-8ccc-0123456789ab"
)

// WithKP adds a Key Protect server that trusts the host's IAM, with one
// instance the service ID may use and one it may not.
func (h *Host) WithKP() *iamtest.KeyProtect {
	h.T.Helper()
	kp := iamtest.NewKeyProtect(h.IAM)
	h.T.Cleanup(kp.Close)
	kp.AddInstance(InstanceID, 3)
	kp.Allow(InstanceID, iamtest.ServiceID.IAMID)
	kp.AddInstance(OtherInstance, 0)
	return kp
}

// WithSetupKP is WithKP with the instance known to the Resource
// Controller, as setup checks, and opened by the policies IAM creates.
func (h *Host) WithSetupKP() *iamtest.KeyProtect {
	kp := h.WithKP()
	h.RC.Add(iamtest.RCInstance{GUID: InstanceID, Name: "kp-main", Region: "us-south", ResourceGroup: "default",
		ResourceID: iamtest.KeyProtectResourceID, Account: iamtest.User.Account})
	h.IAM.OnPolicy(func(instance, iamID string) { kp.Allow(instance, iamID) })
	return kp
}

// WithRC logs in with a targeted region (us-south) and resource group,
// and returns the Resource Controller to add instances to.
func (h *Host) WithRC(locale string) *iamtest.ResourceController {
	h.T.Helper()
	h.LoginUser(time.Hour, func(s *iamtest.Session) {
		s.ResourceGroup = models.ResourceGroup{GUID: GroupID, Name: "default"}
		s.Locale = locale
	})
	return h.RC
}

// KPInstance is a Key Protect instance of the user's account.
func KPInstance(guid, name, region, group string) iamtest.RCInstance {
	return iamtest.RCInstance{GUID: guid, Name: name, Region: region, ResourceGroup: group,
		ResourceID: iamtest.KeyProtectResourceID, Account: iamtest.User.Account}
}

// WithProfile registers a trusted profile that trusts CRToken, is linked
// to VMInstance and may be assumed by the service ID.
func (h *Host) WithProfile() *iamtest.TrustedProfile {
	p := &iamtest.TrustedProfile{ID: ProfileID, Name: "kp-workload", Account: iamtest.User.Account,
		CRTokens: map[string]bool{CRToken: true}, Instances: map[string]bool{VMInstance: true},
		Assumers: map[string]bool{iamtest.ServiceID.IAMID: true}}
	h.IAM.AddProfile(p)
	return p
}

// WithMetadata adds a VPC instance metadata service for VMInstance and
// points IBMCLOUD_CR_VPC_URL at it.
func (h *Host) WithMetadata() *iamtest.Metadata {
	m := iamtest.NewMetadata(h.IAM, VMInstance)
	h.T.Cleanup(m.Close)
	h.Env["IBMCLOUD_CR_VPC_URL"] = m.URL
	return m
}

// ProfileOf is the JSON of a successful get for the trusted profile.
func ProfileOf(t *testing.T, r Result) map[string]any {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("get failed:\n%s", r)
	}
	m := JSONOf(t, r)
	if m["profile_id"] != ProfileID || m["profile_name"] != "kp-workload" {
		t.Fatalf("not a trusted-profile token: %v", m)
	}
	return m
}

// AssertNothingLeft fails when setup left a service ID, policy or key.
func AssertNothingLeft(t *testing.T, h *Host) {
	t.Helper()
	if s, p, k := h.IAM.ServiceIDs(), h.IAM.Policies(), h.IAM.APIKeys(); len(s)+len(p)+len(k) != 0 {
		t.Fatalf("left behind: %d service IDs, %d policies, %d API keys", len(s), len(p), len(k))
	}
}
