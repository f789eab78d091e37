package kpapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	kpendpoint "github.com/kp-token/kp-token/plugin/endpoint"
	"github.com/kp-token/kp-token/plugin/failure"
)

const endpoint = "https://us-south.kms.cloud.ibm.com"

// TestOn: where a request goes, and which paths and URLs are refused.
func TestOn(t *testing.T) {
	tests := []struct {
		endpoint, path string
		want           string // "" when refused
	}{
		{endpoint, "/api/v2/keys", endpoint + "/api/v2/keys"},
		{endpoint, "api/v2/keys?limit=10&offset=20", endpoint + "/api/v2/keys?limit=10&offset=20"},
		{endpoint, "/api/v2/keys?search=my key", endpoint + "/api/v2/keys?search=my%20key"},
		{endpoint, "/api/v2/keys?x=a%2Fb", endpoint + "/api/v2/keys?x=a%2Fb"},
		{endpoint, "/api/v2/keys/a%2Fb", endpoint + "/api/v2/keys/a%2Fb"},
		{endpoint, endpoint + "/api/v2/keys", endpoint + "/api/v2/keys"},
		{endpoint, "HTTPS://US-SOUTH.KMS.CLOUD.IBM.COM/api/v2/keys", endpoint + "/api/v2/keys"},
		{endpoint, endpoint + ":443/api/v2/keys", endpoint + "/api/v2/keys"},
		{endpoint, endpoint, endpoint + "/"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v2/keys", "http://127.0.0.1:8080/api/v2/keys"},
		{"https://proxy.example/kp", "/api/v2/keys", "https://proxy.example/kp/api/v2/keys"},
		{"https://proxy.example/kp", "https://proxy.example/kp/api/v2/keys", "https://proxy.example/kp/api/v2/keys"},
		// Refused: other hosts, however written.
		{endpoint, "https://eu-de.kms.cloud.ibm.com/api/v2/keys", ""},
		{endpoint, "http://us-south.kms.cloud.ibm.com/api/v2/keys", ""},
		{endpoint, endpoint + ":8443/api/v2/keys", ""},
		{endpoint, endpoint + ":80/api/v2/keys", ""},
		{endpoint, "https://us-south.kms.cloud.ibm.com.evil.example/api/v2/keys", ""},
		{endpoint, "https://us-south.kms.cloud.ibm.com@evil.example/api/v2/keys", ""},
		{endpoint, "https://evil.example@us-south.kms.cloud.ibm.com/api/v2/keys", ""},
		{endpoint, "https://user:secret@us-south.kms.cloud.ibm.com/api/v2/keys", ""},
		{endpoint, "https://us-south.kms.cloud.ibm.com./api/v2/keys", ""},
		{endpoint, "https://us-south.\u212ams.cloud.ibm.com/api/v2/keys", ""}, // Kelvin sign K
		{endpoint, "https://us-south.kms.cloud.\u0131bm.com/api/v2/keys", ""}, // dotless ı
		{endpoint, "https://us-south.kms.cloud.іbm.com/api/v2/keys", ""},      // Cyrillic і
		{endpoint, "https://us-south.kms.cloud.ibm.co%6d/api/v2/keys", ""},
		{endpoint, "https://xn--us-south-kms-cloud-ibm-com/api/v2/keys", ""},
		{endpoint, "https://[::1]/api/v2/keys", ""},
		{endpoint, "//evil.example/api/v2/keys", ""},
		{endpoint, "///evil.example/api/v2/keys", ""},
		{endpoint, "https:evil.example/api/v2/keys", ""},
		{endpoint, "javascript:alert(1)", ""},
		{endpoint, "file:///etc/passwd", ""},
		{endpoint, "/api/v2/keys#x", ""},
		{endpoint, "/api/v2/keys\n", endpoint + "/api/v2/keys"}, // trimmed
		{endpoint, "/api/v2/\nkeys", ""},
		{endpoint, "", ""},
		{"https://proxy.example/kp", "https://proxy.example/other/api/v2/keys", ""},
		{"https://proxy.example/kp", "https://proxy.example/kpx/api/v2/keys", ""},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint+" "+tt.path, func(t *testing.T) {
			p, err := Prepare(Request{Path: tt.path})
			var u *url.URL
			if err == nil {
				u, err = p.On(tt.endpoint)
			}
			if tt.want == "" {
				if err == nil || !failure.IsUsage(err) {
					t.Fatalf("accepted as %v (%v)", u, err)
				}
				if strings.Contains(failureText(err), "secret") {
					t.Fatalf("the password is repeated: %v", failureText(err))
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Fatalf("On = %v, %v; want %s", u, err, tt.want)
			}
		})
	}
}

func failureText(err error) string {
	f, _ := failure.As(err)
	var b strings.Builder
	for _, v := range f.CauseData {
		b.WriteString(strings.TrimSpace(strings.ReplaceAll(toString(v), "\n", " ")) + " ")
	}
	return b.String()
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// FuzzOn holds the rule whatever the user types: a request that Prepare
// and On accept goes to the endpoint's scheme and host, under its path.
func FuzzOn(f *testing.F) {
	for _, s := range []string{"/api/v2/keys", "https://us-south.kms.cloud.ibm.com/api/v2/keys?limit=1", "//evil/x",
		"https://a@us-south.kms.cloud.ibm.com/", "api/v2/keys/%2e%2e", "http://us-south.kms.cloud.ibm.com:443/", "?x=1", "/\\evil"} {
		f.Add(s, "https://proxy.example/kp")
		f.Add(s, endpoint)
	}
	f.Fuzz(func(t *testing.T, path, base string) {
		// Only what endpoint.CheckService gives is ever a base URL.
		base, err := kpendpoint.CheckService(base, failure.ServiceKeyProtect, "KP_ENDPOINT")
		if err != nil {
			return
		}
		b, err := url.Parse(base)
		if err != nil {
			t.Fatalf("CheckService gave %q, which does not parse: %v", base, err)
		}
		p, err := Prepare(Request{Path: path})
		if err != nil {
			return
		}
		u, err := p.On(base)
		if err != nil {
			return
		}
		if u.Scheme != b.Scheme || u.Host != b.Host || u.User != nil || !under(u.EscapedPath(), b.EscapedPath()) {
			t.Fatalf("%q on %q goes to %q", path, base, u)
		}
		req, err := http.NewRequest(http.MethodGet, u.String(), nil)
		if err == nil && req.URL.Host != b.Host {
			t.Fatalf("%q on %q: the request goes to %q", path, base, req.URL.Host)
		}
	})
}

func TestPrepare(t *testing.T) {
	tests := []struct {
		name        string
		req         Request
		method      string
		contentType string
		cause       string // a usage failure
	}{
		{"GET by default", Request{Path: "/k"}, "GET", "", ""},
		{"POST with a body", Request{Path: "/k", Body: []byte(`{}`)}, "POST", "application/json", ""},
		{"the key type from the body", Request{Path: "/k", Body: []byte(`{"metadata":{"collectionType":"application/vnd.ibm.kms.key+json"}}`)}, "POST", "application/vnd.ibm.kms.key+json", ""},
		{"a policy type", Request{Method: "put", Path: "/k", Body: []byte(`{"metadata":{"collectionType":"application/vnd.ibm.kms.policy+json"}}`)}, "PUT", "application/vnd.ibm.kms.policy+json", ""},
		{"not Key Protect's type", Request{Path: "/k", Body: []byte(`{"metadata":{"collectionType":"text/html"}}`)}, "POST", "application/json", ""},
		{"a hostile type", Request{Path: "/k", Body: []byte(`{"metadata":{"collectionType":"application/vnd.ibm.kms.x\r\nX: y+json"}}`)}, "POST", "application/json", ""},
		{"the user's type wins", Request{Path: "/k", Body: []byte(`{}`), Headers: []string{"content-type: text/plain"}}, "POST", "text/plain", ""},
		{"DELETE with a body", Request{Method: "DELETE", Path: "/k", Body: []byte(`{}`)}, "DELETE", "application/json", ""},
		{"a body on a HEAD", Request{Method: "HEAD", Path: "/k", Body: []byte(`{}`)}, "", "", "api_body_not_allowed"},
		{"an empty body", Request{Path: "/k", Body: []byte{}}, "", "", "api_data_not_json"},
		{"two documents", Request{Path: "/k", Body: []byte(`{} {}`)}, "", "", "api_data_not_json"},
		{"CONNECT", Request{Method: "CONNECT", Path: "/k"}, "", "", "api_method_invalid"},
		{"a method with a space", Request{Method: "GET /", Path: "/k"}, "", "", "api_method_invalid"},
		{"a header value on two lines", Request{Path: "/k", Headers: []string{"x: a\r\nAuthorization: Bearer y"}}, "", "", "api_header_invalid"},
		{"a header name with a space", Request{Path: "/k", Headers: []string{"x y: z"}}, "", "", "api_header_invalid"},
		{"Host", Request{Path: "/k", Headers: []string{"host: evil.example"}}, "", "", "api_header_reserved"},
		{"Content-Length", Request{Path: "/k", Headers: []string{"Content-Length: 1"}}, "", "", "api_header_reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Prepare(tt.req)
			if tt.cause != "" {
				f, ok := failure.As(err)
				if !ok || f.Cause != tt.cause || !f.Usage() {
					t.Fatalf("Prepare = %v, want %s", err, tt.cause)
				}
				return
			}
			if err != nil || p.Method != tt.method || p.Header.Get("Content-Type") != tt.contentType || p.Header.Get("Accept") != "application/json" {
				t.Fatalf("Prepare = %+v, %v", p, err)
			}
		})
	}
}

func TestCheckJSONSaysWhere(t *testing.T) {
	f, _ := failure.As(CheckJSON([]byte(`{"name": tru}`)))
	if f == nil || f.CauseData["Offset"] != int64(13) || f.Detail == "" {
		t.Fatalf("CheckJSON = %+v", f)
	}
}
