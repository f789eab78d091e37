package kp

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/IBM/go-sdk-core/v5/core"
	"github.com/IBM/platform-services-go-sdk/resourcecontrollerv2"

	"github.com/kp-token/kp-token/plugin/endpoint"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
)

// Instance is a Key Protect instance as the Resource Controller knows it.
type Instance struct {
	GUID          string `json:"guid"`
	Name          string `json:"name,omitempty"`
	CRN           string `json:"crn,omitempty"`
	Region        string `json:"region_id,omitempty"`
	ResourceGroup string `json:"resource_group_id,omitempty"`
}

// ParseCRN reads a Key Protect instance CRN,
// crn:v1:<cloud>:<type>:kms:<region>:a/<account>:<guid>::, without a lookup.
// ok is false for anything else (another service's CRN included).
func ParseCRN(crn string) (Instance, bool) {
	parts := strings.Split(crn, ":")
	if len(parts) < 8 || parts[0] != "crn" || parts[1] != "v1" || parts[4] != "kms" {
		return Instance{}, false
	}
	guid := strings.ToLower(parts[7])
	if !ValidInstanceID(guid) || parts[5] == "" {
		return Instance{}, false
	}
	return Instance{GUID: guid, CRN: crn, Region: parts[5]}, true
}

// ResourceControllerService is the Resource Controller as messages name it.
const ResourceControllerService = failure.ServiceResourceController

// ResourceControllerURL is RESOURCE_CONTROLLER_URL (the platform-services
// SDK's own external-configuration variable) if set, else the public or,
// with private endpoints, the private endpoint: never a fallback to public.
func ResourceControllerURL(getenv func(string) string, private bool) (string, error) {
	if v := strings.TrimSpace(getenv("RESOURCE_CONTROLLER_URL")); v != "" {
		return endpoint.CheckService(v, ResourceControllerService, "RESOURCE_CONTROLLER_URL")
	}
	if private {
		return "https://private.resource-controller.cloud.ibm.com", nil
	}
	return resourcecontrollerv2.DefaultServiceURL, nil
}

// Finder lists Key Protect instances with the Resource Controller.
type Finder struct {
	URL     string
	Token   string // the access token, without "Bearer "
	Client  *http.Client
	Timeout time.Duration
}

// maxPages bounds a listing: an account with more than this many pages of
// Key Protect instances of one name or group is not what a lookup is for.
const maxPages = 10

// List returns the Key Protect instances named name (any name when empty)
// in the resource group (any group when empty).
func (f *Finder) List(name, resourceGroup string) ([]Instance, error) {
	list, _, err := f.list(name, resourceGroup)
	return list, err
}

// All returns every Key Protect instance of the account, in every region
// and resource group, as far as maxPages go: more is true when the
// Resource Controller had more pages than that.
func (f *Finder) All() (list []Instance, more bool, err error) {
	return f.list("", "")
}

func (f *Finder) list(name, resourceGroup string) ([]Instance, bool, error) {
	auth, err := core.NewBearerTokenAuthenticator(f.Token)
	if err != nil {
		return nil, false, err
	}
	rc, err := resourcecontrollerv2.NewResourceControllerV2(&resourcecontrollerv2.ResourceControllerV2Options{URL: f.URL, Authenticator: auth})
	if err != nil {
		return nil, false, err
	}
	rc.Service.SetHTTPClient(f.Client)
	opts := rc.NewListResourceInstancesOptions().SetResourceID(ResourceID).SetLimit(100)
	if name != "" {
		opts.SetName(name)
	}
	if resourceGroup != "" {
		opts.SetResourceGroupID(resourceGroup)
	}
	// The pager takes only the start token from next_url, never its host:
	// every page is asked of f.URL.
	pager, err := rc.NewResourceInstancesPager(opts)
	if err != nil {
		return nil, false, err
	}
	var out []Instance
	for page := 0; pager.HasNext() && page < maxPages; page++ {
		items, err := pager.GetNext()
		if err != nil {
			return nil, false, f.fail(err)
		}
		for _, it := range items {
			inst, err := f.instance(it)
			if err != nil {
				return nil, false, err
			}
			// The filters are the server's; the checks here keep a server
			// that ignores one from handing over another service's instance.
			if deref(it.ResourceID) != ResourceID || (name != "" && inst.Name != name) ||
				(resourceGroup != "" && inst.ResourceGroup != resourceGroup) {
				continue
			}
			out = append(out, inst)
		}
	}
	return out, pager.HasNext(), nil
}

// instance reads what the Resource Controller says of one instance. Every
// lookup goes through it: the GUID ends up in eval'ed lines (KP_INSTANCE_ID)
// and headers (bluemix-instance), so anything but a GUID is refused, for
// the whole answer, rather than printed or skipped.
func (f *Finder) instance(it resourcecontrollerv2.ResourceInstance) (Instance, error) {
	guid := deref(it.GUID)
	if !ValidInstanceID(guid) {
		if r := []rune(guid); len(r) > 40 {
			guid = string(r[:40]) + "…"
		}
		return Instance{}, failure.New("rc_guid_invalid", map[string]any{"URL": f.URL, "Value": guid}).
			WithRemedy("rc_unexpected_reply_remedy", nil)
	}
	return Instance{GUID: strings.ToLower(guid), Name: deref(it.Name), CRN: deref(it.CRN),
		Region: deref(it.RegionID), ResourceGroup: deref(it.ResourceGroupID)}, nil
}

func (f *Finder) fail(err error) error {
	var hp *core.HTTPProblem
	if errors.As(err, &hp) && hp.Response != nil {
		status := hp.Response.GetStatusCode()
		data := map[string]any{"Status": status, "Message": hp.Summary, "URL": f.URL}
		fl := failure.New("rc_failed", data).WithRemedy("rc_failed_remedy", nil).Wrap(err)
		if status == http.StatusForbidden {
			fl.WithKind(failure.KindForbidden)
		}
		return fl
	}
	return httpclient.Failure(err, ResourceControllerService, f.URL, f.Timeout)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
