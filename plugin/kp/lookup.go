package kp

import (
	"context"
	"net/http"
	"strings"

	"github.com/IBM/go-sdk-core/v5/core"
	"github.com/IBM/platform-services-go-sdk/resourcecontrollerv2"
)

// Record is an instance as the Resource Controller describes it by its ID:
// whose it is, which service it belongs to, and its state.
type Record struct {
	Instance
	Account, ResourceID, State string
}

// IsKeyProtect reports whether the record is a Key Protect instance.
func (r Record) IsKeyProtect() bool { return r.ResourceID == ResourceID }

// Gone reports whether the instance was deleted (and may still be
// reclaimed): nothing can be given access to it.
func (r Record) Gone() bool {
	return r.State == "removed" || r.State == "pending_reclamation"
}

// Get asks the Resource Controller for the instance whose GUID is guid.
// found is false when it answers 404, or with another instance than the
// one asked for.
func (f *Finder) Get(ctx context.Context, guid string) (rec Record, found bool, err error) {
	auth, err := core.NewBearerTokenAuthenticator(f.Token)
	if err != nil {
		return Record{}, false, err
	}
	rc, err := resourcecontrollerv2.NewResourceControllerV2(&resourcecontrollerv2.ResourceControllerV2Options{URL: f.URL, Authenticator: auth})
	if err != nil {
		return Record{}, false, err
	}
	rc.Service.SetHTTPClient(f.Client)
	it, resp, err := rc.GetResourceInstanceWithContext(ctx, rc.NewGetResourceInstanceOptions(guid))
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return Record{}, false, nil
		}
		return Record{}, false, f.fail(err)
	}
	rec = Record{
		Instance: Instance{GUID: strings.ToLower(deref(it.GUID)), Name: deref(it.Name), CRN: deref(it.CRN),
			Region: deref(it.RegionID), ResourceGroup: deref(it.ResourceGroupID)},
		Account: deref(it.AccountID), ResourceID: deref(it.ResourceID), State: deref(it.State),
	}
	if rec.GUID != strings.ToLower(guid) {
		return Record{}, false, nil
	}
	return rec, true, nil
}
