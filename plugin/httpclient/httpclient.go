// Package httpclient builds the one HTTP client kp-token uses for IAM and
// every other IBM Cloud API: the CLI's timeout over all attempts, retries
// through go-sdk-core's retryable client, the SDK's trace, and two guards
// that keep credentials in: redirects are refused (a redirected POST would
// carry an API key or refresh token to wherever Location points, plain
// http included), and replies over MaxBody are refused before anything
// reads them whole.
package httpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bxhttp "github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/http"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/trace"
	"github.com/IBM/go-sdk-core/v5/core"
	"github.com/hashicorp/go-retryablehttp"
)

// Retry settings: at most 4 attempts, exponential backoff with jitter from
// RetryWaitMin, honoring Retry-After, all inside the HTTP timeout.
const (
	MaxAttempts  = 4
	RetryWaitMin = 250 * time.Millisecond
	RetryWaitMax = 8 * time.Second
)

// New returns the client. timeout is the whole budget of a request: every
// attempt and every wait between attempts fit in it, because the retries
// happen inside its transport, which gives the request that deadline.
// (A deadline rather than http.Client's Timeout, whose watchdog is a
// goroutine and a timer per request: every reply is read whole below the
// retries, so the two end the same requests.) Each attempt goes through
// the SDK's trace transport when tracing is on.
func New(timeout time.Duration) *http.Client {
	// The chain is built on the first request: a run served from the cache
	// makes none and should not pay for it.
	r := &retrier{}
	return &http.Client{
		Transport:     &retryTransport{lazy: sync.OnceValue(func() http.RoundTripper { return chain(r) }), r: r, timeout: timeout},
		CheckRedirect: refuseRedirect,
	}
}

// chain is guard, then the trace when on, then the retries.
func chain(r *retrier) http.RoundTripper {
	var rt http.RoundTripper = &guard{rt: newOneShot(core.DefaultHTTPClient().Transport)}
	// The SDK's trace transport dumps and sanitizes every exchange even when
	// tracing is off; skip it then, it costs more than the request.
	if _, off := trace.Logger.(*trace.NullLogger); !off {
		rt = bxhttp.NewTraceLoggingTransport(rt)
	}
	inner := &http.Client{Transport: &counting{rt: rt, n: &r.attempts}, CheckRedirect: refuseRedirect}
	rc := core.NewRetryableClientWithHTTPClient(inner)
	rc.RetryMax = MaxAttempts - 1
	rc.RetryWaitMin, rc.RetryWaitMax = RetryWaitMin, RetryWaitMax
	rc.CheckRetry = r.check
	rc.Backoff = backoff
	return &retryablehttp.RoundTripper{Client: rc}
}

// Attempts reports how many HTTP attempts the client made for its last
// request (0 if it is not a client from NewHTTPClient).
func Attempts(c *http.Client) int {
	if c == nil {
		return 0
	}
	if t, ok := c.Transport.(*retryTransport); ok {
		return int(t.r.attempts.Load())
	}
	return 0
}

// MaxBody is the largest reply accepted from any server: IAM's and the
// other APIs' replies are a few KiB.
const MaxBody = 1 << 20

// RedirectError is a 3xx answer, refused.
type RedirectError struct {
	Status int
	// Host is the Location's host only: its path or query may hold anything.
	Host string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("refused redirect: HTTP %d to host %q", e.Status, e.Host)
}

// TooLargeError is a reply over MaxBody, refused.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("reply larger than %d bytes refused", e.Limit)
}

// refuseRedirect is the clients' CheckRedirect. guard already turns every
// redirect into an error below the client; this keeps a client that is
// given another transport from following one either.
func refuseRedirect(req *http.Request, via []*http.Request) error {
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	return &RedirectError{Status: status, Host: req.URL.Host}
}

// guard sits right above the network, under the trace and the retries: a
// redirect or an oversized reply becomes an error before anything dumps,
// decodes or retries it.
type guard struct{ rt http.RoundTripper }

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.rt.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.StatusCode != http.StatusNotModified {
		resp.Body.Close()
		host := ""
		if loc, err := resp.Location(); err == nil {
			host = loc.Host
		}
		return nil, &RedirectError{Status: resp.StatusCode, Host: host}
	}
	if resp.ContentLength > MaxBody {
		resp.Body.Close()
		return nil, &TooLargeError{Limit: MaxBody}
	}
	// Replies are small JSON documents: read them here, bounded, so that no
	// layer above (the trace dump, a JSON decoder) ever holds more.
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if len(body) > MaxBody {
		return nil, &TooLargeError{Limit: MaxBody}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.TransferEncoding = nil
	return resp, nil
}

type retrier struct{ attempts atomic.Int64 }

type retryTransport struct {
	lazy    func() http.RoundTripper
	r       *retrier
	timeout time.Duration
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.r.attempts.Store(0)
	if t.timeout > 0 {
		ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
		defer cancel()
		req = req.WithContext(ctx)
	}
	if !retrySafe(req) {
		req = req.WithContext(context.WithValue(req.Context(), sendOnce{}, true))
	}
	return t.lazy().RoundTrip(req)
}

// sendOnce marks, in a request's context, a request check must not repeat.
type sendOnce struct{}

// retrySafe tells a request that may be sent again after an unclear
// outcome. A create (POST or PATCH) may not: when its connection breaks or
// the server answers 5xx, the server may have carried it out, and a second
// attempt would make a second service ID, policy or API key that the caller
// does not know of. The caller looks up what exists instead. Token exchanges
// are POSTs that create nothing, and are retried.
func retrySafe(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return isTokenExchange(req)
}

// isTokenExchange tells a request for a token: IAM's token service and the
// compute resources' metadata services.
func isTokenExchange(req *http.Request) bool {
	p := strings.TrimSuffix(req.URL.Path, "/")
	return strings.HasSuffix(p, "/identity/token") || strings.HasSuffix(p, "/iam_token") || strings.HasSuffix(p, "/iam_tokens")
}

type counting struct {
	rt http.RoundTripper
	n  *atomic.Int64
}

func (c *counting) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.rt.RoundTrip(req)
}

// check retries 429, 5xx but 501, and connections reset or closed before an
// answer; nothing else (a 400 from IAM will not change). A create is
// retried on 429 only, the one answer that says nothing was done. check
// also gives up early when the next wait would not fit in what is left of
// the budget, so the user hears IAM's answer rather than a timeout.
func (r *retrier) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	once := ctx.Value(sendOnce{}) != nil
	switch {
	case once && (err != nil || resp.StatusCode != http.StatusTooManyRequests):
		return false, nil
	case err != nil:
		if !isReset(err) {
			return false, nil
		}
	case resp.StatusCode == http.StatusTooManyRequests:
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
	default:
		return false, nil
	}
	if deadline, ok := ctx.Deadline(); ok {
		attempt := int(r.attempts.Load()) - 1
		if time.Until(deadline) < minimumWait(attempt, resp) {
			return false, nil
		}
	}
	return true, nil
}

func isReset(err error) bool {
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection reset") || strings.Contains(msg, "forcibly closed")
}

// backoff waits what Retry-After asks, else min*2^attempt capped at max,
// with jitter over its upper half so that parallel callers spread out.
func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if _, ok := resp.Header["Retry-After"]; ok {
			return core.IBMCloudSDKBackoffPolicy(min, max, attempt, resp)
		}
	}
	d := expo(min, max, attempt)
	return d/2 + rand.N(d/2+1)
}

func expo(min, max time.Duration, attempt int) time.Duration {
	d := min
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}

// minimumWait is the shortest wait backoff can choose.
func minimumWait(attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if _, ok := resp.Header["Retry-After"]; ok {
			return core.IBMCloudSDKBackoffPolicy(RetryWaitMin, RetryWaitMax, attempt, resp)
		}
	}
	return expo(RetryWaitMin, RetryWaitMax, attempt) / 2
}
