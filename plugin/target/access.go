package target

import (
	"context"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/token"
)

// Access makes one real Key Protect call with t on tgt (kp.Verify). When
// Key Protect does not know an instance remembered from an earlier lookup,
// the instance is looked up again, once, and the one found is checked. It
// returns the target checked last, and Key Protect's status when it
// refused.
func (r *Resolver) Access(ctx context.Context, req Request, tgt Target, t token.Token, who kp.Who) (Target, kp.Access, int, error) {
	access, status, err := r.check(ctx, tgt, t, who)
	if tgt.remembered == nil || !failure.Is(err, failure.KindInstanceNotFound) {
		return tgt, access, status, err
	}
	next, changed, lerr := r.LookAgain(ctx, req, tgt, t)
	if lerr != nil {
		return tgt, access, status, lerr
	}
	if !changed {
		return tgt, access, status, err
	}
	access, status, err = r.check(ctx, next, t, who)
	return next, access, status, err
}

func (r *Resolver) check(ctx context.Context, tgt Target, t token.Token, who kp.Who) (kp.Access, int, error) {
	return kp.Verify(ctx, r.HTTPClient(r.Timeout), tgt.Endpoint, tgt.InstanceID, t.Bearer(), who, r.Timeout)
}
