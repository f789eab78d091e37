// Package serviceid creates what the page's API path asks for by hand: a
// service ID, an access policy on a Key Protect instance, and an API key,
// through IBM's platform-services SDK (iamidentityv1,
// iampolicymanagementv1), finds them again after a create whose outcome is
// unclear, and deletes them again when a later step fails.
//
// A create is sent once (the HTTP client does not repeat a POST): when its
// answer is lost, Unclear says so, and the caller looks up what exists by
// name instead of making a second one.
package serviceid

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/IBM/go-sdk-core/v5/core"
	"github.com/IBM/platform-services-go-sdk/iamidentityv1"
	"github.com/IBM/platform-services-go-sdk/iampolicymanagementv1"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
)

// Roles are the Key Protect service roles a policy may give.
var Roles = []string{"Reader", "Writer", "Manager"}

// Client talks to the IAM Identity and Policy Management APIs.
type Client struct {
	URL      string
	Timeout  time.Duration
	identity *iamidentityv1.IamIdentityV1
	policy   *iampolicymanagementv1.IamPolicyManagementV1
}

// New returns a client for the IAM endpoint url, authenticated with the
// session's access token.
func New(url, accessToken string, hc *http.Client, timeout time.Duration) (*Client, error) {
	auth, err := core.NewBearerTokenAuthenticator(accessToken)
	if err != nil {
		return nil, err
	}
	id, err := iamidentityv1.NewIamIdentityV1(&iamidentityv1.IamIdentityV1Options{URL: url, Authenticator: auth})
	if err != nil {
		return nil, err
	}
	pol, err := iampolicymanagementv1.NewIamPolicyManagementV1(&iampolicymanagementv1.IamPolicyManagementV1Options{URL: url, Authenticator: auth})
	if err != nil {
		return nil, err
	}
	id.Service.SetHTTPClient(hc)
	pol.Service.SetHTTPClient(hc)
	return &Client{URL: url, Timeout: timeout, identity: id, policy: pol}, nil
}

// ServiceID is a service ID's identifiers.
type ServiceID struct {
	ID, IAMID, Name string
}

// maxPages bounds a listing.
const maxPages = 10

// Find returns the service IDs named name in the account (IAM does not
// keep names unique).
func (c *Client) Find(ctx context.Context, account, name string) ([]ServiceID, error) {
	opts := c.identity.NewListServiceIdsOptions().SetAccountID(account).SetName(name).SetPagesize(100)
	var out []ServiceID
	for page := 0; page < maxPages; page++ {
		list, _, err := c.identity.ListServiceIdsWithContext(ctx, opts)
		if err != nil {
			return nil, c.fail(err, "setup_step_find")
		}
		for _, s := range list.Serviceids {
			if deref(s.Name) == name && deref(s.ID) != "" {
				out = append(out, ServiceID{ID: deref(s.ID), IAMID: deref(s.IamID), Name: name})
			}
		}
		token := pageToken(list.Next, "pagetoken")
		if token == "" {
			break
		}
		opts.SetPagetoken(token)
	}
	return out, nil
}

// Create creates a service ID.
func (c *Client) Create(ctx context.Context, account, name, description string) (ServiceID, error) {
	opts := c.identity.NewCreateServiceIDOptions(account, name)
	if description != "" {
		opts.SetDescription(description)
	}
	s, _, err := c.identity.CreateServiceIDWithContext(ctx, opts)
	if err != nil {
		return ServiceID{}, c.fail(err, "setup_step_serviceid")
	}
	if deref(s.ID) == "" || deref(s.IamID) == "" {
		return ServiceID{}, c.incomplete()
	}
	return ServiceID{ID: deref(s.ID), IAMID: deref(s.IamID), Name: name}, nil
}

// Delete deletes a service ID; one already gone counts as deleted.
func (c *Client) Delete(ctx context.Context, id string) error {
	_, err := c.identity.DeleteServiceIDWithContext(ctx, c.identity.NewDeleteServiceIDOptions(id))
	return gone(err)
}

// Policies returns the IDs of the access policies that give iamID the role
// on the Key Protect instance.
func (c *Client) Policies(ctx context.Context, account, iamID, instance, role string) ([]string, error) {
	return c.listPolicies(ctx, account, iamID, func(pol iampolicymanagementv1.PolicyTemplateMetaData) bool {
		return grants(pol, iamID, instance, role)
	})
}

// AccessPolicies returns the IDs of every access policy whose subject is
// iamID, whatever it gives access to.
func (c *Client) AccessPolicies(ctx context.Context, account, iamID string) ([]string, error) {
	return c.listPolicies(ctx, account, iamID, func(pol iampolicymanagementv1.PolicyTemplateMetaData) bool {
		return subjectOf(pol) == iamID
	})
}

// listPolicies returns the IDs of iamID's access policies that keep
// accepts.
func (c *Client) listPolicies(ctx context.Context, account, iamID string, keep func(iampolicymanagementv1.PolicyTemplateMetaData) bool) ([]string, error) {
	p := c.policy
	opts := p.NewListPoliciesOptions(account).SetIamID(iamID).SetType("access").SetLimit(100)
	var out []string
	for page := 0; page < maxPages; page++ {
		list, _, err := p.ListPoliciesWithContext(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, pol := range list.Policies {
			if deref(pol.ID) != "" && keep(pol) {
				out = append(out, deref(pol.ID))
			}
		}
		if list.Next == nil || deref(list.Next.Start) == "" {
			break
		}
		opts.SetStart(deref(list.Next.Start))
	}
	return out, nil
}

// subjectOf is the IAM ID a policy gives access to.
func subjectOf(pol iampolicymanagementv1.PolicyTemplateMetaData) string {
	for _, s := range pol.Subjects {
		for _, a := range s.Attributes {
			if deref(a.Name) == "iam_id" {
				return deref(a.Value)
			}
		}
	}
	return ""
}

// grants reports whether pol is the policy Grant creates.
func grants(pol iampolicymanagementv1.PolicyTemplateMetaData, iamID, instance, role string) bool {
	subject := map[string]string{}
	for _, s := range pol.Subjects {
		for _, a := range s.Attributes {
			subject[deref(a.Name)] = deref(a.Value)
		}
	}
	resource := map[string]string{}
	for _, r := range pol.Resources {
		for _, a := range r.Attributes {
			resource[deref(a.Name)] = deref(a.Value)
		}
	}
	hasRole := false
	for _, r := range pol.Roles {
		hasRole = hasRole || deref(r.RoleID) == roleCRN(role)
	}
	return hasRole && subject["iam_id"] == iamID && resource["serviceName"] == "kms" && resource["serviceInstance"] == instance
}

func roleCRN(role string) string { return "crn:v1:bluemix:public:iam::::serviceRole:" + role }

// Grant gives iamID the role on a Key Protect instance of the account and
// returns the policy's ID. conflict reports a 409: such a policy exists,
// and which one it is (an earlier one, or this very request carried out by
// someone who repeated it) is for the caller to find out.
func (c *Client) Grant(ctx context.Context, account, iamID, instance, role string) (policyID string, conflict bool, err error) {
	p := c.policy
	opts := p.NewCreatePolicyOptions("access",
		[]iampolicymanagementv1.PolicySubject{{Attributes: []iampolicymanagementv1.SubjectAttribute{
			{Name: core.StringPtr("iam_id"), Value: core.StringPtr(iamID)}}}},
		[]iampolicymanagementv1.PolicyRole{{RoleID: core.StringPtr(roleCRN(role))}},
		[]iampolicymanagementv1.PolicyResource{{Attributes: []iampolicymanagementv1.ResourceAttribute{
			{Name: core.StringPtr("accountId"), Value: core.StringPtr(account)},
			{Name: core.StringPtr("serviceName"), Value: core.StringPtr("kms")},
			{Name: core.StringPtr("serviceInstance"), Value: core.StringPtr(instance)},
		}}})
	pol, _, err := p.CreatePolicyWithContext(ctx, opts)
	if err != nil {
		if status, _ := problem(err); status == http.StatusConflict {
			return "", true, nil
		}
		return "", false, c.fail(err, "setup_step_policy")
	}
	if deref(pol.ID) == "" {
		return "", false, c.incomplete()
	}
	return deref(pol.ID), false, nil
}

// ListFailure is the failure of a Policies or Keys call on serviceID:
// cause is setup_policies_list_failed or setup_keys_list_failed.
func (c *Client) ListFailure(err error, cause, serviceID string) error {
	return c.Failure(err, cause, map[string]any{"ID": serviceID})
}

// Failure is the failure of a call that err ended: cause is a whole
// sentence about what was asked, given data and IAM's Status, Message and
// URL. A call IAM did not answer is a network failure.
func (c *Client) Failure(err error, cause string, data map[string]any) error {
	return c.failure(err, cause, data, "setup_step_failed_remedy")
}

// failure is Failure with remedy for an answer other than a refusal (none
// when empty).
func (c *Client) failure(err error, cause string, data map[string]any, remedy string) error {
	status, msg := problem(err)
	if status == 0 {
		return httpclient.Failure(err, failure.ServiceIAM, c.URL, c.Timeout)
	}
	all := map[string]any{"Status": status, "Message": msg, "URL": c.URL}
	for k, v := range data {
		all[k] = v
	}
	f := failure.New(cause, all)
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return f.WithRemedy("setup_forbidden_remedy", nil).Wrap(err)
	}
	if remedy != "" {
		f.WithRemedy(remedy, nil)
	}
	return f.Wrap(err)
}

// Revoke deletes a policy; one already gone counts as deleted.
func (c *Client) Revoke(ctx context.Context, policyID string) error {
	_, err := c.policy.DeletePolicyWithContext(ctx, c.policy.NewDeletePolicyOptions(policyID))
	return gone(err)
}

// APIKey is a new key: its ID and the secret, which IAM shows only once.
type APIKey struct {
	ID, Name, Secret string
}

// Key is an API key as IAM describes it, never its value.
type Key struct {
	ID, Name, IAMID, Account, Description string
}

// Keys returns the IDs of iamID's API keys named name.
func (c *Client) Keys(ctx context.Context, account, iamID, name string) ([]string, error) {
	all, err := c.ListKeys(ctx, account, iamID)
	var out []string
	for _, k := range all {
		if k.Name == name {
			out = append(out, k.ID)
		}
	}
	return out, err
}

// ListKeys returns iamID's API keys.
func (c *Client) ListKeys(ctx context.Context, account, iamID string) ([]Key, error) {
	opts := c.identity.NewListAPIKeysOptions().SetAccountID(account).SetIamID(iamID).SetPagesize(100)
	var out []Key
	for page := 0; page < maxPages; page++ {
		list, _, err := c.identity.ListAPIKeysWithContext(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, k := range list.Apikeys {
			if deref(k.IamID) == iamID && deref(k.ID) != "" {
				out = append(out, keyOf(k))
			}
		}
		token := pageToken(list.Next, "pagetoken")
		if token == "" {
			break
		}
		opts.SetPagetoken(token)
	}
	return out, nil
}

// KeyOf describes the API key whose value is secret (GET
// /v1/apikeys/details, the value in the IAM-ApiKey header): found is
// false when IAM does not know it. The caller has added secret to the
// run's secrets: the header is in the trace.
func (c *Client) KeyOf(ctx context.Context, secret string) (k Key, found bool, err error) {
	reply, _, err := c.identity.GetAPIKeysDetailsWithContext(ctx, c.identity.NewGetAPIKeysDetailsOptions().SetIamAPIKey(secret))
	if err != nil {
		status, _ := problem(err)
		if status == http.StatusNotFound || (status == http.StatusBadRequest && iamErrorCode(err) == "BXNIM0415E") {
			return Key{}, false, nil
		}
		return Key{}, false, err
	}
	if deref(reply.ID) == "" {
		return Key{}, false, c.incomplete()
	}
	return keyOf(*reply), true, nil
}

func keyOf(k iamidentityv1.APIKey) Key {
	return Key{ID: deref(k.ID), Name: deref(k.Name), IAMID: deref(k.IamID), Account: deref(k.AccountID), Description: deref(k.Description)}
}

// CreateKey creates an API key for iamID; the secret is not stored by IAM.
func (c *Client) CreateKey(ctx context.Context, account, iamID, name, description string) (APIKey, error) {
	opts := c.identity.NewCreateAPIKeyOptions(name, iamID).SetAccountID(account).SetStoreValue(false)
	if description != "" {
		opts.SetDescription(description)
	}
	k, _, err := c.identity.CreateAPIKeyWithContext(ctx, opts)
	if err != nil {
		return APIKey{}, c.fail(err, "setup_step_apikey")
	}
	if deref(k.ID) == "" {
		return APIKey{}, c.incomplete()
	}
	if deref(k.Apikey) == "" {
		// Without the secret the key is useless: undo as for a failure.
		return APIKey{ID: deref(k.ID)}, failure.New("setup_reply_no_apikey", map[string]any{"URL": c.URL}).
			WithRemedy("setup_step_failed_remedy", nil)
	}
	return APIKey{ID: deref(k.ID), Name: name, Secret: deref(k.Apikey)}, nil
}

// DeleteKey deletes an API key; one already gone counts as deleted.
func (c *Client) DeleteKey(ctx context.Context, id string) error {
	_, err := c.identity.DeleteAPIKeyWithContext(ctx, c.identity.NewDeleteAPIKeyOptions(id))
	return gone(err)
}

// errIncomplete is a create answered 2xx without the new resource's ID.
var errIncomplete = errors.New("created, without an ID in the reply")

func (c *Client) incomplete() error {
	return failure.New("setup_reply_no_id", map[string]any{"URL": c.URL}).
		WithRemedy("setup_step_failed_remedy", nil).Wrap(errIncomplete)
}

// Unclear reports whether a create that failed with err may have been
// carried out all the same: the server answered 5xx, or an answer without
// the new ID, or none at all after the request may have left (a reset, a
// timeout, an interruption). A 4xx is a refusal, and a connection that
// could not be made (refused, DNS, TLS, proxy) carried nothing.
func Unclear(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, errIncomplete) {
		return true
	}
	if status, _ := problem(err); status != 0 {
		return status >= 500 || status < 400
	}
	switch reason, _ := httpclient.Reason(err); reason {
	case failure.ReasonRefused, failure.ReasonDNS, failure.ReasonDial, failure.ReasonProxy,
		failure.ReasonTLS, failure.ReasonTLSUnknownAuthority, failure.ReasonTLSHostname, failure.ReasonHTTPServer:
		return false
	}
	return true
}

// gone makes a 404 on a delete a success: what was to be deleted is not
// there (a repeated DELETE whose first answer was lost finds nothing).
func gone(err error) error {
	if status, _ := problem(err); status == http.StatusNotFound {
		return nil
	}
	return err
}

// pageToken is the named query parameter of a list's next-page URL.
func pageToken(next *string, name string) string {
	if next == nil {
		return ""
	}
	u, err := url.Parse(*next)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(u.Query().Get(name))
}

// fail maps an API error to a failure naming the step.
func (c *Client) fail(err error, step failure.Msg) error {
	status, msg := problem(err)
	if status == 0 {
		return httpclient.Failure(err, failure.ServiceIAM, c.URL, c.Timeout)
	}
	data := map[string]any{"Step": step, "Status": status, "Message": msg, "URL": c.URL}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return failure.New("setup_forbidden", data).WithRemedy("setup_forbidden_remedy", nil).Wrap(err)
	}
	return failure.New("setup_step_failed", data).WithRemedy("setup_step_failed_remedy", nil).Wrap(err)
}

// iamErrorCode is the IAM Identity API's error code in err's reply
// ("BXNIM0415E"), "" when there is none.
func iamErrorCode(err error) string {
	var hp *core.HTTPProblem
	if !errors.As(err, &hp) || hp.Response == nil {
		return ""
	}
	body, _ := hp.Response.Result.(map[string]any)
	if code, _ := body["errorCode"].(string); code != "" {
		return code
	}
	if list, _ := body["errors"].([]any); len(list) > 0 {
		first, _ := list[0].(map[string]any)
		code, _ := first["code"].(string)
		return code
	}
	return ""
}

// problem returns the status and message of an API's error reply (0 when
// the server did not answer).
func problem(err error) (int, string) {
	var hp *core.HTTPProblem
	if errors.As(err, &hp) && hp.Response != nil {
		return hp.Response.GetStatusCode(), hp.Summary
	}
	return 0, ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
