package token

import (
	"strings"
	"time"
)

// ShortLived is why CheckLifetime failed: the issuer makes tokens that
// live Lifetime, which is not longer than MinValidity.
type ShortLived struct {
	Lifetime, MinValidity time.Duration
}

func (e *ShortLived) Error() string {
	return "tokens are issued for " + e.Lifetime.String() + ", not longer than " + e.MinValidity.String()
}

// ReachableMinValidity is a --min-validity that a token newly issued for
// life meets with room to spare: half of it, rounded down to the minute
// (from 2 minutes), the second or the millisecond.
func ReachableMinValidity(life time.Duration) time.Duration {
	half := life / 2
	switch {
	case half >= 2*time.Minute:
		return half.Truncate(time.Minute)
	case half >= 2*time.Second:
		return half.Truncate(time.Second)
	}
	return half.Truncate(time.Millisecond)
}

// FormatMinValidity writes d as --min-validity takes it, without the zero
// units time.Duration.String adds: 30m, 1h, 1h30m, 1m30s, 45s, 500ms.
func FormatMinValidity(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
