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
			return checkIAM(v, source{})
		}
		if s.IsPrivateEndpointEnabled() {
			return "", failure.New("endpoint_private_unknown", nil).WithRemedy("endpoint_private_remedy", nil)
		}
	}
	return DefaultIAM, nil
}

// Check validates and canonicalizes an IAM URL given by from (an option or
// environment variable name): https, or http on a loopback address (local
// test servers); no path but an optional /identity/token, which is dropped.
func Check(raw, from string) (string, error) { return checkIAM(raw, source{from}) }

func checkIAM(raw string, from source) (string, error) {
	u, err := checkService(raw, failure.ServiceIAM, from)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(u, "/identity/token"), nil
}

// CheckService validates and canonicalizes a service's base URL given by
// from (an option or environment variable name): https, or http on a
// loopback address; no credentials, query or fragment; no trailing slash.
func CheckService(raw string, service failure.Service, from string) (string, error) {
	return checkService(raw, service, source{from})
}

// source is where an endpoint came from: an option (--kp-endpoint) or an
// environment variable (KP_ENDPOINT), shown by name, or, with no name, the
// CLI configuration. Each is changed its own way, so each has its remedy.
type source struct{ name string }

func (s source) data() failure.Word {
	if s.name == "" {
		return failure.Msg("source_cli_config")
	}
	return failure.Name(s.name)
}

// remedy says how to change the endpoint where it came from. The CLI
// configuration's IAM endpoint is not a setting of its own: the CLI writes
// it with the API endpoint ('ibmcloud api', 'ibmcloud login -a'), and the
// SDK clears both together (core_config's UnsetAPI, 'ibmcloud api
// --unset'), so logging in again with the API endpoint is what resets it.
func (s source) remedy() string {
	switch {
	case s.name == "":
		return "endpoint_invalid_remedy_config"
	case strings.HasPrefix(s.name, "-"):
		return "endpoint_invalid_remedy_option"
	}
	return "endpoint_invalid_remedy"
}

// example is the public endpoint of a service, shown in remedies.
func example(service failure.Service) string {
	switch service {
	case failure.ServiceIAM:
		return DefaultIAM
	case failure.ServiceKeyProtect:
		return "https://us-south.kms.cloud.ibm.com"
	case failure.ServiceResourceController:
		return "https://resource-controller.cloud.ibm.com"
	}
	return ""
}

func checkService(raw string, service failure.Service, from source) (string, error) {
	refuse := func(id string) error {
		data := map[string]any{"URL": raw, "Source": from.data(), "Service": service, "Example": example(service)}
		return failure.New(id, data).WithRemedy(from.remedy(), data)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || !validHost(u.Hostname()) {
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
	// The URL goes into eval'ed lines and headers: it is rebuilt from parts
	// that hold no quote, space or control character, with the path in its
	// escaped form. The decoded path would turn %E2%80%99 into a quote that
	// PowerShell honours and %0a into a line break.
	// An empty port ("https://host:") is the scheme's: the colon goes, as
	// net/http drops it, so that the host printed is the host reached.
	host := strings.TrimSuffix(u.Host, ":")
	return u.Scheme + "://" + host + strings.TrimSuffix(escapePath(u.EscapedPath()), "/"), nil
}

// validHost reports whether host is an IP address or a DNS name in ASCII
// letters, digits, '-', '_' and '.'. url.Parse accepts quotes, '$' and
// decoded %XX bytes in a host; no endpoint needs them (an internationalized
// name is written in its xn-- form).
func validHost(host string) bool {
	if host == "" {
		return false
	}
	if strings.Contains(host, ":") {
		return net.ParseIP(host) != nil // IPv6, without a zone
	}
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// escapePath percent-encodes every byte of an escaped path but RFC 3986's
// unreserved characters, '/' and the '%' of an existing escape (url.Parse
// has checked those), so that no quote of any shell remains.
func escapePath(p string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/', c == '%':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// Loopback reports whether host names this machine.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// The VPC instance metadata service's own addresses: go-sdk-core's default,
// the link-local address that never leaves the instance, and the name IBM
// documents for the same service over plain http, which is also the CLI
// SDK's default for renewing a 'login --vpc-cri' session.
const (
	MetadataIP   = "169.254.169.254"
	MetadataHost = "api.metadata.cloud.ibm.com"
)

// Metadata validates the URL of the VPC instance metadata service
// (IBMCLOUD_CR_VPC_URL), before any connection: https, or plain http only
// on a loopback address or the service's own addresses. The service is
// handed the instance's identity token and answers with the IAM token the
// job will use: plain http to any other host would let whoever is on the
// path take the one and choose the other.
func Metadata(raw, from string) (string, error) {
	u, err := url.Parse(raw)
	refuse := func(id string) error {
		shown := raw
		if err == nil && u.User != nil {
			shown = u.Redacted() // a password is not repeated
		}
		data := map[string]any{"URL": shown, "Source": failure.Name(from)}
		return failure.New(id, data).WithRemedy("vpc_metadata_url_remedy", data)
	}
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", refuse("vpc_metadata_url_invalid")
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		if !Loopback(host) && host != MetadataIP && !strings.EqualFold(host, MetadataHost) {
			return "", refuse("vpc_metadata_url_insecure")
		}
	default:
		return "", refuse("vpc_metadata_url_invalid")
	}
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}
