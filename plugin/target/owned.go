package target

import (
	"context"
	"net/http"
	"strings"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// Owned is the GUID of the instance ref names once the Resource Controller
// says it is a Key Protect instance the account holds (a name is looked
// up first, without the cache): 'setup' checks it before it creates
// anything, since a mistyped GUID would otherwise give a service ID a
// policy on nothing.
func (r *Resolver) Owned(ctx context.Context, req Request, ref Ref, t token.Token, account string) (string, error) {
	guid := ref.Instance.GUID
	if ref.Name != "" {
		inst, _, err := r.lookup(ctx, req, t, ref.Name, true)
		if err != nil {
			return "", err
		}
		guid = inst.GUID
	}
	data := map[string]any{"Instance": output.SafeLine(guid), "Account": account}
	notFound := failure.New("setup_instance_not_found", data).WithRemedy("instance_list_remedy", nil)
	if !kp.ValidInstanceID(guid) {
		return "", notFound
	}
	private := r.Session != nil && r.Session.IsPrivateEndpointEnabled()
	url, err := kp.ResourceControllerURL(r.Getenv, private)
	if err != nil {
		return "", err
	}
	f := &kp.Finder{URL: url, Token: t.AccessToken, Client: r.HTTPClient(r.Timeout), Timeout: r.Timeout}
	rec, found, err := f.Get(ctx, guid)
	switch {
	case failure.Is(err, failure.KindForbidden):
		// The identity may hold Key Protect roles without the Resource
		// Controller's: Key Protect itself says whether it knows the
		// instance.
		return guid, r.knownToKeyProtect(ctx, ref, guid, t, notFound)
	case err != nil:
		return "", err
	case !found || rec.Gone() || rec.Account != account ||
		(ref.Instance.Region != "" && !strings.EqualFold(rec.Region, ref.Instance.Region)):
		return "", notFound
	case !rec.IsKeyProtect():
		return "", failure.New("setup_instance_not_kp", data).WithRemedy("instance_list_remedy", nil)
	}
	return guid, nil
}

// knownToKeyProtect asks Key Protect about the instance when the Resource
// Controller refused to: its INSTANCE_NOT_FOUND_ERR (404 or 400) makes the
// instance unknown (notFound); any other answer, a refusal of the token
// included, lets setup go on, since the instance may be there. No answer
// at all is a failure: nothing says the instance exists.
func (r *Resolver) knownToKeyProtect(ctx context.Context, ref Ref, guid string, t token.Token, notFound error) error {
	url, _, err := kp.Endpoint(r.endpointRequest(Request{}, ref.Instance.Region))
	if err != nil {
		return err
	}
	_, err = kp.Check(ctx, r.HTTPClient(r.Timeout), url, guid, t.Bearer(), r.Timeout)
	e, answered := kp.ServiceError(err)
	switch {
	case err == nil:
	case !answered:
		return httpclient.Failure(kp.TransportCause(err), kp.Service, url, r.Timeout)
	case e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusBadRequest:
		for _, reason := range e.Reasons {
			if reason.Code == "INSTANCE_NOT_FOUND_ERR" {
				return notFound
			}
		}
	}
	r.Notify.Notice("setup_instance_rc_refused", map[string]any{"Instance": guid})
	return nil
}
