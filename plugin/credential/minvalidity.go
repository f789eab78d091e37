package credential

import (
	"errors"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/token"
)

// adaptive obtains a token with get, holding it to src.MinValidity. The
// default --min-validity is kp-token's wish, not the user's: when IAM
// issues tokens that live no longer than it (short-lived test tokens, an
// account's policy), no token could ever meet it, so rather than fail on
// every call it asks for half the tokens' lifetime (a new token meets
// that), and says so. A --min-validity the user chose stays a demand:
// that failure says which value would do.
func (r *Resolver) adaptive(src Source, get func(Source) (token.Token, error)) (token.Token, error) {
	t, err := get(src)
	var short *token.ShortLived
	if err == nil || src.MinValiditySet || src.MinValidity != DefaultMinValidity || !errors.As(err, &short) {
		return t, err
	}
	src.MinValidity = token.ReachableMinValidity(short.Lifetime)
	if t, err = get(src); err == nil {
		r.Notify.Notice("min_validity_adapted", map[string]any{"Lifetime": failure.Duration(short.Lifetime),
			"Default": failure.Duration(DefaultMinValidity), "MinValidity": failure.Duration(src.MinValidity)})
	}
	return t, err
}
