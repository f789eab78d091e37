package kpapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
	"github.com/kp-token/kp-token/plugin/kp"
)

// Client sends requests to one Key Protect instance with one token.
type Client struct {
	// HTTP is kp-token's client (httpclient.New): its retries, its
	// refusal of redirects, its bounded replies.
	HTTP *http.Client
	// Endpoint is the Key Protect base URL; Instance the instance GUID;
	// Bearer the Authorization value.
	Endpoint, Instance, Bearer string
	Timeout                    time.Duration
	// Seen, when set, is shown each response as it arrives (-i).
	Seen func(*Response)
}

// Response is Key Protect's answer, read whole.
type Response struct {
	Proto      string
	Status     string // "404 Not Found"
	StatusCode int
	Header     http.Header
	Body       []byte
	// Attempts is how many times the request was sent.
	Attempts int
}

// OK reports a 2xx answer.
func (r *Response) OK() bool { return r.StatusCode >= 200 && r.StatusCode < 300 }

// Do sends p to u once, through the client's retries (GET, HEAD, PUT and
// DELETE on 429, 5xx and connections reset; POST and PATCH only on 429,
// which says nothing was done), and returns Key Protect's answer whatever
// its status. The error is a failure when no answer came.
func (c *Client) Do(ctx context.Context, p *Prepared, u *url.URL) (*Response, error) {
	var body io.Reader
	if p.Body != nil {
		body = bytes.NewReader(p.Body)
	}
	req, err := http.NewRequestWithContext(ctx, p.Method, u.String(), body)
	if err != nil {
		return nil, failure.Usagef("api_path_invalid", map[string]any{"Path": u.EscapedPath()}).Wrap(err)
	}
	for name, values := range p.Header {
		req.Header[name] = values
	}
	req.Header.Set("Authorization", c.Bearer)
	req.Header.Set("Bluemix-Instance", c.Instance)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, httpclient.Failure(err, kp.Service, c.Endpoint, c.Timeout)
	}
	defer resp.Body.Close()
	// The client has read the reply already, bounded (httpclient.MaxBody).
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, httpclient.Failure(err, kp.Service, c.Endpoint, c.Timeout)
	}
	r := &Response{Proto: resp.Proto, Status: resp.Status, StatusCode: resp.StatusCode, Header: resp.Header, Body: b,
		Attempts: httpclient.Attempts(c.HTTP)}
	if c.Seen != nil {
		c.Seen(r)
	}
	return r, nil
}

// Answer is what Send got: Key Protect's answer, or with --paginate the
// collection every page made (Response is then nil, unless Key Protect
// refused a page or the first page was not a collection).
type Answer struct {
	Response   *Response
	Collection *Collection
}

// Send sends p to u: once, or page after page when p paginates.
func (c *Client) Send(ctx context.Context, p *Prepared, u *url.URL) (Answer, error) {
	if p.Paginate {
		resp, all, err := c.Paginate(ctx, p, u, p.MaxPages)
		return Answer{Response: resp, Collection: all}, err
	}
	resp, err := c.Do(ctx, p, u)
	return Answer{Response: resp}, err
}

// Failure says what Key Protect's refusal r means, in the words 'verify'
// uses for the same answers (kp.Refused), with Key Protect's reason code
// and message; who is the token's identity, for a refusal of access.
func (c *Client) Failure(r *Response, who kp.Who) *failure.Failure {
	f := kp.Refused(kp.ParseRefusal(r.StatusCode, r.Body), c.Endpoint, c.Instance, who, "api_request_remedy")
	if r.Attempts > 1 {
		f.WithNote("iam_attempts", r.Attempts)
	}
	return f
}
