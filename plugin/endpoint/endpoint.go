// Package endpoint decides which IAM endpoint kp-token talks to.
package endpoint

import (
	"net"
	"net/url"
	"strings"

	"github.com/kp-token/kp-token/plugin/failure"
)

// DefaultIAM is IAM's public endpoint, used when nothing else is known.
const DefaultIAM = "https://iam.cloud.ibm.com"

// Session is what the CLI's session says about endpoints.
type Session interface {
	IAMEndpoint() string
	IsPrivateEndpointEnabled() bool
}

// IAM returns the IAM base URL: IAM_ENDPOINT (the override the SDK honors
// too), else the session's (private when the user chose private endpoints),
// else the public default. A session on private endpoints without a private
// IAM endpoint is an error: falling back to the public network is what the
// plug-in guide forbids.
func IAM(getenv func(string) string, s Session) (string, error) {
	if v := strings.TrimSpace(getenv("IAM_ENDPOINT")); v != "" {
		return Check(v, "IAM_ENDPOINT")
	}
	if s != nil {
		if v := strings.TrimSpace(s.IAMEndpoint()); v != "" {
			return checkIAM(v, failure.Msg("source_cli_config"))
		}
		if s.IsPrivateEndpointEnabled() {
			return "", failure.New("endpoint_private_unknown", nil).WithRemedy("endpoint_private_remedy", nil)
		}
	}
	return DefaultIAM, nil
}

// Check validates and canonicalizes an IAM URL: https, or http on a
// loopback address (local test servers); no path but an optional
// /identity/token, which is dropped.
func Check(raw, from string) (string, error) { return checkIAM(raw, from) }

func checkIAM(raw string, from any) (string, error) {
	u, err := checkService(raw, "IAM", from)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(u, "/identity/token"), nil
}

// CheckService validates and canonicalizes a service's base URL: https, or
// http on a loopback address; no credentials, query or fragment; no
// trailing slash.
func CheckService(raw, service, from string) (string, error) { return checkService(raw, service, from) }

// example is the public endpoint of a service, shown in remedies.
func example(service string) string {
	switch service {
	case "IAM":
		return DefaultIAM
	case "Key Protect":
		return "https://us-south.kms.cloud.ibm.com"
	case "Resource Controller":
		return "https://resource-controller.cloud.ibm.com"
	}
	return ""
}

// from is a flag or variable name, or a failure.Msg naming the source.
func checkService(raw, service string, from any) (string, error) {
	refuse := func(id string) error {
		data := map[string]any{"URL": raw, "Source": from, "Service": service, "Example": example(service)}
		return failure.New(id, data).WithRemedy("endpoint_invalid_remedy", data)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", refuse("endpoint_invalid")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !Loopback(u.Hostname()) {
			return "", refuse("endpoint_insecure")
		}
	default:
		return "", refuse("endpoint_invalid")
	}
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(u.Path, "/"), nil
}

// Loopback reports whether host names this machine.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
