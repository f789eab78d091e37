// Package serviceid creates what the page's API path asks for by hand: a
// service ID, an access policy on a Key Protect instance, and an API key,
// through IBM's platform-services SDK (iamidentityv1,
// iampolicymanagementv1), and deletes them again when a later step fails.
package serviceid

import (
	"errors"
	"net/http"
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

// Find returns the service ID named name in the account, if any.
func (c *Client) Find(account, name string) (ServiceID, bool, error) {
	list, _, err := c.identity.ListServiceIds(c.identity.NewListServiceIdsOptions().SetAccountID(account).SetName(name))
	if err != nil {
		return ServiceID{}, false, c.fail(err, "setup_step_find")
	}
	for _, s := range list.Serviceids {
		if s.Name != nil && *s.Name == name {
			return ServiceID{ID: deref(s.ID), IAMID: deref(s.IamID), Name: name}, true, nil
		}
	}
	return ServiceID{}, false, nil
}

// Create creates a service ID.
func (c *Client) Create(account, name, description string) (ServiceID, error) {
	opts := c.identity.NewCreateServiceIDOptions(account, name)
	if description != "" {
		opts.SetDescription(description)
	}
	s, _, err := c.identity.CreateServiceID(opts)
	if err != nil {
		return ServiceID{}, c.fail(err, "setup_step_serviceid")
	}
	return ServiceID{ID: deref(s.ID), IAMID: deref(s.IamID), Name: name}, nil
}

// Delete deletes a service ID.
func (c *Client) Delete(id string) error {
	_, err := c.identity.DeleteServiceID(c.identity.NewDeleteServiceIDOptions(id))
	return err
}

// Grant gives iamID the role on a Key Protect instance of the account and
// returns the policy's ID. exists reports a 409: the same policy is there.
func (c *Client) Grant(account, iamID, instance, role string) (policyID string, exists bool, err error) {
	p := c.policy
	opts := p.NewCreatePolicyOptions("access",
		[]iampolicymanagementv1.PolicySubject{{Attributes: []iampolicymanagementv1.SubjectAttribute{
			{Name: core.StringPtr("iam_id"), Value: core.StringPtr(iamID)}}}},
		[]iampolicymanagementv1.PolicyRole{{RoleID: core.StringPtr("crn:v1:bluemix:public:iam::::serviceRole:" + role)}},
		[]iampolicymanagementv1.PolicyResource{{Attributes: []iampolicymanagementv1.ResourceAttribute{
			{Name: core.StringPtr("accountId"), Value: core.StringPtr(account)},
			{Name: core.StringPtr("serviceName"), Value: core.StringPtr("kms")},
			{Name: core.StringPtr("serviceInstance"), Value: core.StringPtr(instance)},
		}}})
	pol, _, err := p.CreatePolicy(opts)
	if err != nil {
		if status, _ := problem(err); status == http.StatusConflict {
			return "", true, nil
		}
		return "", false, c.fail(err, "setup_step_policy")
	}
	return deref(pol.ID), false, nil
}

// Revoke deletes a policy.
func (c *Client) Revoke(policyID string) error {
	_, err := c.policy.DeletePolicy(c.policy.NewDeletePolicyOptions(policyID))
	return err
}

// APIKey is a new key: its ID and the secret, which IAM shows only once.
type APIKey struct {
	ID, Name, Secret string
}

// CreateKey creates an API key for iamID; the secret is not stored by IAM.
func (c *Client) CreateKey(account, iamID, name, description string) (APIKey, error) {
	opts := c.identity.NewCreateAPIKeyOptions(name, iamID).SetAccountID(account).SetStoreValue(false)
	if description != "" {
		opts.SetDescription(description)
	}
	k, _, err := c.identity.CreateAPIKey(opts)
	if err != nil {
		return APIKey{}, c.fail(err, "setup_step_apikey")
	}
	if deref(k.Apikey) == "" {
		// Without the secret the key is useless: undo as for a failure.
		return APIKey{ID: deref(k.ID)}, failure.New("setup_step_failed", map[string]any{
			"Step": failure.Msg("setup_step_apikey"), "Status": 201, "Message": "no apikey in the reply", "URL": c.URL,
		}).WithRemedy("setup_step_failed_remedy", nil)
	}
	return APIKey{ID: deref(k.ID), Name: name, Secret: deref(k.Apikey)}, nil
}

// DeleteKey deletes an API key.
func (c *Client) DeleteKey(id string) error {
	_, err := c.identity.DeleteAPIKey(c.identity.NewDeleteAPIKeyOptions(id))
	return err
}

// fail maps an API error to a failure naming the step.
func (c *Client) fail(err error, step string) error {
	status, msg := problem(err)
	if status == 0 {
		return httpclient.Failure(err, "IAM", c.URL, c.Timeout)
	}
	data := map[string]any{"Step": failure.Msg(step), "Status": status, "Message": msg, "URL": c.URL}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return failure.New("setup_forbidden", data).WithRemedy("setup_forbidden_remedy", nil).Wrap(err)
	}
	return failure.New("setup_step_failed", data).WithRemedy("setup_step_failed_remedy", nil).Wrap(err)
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
