// Package kpapi sends requests to Key Protect's API with a token, for
// 'kp-token api': the request as the user wrote it, checked before
// anything is sent (a path or a URL on the Key Protect endpoint only, a
// method, headers that cannot replace the token's or the instance's, a
// JSON body and the content type Key Protect expects for it), one request
// or every page of a collection, and Key Protect's refusals as failures.
package kpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// Request is one Key Protect API request as the user wrote it.
type Request struct {
	// Method is -X: GET when empty, or POST when there is a body.
	Method string
	// Path is a path on the Key Protect endpoint, with its query
	// (/api/v2/keys?limit=10), or a URL on that endpoint.
	Path string
	// Body is the request's JSON body; nil for none. Data, when DataSet,
	// is where to read it from instead (--data: @FILE, - or the text),
	// Stdin what - reads.
	Body    []byte
	Data    string
	DataSet bool
	Stdin   io.Reader
	// Headers are extra headers, each "Name: value".
	Headers []string
	// Paginate reads every page of a GET collection; MaxPages, when
	// above 0, is how many pages may be read.
	Paginate bool
	MaxPages int
}

// Prepared is a request checked without the network, waiting for its
// endpoint.
type Prepared struct {
	Method   string
	Header   http.Header
	Body     []byte
	Paginate bool
	MaxPages int
	// path is the escaped path (relative to the endpoint unless abs is
	// set), query the escaped query.
	path, query string
	// abs is the URL as the user gave it, when it was one.
	abs *url.URL
}

// Methods are the methods 'api' sends: those of Key Protect's API.
var Methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// reserved are the headers kp-token sets itself: the token and the
// instance it resolved, and what the HTTP client must decide.
var reserved = []string{"Authorization", "Bluemix-Instance", "Host", "Content-Length", "Transfer-Encoding", "Connection"}

// Prepare checks r: its method, path or URL, headers and body. Every
// mistake is a usage failure, found before any token is obtained.
func Prepare(r Request) (*Prepared, error) {
	if r.DataSet {
		body, err := ReadBody(r.Data, r.Stdin)
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	p := &Prepared{Method: strings.ToUpper(strings.TrimSpace(r.Method)), Header: http.Header{}, Body: r.Body,
		Paginate: r.Paginate, MaxPages: r.MaxPages}
	switch {
	case p.Method == "" && r.Body != nil:
		p.Method = http.MethodPost
	case p.Method == "":
		p.Method = http.MethodGet
	case !contains(Methods, p.Method):
		return nil, failure.Usagef("api_method_invalid", map[string]any{"Method": output.SafeLine(r.Method),
			"Methods": strings.Join(Methods, ", ")})
	}
	if r.Body != nil && (p.Method == http.MethodGet || p.Method == http.MethodHead) {
		return nil, failure.Usagef("api_body_not_allowed", map[string]any{"Method": p.Method})
	}
	if r.Paginate && p.Method != http.MethodGet {
		return nil, failure.Usagef("api_paginate_get", map[string]any{"Method": p.Method})
	}
	if err := p.parsePath(r.Path); err != nil {
		return nil, err
	}
	for _, h := range r.Headers {
		name, value, ok := strings.Cut(h, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(value) {
			return nil, failure.Usagef("api_header_invalid", map[string]any{"Name": output.SafeLine(name)})
		}
		if contains(reserved, http.CanonicalHeaderKey(name)) {
			return nil, failure.Usagef("api_header_reserved", map[string]any{"Name": output.SafeLine(name)})
		}
		p.Header.Add(name, value)
	}
	if r.Body != nil {
		if err := CheckJSON(r.Body); err != nil {
			return nil, err
		}
		if p.Header.Get("Content-Type") == "" {
			p.Header.Set("Content-Type", ContentType(r.Body))
		}
	}
	if p.Header.Get("Accept") == "" {
		p.Header.Set("Accept", "application/json")
	}
	return p, nil
}

// CheckJSON refuses a body that is not one JSON document, saying where it
// stops being one.
func CheckJSON(body []byte) error {
	if json.Valid(body) {
		return nil
	}
	var v any
	err := json.Unmarshal(body, &v)
	offset := int64(0)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		offset = syntax.Offset
	}
	f := failure.Usagef("api_data_not_json", map[string]any{"Offset": offset})
	if err != nil {
		f.WithDetail(err.Error()).Wrap(err)
	}
	return f
}

// keyProtectType is the shape of Key Protect's media types
// (application/vnd.ibm.kms.key+json, ...policy+json...).
func keyProtectType(t string) bool {
	rest, ok := strings.CutPrefix(t, "application/vnd.ibm.kms.")
	name, json := strings.CutSuffix(rest, "+json")
	if !ok || !json || name == "" {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// ContentType is the content type Key Protect expects for body: the
// collectionType its metadata names (application/vnd.ibm.kms.key+json for
// keys, as keyprotect-go-client builds them), else application/json.
func ContentType(body []byte) string {
	var doc struct {
		Metadata struct {
			CollectionType string `json:"collectionType"`
		} `json:"metadata"`
	}
	if json.Unmarshal(body, &doc) == nil && keyProtectType(doc.Metadata.CollectionType) {
		return doc.Metadata.CollectionType
	}
	return "application/json"
}

// parsePath reads a path on the endpoint (with or without its leading
// slash) or an http(s) URL. A URL is only kept here: whether it is on the
// endpoint is decided once the endpoint is known (On).
func (p *Prepared) parsePath(raw string) error {
	raw = strings.TrimSpace(raw)
	invalid := func(shown string) error {
		return failure.Usagef("api_path_invalid", map[string]any{"Path": output.SafeLine(shown)})
	}
	lower := strings.ToLower(raw)
	if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		u, err := url.Parse(raw)
		if err != nil {
			return invalid(raw)
		}
		if u.User != nil {
			// user:password@host: neither sent nor repeated.
			u.User = nil
			return invalid(u.String())
		}
		if u.Host == "" || u.Opaque != "" || u.Fragment != "" || u.RawFragment != "" || strings.HasSuffix(raw, "#") {
			return invalid(raw)
		}
		p.abs, p.path, p.query = u, u.EscapedPath(), escapeQuery(u.RawQuery)
		if p.path == "" {
			p.path = "/"
		}
		return nil
	}
	// A path: '//host/...' would be a URL without its scheme, and 'x:y'
	// one with another scheme; neither is a path on the endpoint.
	if raw == "" || strings.HasPrefix(raw, "//") || strings.Contains(raw, "#") || strings.Contains(strings.SplitN(raw, "?", 2)[0], "://") ||
		(!strings.HasPrefix(raw, "/") && hasScheme(raw)) {
		return invalid(raw)
	}
	if !strings.HasPrefix(raw, "/") {
		raw = "/" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return invalid(raw)
	}
	p.path, p.query = u.EscapedPath(), escapeQuery(u.RawQuery)
	return nil
}

// hasScheme reports whether s starts as a URL with a scheme does
// (RFC 3986: a letter, then letters, digits, '+', '-' or '.', then ':').
func hasScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// On is the URL the request goes to on endpoint, a base URL that
// endpoint.CheckService made canonical. A URL the user gave must be on
// it: the same scheme, host and port, and under its path; anything else
// is a usage failure, and nothing is sent. The URL returned is built from
// endpoint's own scheme and host, never from the user's.
func (p *Prepared) On(endpoint string) (*url.URL, error) {
	base, err := url.Parse(endpoint)
	if err != nil || base.Host == "" {
		return nil, failure.Usagef("api_path_invalid", map[string]any{"Path": output.SafeLine(endpoint)})
	}
	path := base.EscapedPath() + p.path
	if p.abs != nil {
		shown := p.abs.Scheme + "://" + p.abs.Host + p.path
		if !sameOrigin(p.abs, base) || !under(p.path, base.EscapedPath()) {
			return nil, failure.Usagef("api_url_foreign", map[string]any{"URL": output.SafeLine(shown), "Endpoint": endpoint}).
				WithRemedy("api_url_foreign_remedy", nil)
		}
		path = p.path
	}
	target := base.Scheme + "://" + base.Host + path
	if p.query != "" {
		target += "?" + p.query
	}
	u, err := url.Parse(target)
	if err != nil || u.Host != base.Host || u.Scheme != base.Scheme {
		return nil, failure.Usagef("api_path_invalid", map[string]any{"Path": output.SafeLine(p.path)})
	}
	return u, nil
}

// sameOrigin compares scheme, host and port, the default port of the
// scheme standing for itself. Hosts are compared as ASCII only: a name
// that needs Unicode folding to match (a Kelvin sign for a 'k', a dotless
// 'ı') is another host.
func sameOrigin(a, b *url.URL) bool {
	if !strings.EqualFold(a.Scheme, b.Scheme) {
		return false
	}
	ha, hb := a.Hostname(), b.Hostname()
	if !ascii(ha) || !ascii(hb) || !strings.EqualFold(ha, hb) {
		return false
	}
	return port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return s != ""
}

// under reports whether path is base or below it.
func under(path, base string) bool {
	return base == "" || path == base || strings.HasPrefix(path, base+"/")
}

// escapeQuery percent-encodes what may not stand in a query as it is
// (spaces, quotes, non-ASCII bytes), keeping the rest, and the user's own
// escapes, as written.
func escapeQuery(q string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~!$&'()*+,;=:@/?%", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
