package target

import (
	"context"
	"strings"

	"github.com/kp-token/kp-token/plugin/failure"
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
