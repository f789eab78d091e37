// Package kp knows where Key Protect is: its regions and endpoints, what an
// instance ID looks like, and the one call that proves a token opens an
// instance (through IBM's keyprotect-go-client).
package kp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"
	kpclient "github.com/IBM/keyprotect-go-client"

	"github.com/kp-token/kp-token/plugin/endpoint"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
	"github.com/kp-token/kp-token/plugin/output"
)

// Regions are the regions where Key Protect runs, in one table: each has
// https://<region>.kms.cloud.ibm.com and a private twin. in-che and in-mum
// are offered on request.
var Regions = []string{
	"us-south", "us-east", "eu-gb", "eu-de", "eu-es", "au-syd",
	"jp-tok", "jp-osa", "ca-tor", "ca-mon", "br-sao", "in-che", "in-mum",
}

// ResourceID is Key Protect's resource_id in the global catalog.
const ResourceID = "ee41347f-b18e-4ca6-bf80-b5467c63f9a6"

// Service is Key Protect as messages name it.
const Service = failure.ServiceKeyProtect

// ValidInstanceID reports whether id has the shape of an instance GUID
// (8-4-4-4-12 hexadecimal digits).
func ValidInstanceID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i, c := range id {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

// IsRegion reports whether Key Protect runs in region.
func IsRegion(region string) bool {
	for _, r := range Regions {
		if r == region {
			return true
		}
	}
	return false
}

// EndpointRequest is what decides the Key Protect endpoint, strongest first.
type EndpointRequest struct {
	Flag string // --kp-endpoint
	Env  string // KP_ENDPOINT
	// Region is --region; InstanceRegion the region of an instance found
	// by name or CRN; SessionRegion the CLI's targeted region.
	Region, InstanceRegion, SessionRegion string
	// Private is the CLI's private-endpoint choice: never fall back to the
	// public endpoint.
	Private bool
}

// Endpoint returns the Key Protect base URL and the region it serves (""
// when an explicit URL was given).
func Endpoint(r EndpointRequest) (url, region string, err error) {
	switch {
	case strings.TrimSpace(r.Flag) != "":
		url, err = endpoint.CheckService(strings.TrimSpace(r.Flag), Service, "--kp-endpoint")
		return url, "", err
	case strings.TrimSpace(r.Env) != "":
		url, err = endpoint.CheckService(strings.TrimSpace(r.Env), Service, "KP_ENDPOINT")
		return url, "", err
	}
	region = firstNonEmpty(r.Region, r.InstanceRegion, r.SessionRegion)
	if region == "" {
		return "", "", failure.New("kp_region_none", nil).WithRemedy("kp_region_none_remedy", nil)
	}
	url, err = RegionEndpoint(region, r.Private)
	return url, region, err
}

// RegionEndpoint is the endpoint of a region from the table.
func RegionEndpoint(region string, private bool) (string, error) {
	region = strings.ToLower(strings.TrimSpace(region))
	if !IsRegion(region) {
		data := map[string]any{"Region": region, "Known": strings.Join(Regions, ", ")}
		return "", failure.New("kp_region_unknown", data).WithRemedy("kp_region_unknown_remedy", nil)
	}
	if private {
		return "https://private." + region + ".kms.cloud.ibm.com", nil
	}
	return "https://" + region + ".kms.cloud.ibm.com", nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// Access is what a successful check saw.
type Access struct {
	// KeysListed is how many keys the one-key page held: 0 (the identity
	// sees none) or 1 (it sees at least one).
	KeysListed int
	// KeysVisible is the total Key Protect reported (totalCount), or -1
	// when it did not say.
	KeysVisible int
}

// Check makes one real Key Protect call with the token: GET
// /api/v2/keys?limit=1 on the instance. Its errors are *kpclient.Error (the
// service answered) or transport errors. The client retries on its own
// unless NoClientRetries was called.
func Check(ctx context.Context, client *http.Client, baseURL, instanceID, bearer string, timeout time.Duration) (Access, error) {
	rt := client.Transport
	if rt == nil {
		rt = http.DefaultTransport // what a client without one uses
	}
	c, err := kpclient.New(kpclient.ClientConfig{
		BaseURL:       baseURL,
		Authorization: bearer,
		InstanceID:    instanceID,
		Timeout:       timeout.Seconds(),
	}, rt)
	if err != nil {
		return Access{}, err
	}
	c.HttpClient.CheckRedirect = client.CheckRedirect
	total := &totalCount{rt: rt, n: -1}
	c.HttpClient.Transport = total
	keys, err := c.GetKeys(ctx, 1, 0)
	if err != nil {
		return Access{}, err
	}
	return Access{KeysListed: len(keys.Keys), KeysVisible: total.n}, nil
}

// totalCount asks Key Protect for the number of keys the identity can see
// in the same one-key request (totalCount=true, which GetKeys has no option
// for) and reads metadata.totalCount from the reply, which the client's Keys
// type drops. The reply is small: the client transport has already bounded
// and buffered it.
type totalCount struct {
	rt http.RoundTripper
	n  int
}

func (t *totalCount) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/api/v2/keys") {
		req = req.Clone(req.Context())
		q := req.URL.Query()
		q.Set("totalCount", "true")
		req.URL.RawQuery = q.Encode()
	}
	resp, err := t.rt.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var doc struct {
		Metadata struct {
			TotalCount *int `json:"totalCount"`
		} `json:"metadata"`
	}
	if json.Unmarshal(body, &doc) == nil && doc.Metadata.TotalCount != nil {
		t.n = *doc.Metadata.TotalCount
	}
	return resp, nil
}

// ServiceError returns Key Protect's answer in err, if it answered.
func ServiceError(err error) (*kpclient.Error, bool) {
	var e *kpclient.Error
	ok := errors.As(err, &e)
	return e, ok
}

// TransportCause unwraps the client's URLError, which hides the transport
// error from errors.As.
func TransportCause(err error) error {
	var ue *kpclient.URLError
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// Reasons lists Key Protect's reason codes and messages in e.
func Reasons(e *kpclient.Error) string {
	var parts []string
	for _, r := range e.Reasons {
		s := r.Code
		if r.Message != "" {
			s += ": " + r.Message
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return e.Message
	}
	return strings.Join(parts, "; ")
}

// NoClientRetries turns keyprotect-go-client's own retries off, process
// wide (its RetryMax): kp-token's transport already retries, within the
// CLI's timeout, and the two would multiply. kptoken's settings call it.
func NoClientRetries() { kpclient.RetryMax = 0 }

// Who is who a token says it is, for the messages of a refused check.
type Who struct {
	Identity, IAMID string
	// SubjectType is the token's sub_type: "ServiceId", "Profile", or ""
	// for a user; Subject its sub (a service ID's or trusted profile's ID)
	// and Email a user's e-mail address.
	SubjectType, Subject, Email string
}

// Verify is Check with Key Protect's answer (or the network's) turned into
// a failure that says what it means for the token and instance: status is
// Key Protect's HTTP status when it refused the call, 0 otherwise.
func Verify(ctx context.Context, client *http.Client, baseURL, instanceID, bearer string, who Who, timeout time.Duration) (Access, int, error) {
	access, err := Check(ctx, client, baseURL, instanceID, bearer, timeout)
	if err == nil {
		return access, 0, nil
	}
	e, answered := ServiceError(err)
	if !answered {
		return Access{}, 0, httpclient.Failure(TransportCause(err), Service, baseURL, timeout)
	}
	r := Refusal{Status: e.StatusCode, Reason: Reasons(e), AboutInstance: mentionsInstance(e)}
	// The list of keys is the instance itself: its 404 means that Key
	// Protect does not know the instance.
	r.AboutInstance = r.AboutInstance || e.StatusCode == http.StatusNotFound
	return Access{}, e.StatusCode, Refused(r, baseURL, instanceID, who, "verify_bad_request_remedy").Wrap(err)
}

// noAccessRemedy is the command that gives who a role on the instance, as
// IBM's CLI reference writes it (ibmcloud_commands_iam: user-policy-create
// USER_NAME, service-policy-create SERVICE_ID, trusted-profile-policy-create
// (NAME|ID)), with the user's e-mail address or the service ID's or
// profile's ID from the token. Claims are the server's text: each is one
// shell word in the command shown. Without them, the advice names no one.
func noAccessRemedy(who Who, instance string) (string, map[string]any) {
	data := map[string]any{"Instance": instance}
	id := func(prefix string) string {
		if strings.HasPrefix(who.Subject, prefix) {
			return who.Subject
		}
		if strings.HasPrefix(who.IAMID, "iam-"+prefix) {
			return strings.TrimPrefix(who.IAMID, "iam-")
		}
		return ""
	}
	switch {
	case who.SubjectType == core_config.SubjectTypeServiceID && id("ServiceId-") != "":
		data["ServiceID"] = output.ShellWord(id("ServiceId-"))
		return "verify_no_access_remedy_service_id", data
	case who.SubjectType == core_config.SubjectTypeTrustedProfile && id("Profile-") != "":
		data["Profile"] = output.ShellWord(id("Profile-"))
		return "verify_no_access_remedy_profile", data
	case who.SubjectType == "" && who.Email != "":
		data["User"] = output.ShellWord(who.Email)
		return "verify_no_access_remedy_user", data
	}
	return "verify_no_access_remedy", data
}

// mentionsInstance reports whether Key Protect's reasons are about the
// instance ID (an unknown or malformed bluemix-instance).
func mentionsInstance(e interface{ Error() string }) bool {
	return strings.Contains(strings.ToUpper(e.Error()), "INSTANCE")
}
