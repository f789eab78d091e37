package token

import (
	"errors"
	"strings"

	"github.com/IBM/go-sdk-core/v5/core"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
)

// Profile names a trusted profile: "Profile-..." is an ID, "crn:..." a
// CRN, anything else a name.
type Profile struct {
	ID, CRN, Name string
}

// ParseProfile reads --profile.
func ParseProfile(s string) Profile {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "Profile-"):
		return Profile{ID: s}
	case strings.HasPrefix(s, "crn:"):
		p := Profile{CRN: s}
		// crn:v1:bluemix:public:iam-identity::a/<account>::profile:Profile-<uuid>
		if i := strings.LastIndex(s, ":"); i >= 0 && strings.HasPrefix(s[i+1:], "Profile-") {
			p.ID = s[i+1:]
		}
		return p
	}
	return Profile{Name: s}
}

// String is the profile as the user gave it.
func (p Profile) String() string {
	switch {
	case p.CRN != "":
		return p.CRN
	case p.ID != "":
		return p.ID
	}
	return p.Name
}

// FromCRToken trades a compute resource token (a Kubernetes projected
// service account token, say) for a trusted profile's token through
// go-sdk-core's ContainerAuthenticator. The authenticator reads the token
// from a path: it gets a pipe (crTokenFile), never one of the user's paths.
func (c *IAM) FromCRToken(crToken string, p Profile) (Token, error) {
	name, done, err := crTokenFile(crToken)
	if err != nil {
		return Token{}, err
	}
	defer done()
	b := core.NewContainerAuthenticatorBuilder().SetCRTokenFilename(name).SetURL(c.URL).SetClient(c.Client)
	// The grant takes an ID or a name: a CRN is reduced to its ID.
	if p.ID != "" {
		b.SetIAMProfileID(p.ID)
	} else {
		b.SetIAMProfileName(p.Name)
	}
	a, err := b.Build()
	if err != nil {
		return Token{}, failure.Usagef("profile_invalid", map[string]any{"Profile": p.String()}).Wrap(err)
	}
	t, err := c.request(a, "cr-token")
	return t, c.profileFailure(err, p, "profile_cr_remedy")
}

// FromVPC obtains a trusted profile's token from the VPC instance metadata
// service (go-sdk-core's VpcInstanceAuthenticator); metadataURL empty means
// the authenticator's default.
func (c *IAM) FromVPC(metadataURL string, p Profile) (Token, error) {
	b := core.NewVpcInstanceAuthenticatorBuilder().SetClient(c.Client)
	if metadataURL != "" {
		b.SetURL(metadataURL)
	}
	switch {
	case p.CRN != "":
		b.SetIAMProfileCRN(p.CRN)
	case p.ID != "":
		b.SetIAMProfileID(p.ID)
	default:
		b.SetIAMProfileName(p.Name)
	}
	a, err := b.Build()
	if err != nil {
		return Token{}, failure.Usagef("profile_invalid", map[string]any{"Profile": p.String()}).Wrap(err)
	}
	resp, err := a.RequestToken()
	if err != nil {
		var authErr *core.AuthenticationError
		url := metadataURL
		if url == "" {
			url = "http://169.254.169.254"
		}
		if errors.As(err, &authErr) && authErr.Response != nil && authErr.Response.GetStatusCode() > 0 {
			data := map[string]any{"Profile": p.String(), "Status": authErr.Response.GetStatusCode(), "Code": metadataCode(authErr.Response), "Message": authErr.Summary}
			return Token{}, failure.New("profile_vpc_refused", data).WithRemedy("profile_vpc_remedy", data).Wrap(err)
		}
		f := httpclient.Failure(err, failure.ServiceVPCMetadata, url, c.Timeout)
		if f.Kind != failure.KindTimeout {
			// Not on a VPC instance, most likely: not an outage others
			// would share.
			f.Cause = "vpc_metadata_unreachable"
			f.CauseData = map[string]any{"URL": url}
			f.WithRemedy("vpc_metadata_remedy", nil)
			f.Kind, f.Outage = "", nil
		}
		return Token{}, f
	}
	t := Token{AccessToken: resp.AccessToken, TokenType: "Bearer", ExpiresIn: resp.ExpiresIn, Expiration: resp.Expiration}
	if claims, err := Decode(t.AccessToken); err == nil {
		t.Expiration = claims.Info.Expiry.Unix()
		t.Scope, _ = claims.Raw["scope"].(string)
		return t, nil
	}
	return Token{}, unexpectedReply(200, metadataURL)
}

// metadataCode is the first error code of a metadata service reply.
func metadataCode(r *core.DetailedResponse) string {
	body, _ := r.Result.(map[string]any)
	errs, _ := body["errors"].([]any)
	if len(errs) > 0 {
		if e, ok := errs[0].(map[string]any); ok {
			code, _ := e["code"].(string)
			return code
		}
	}
	return ""
}

// FromAssume trades an API key's identity for a trusted profile's token
// (grant_type=urn:ibm:params:oauth:grant-type:assume) through go-sdk-core's
// IamAssumeAuthenticator. A profile name needs the account.
func (c *IAM) FromAssume(apikey string, p Profile, account string) (Token, error) {
	b := core.NewIamAssumeAuthenticatorBuilder().SetApiKey(apikey).SetURL(c.URL).SetClient(c.Client)
	switch {
	case p.CRN != "":
		b.SetIAMProfileCRN(p.CRN)
	case p.ID != "":
		b.SetIAMProfileID(p.ID)
	default:
		if account == "" {
			return Token{}, failure.Usagef("profile_name_needs_account", map[string]any{"Profile": p.Name})
		}
		b.SetIAMProfileName(p.Name).SetIAMAccountID(account)
	}
	a, err := b.Build()
	if err != nil {
		return Token{}, failure.Usagef("profile_invalid", map[string]any{"Profile": p.String()}).Wrap(err)
	}
	t, err := c.request(a, "assume")
	return t, c.profileFailure(err, p, "profile_assume_remedy")
}

// profileFailure turns IAM's refusal of a profile grant into a message that
// names the profile and says how to set up the trust.
func (c *IAM) profileFailure(err error, p Profile, remedy string) error {
	// A key IAM does not know (KindNotFound) keeps its own message.
	if !failure.Is(err, failure.KindRejected, failure.KindInvalid, failure.KindUnexpectedReply) {
		return err
	}
	f, _ := failure.As(err)
	data := map[string]any{"Profile": p.String()}
	for k, v := range f.CauseData {
		data[k] = v
	}
	return failure.New("profile_refused", data).WithRemedy(remedy, data).Wrap(f)
}
