package token

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
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

// NewHTTPClient returns the client for IAM calls. Its Timeout is the whole
// budget: every attempt and every wait between attempts fit in it, because
// the retries happen inside its transport. Each attempt goes through the
// SDK's trace transport, which hides keys and tokens.
func NewHTTPClient(timeout time.Duration) *http.Client {
	r := &retrier{}
	var rt http.RoundTripper = core.DefaultHTTPClient().Transport
	// The SDK's trace transport dumps and sanitizes every exchange even when
	// tracing is off; skip it then, it costs more than the request.
	if _, off := trace.Logger.(*trace.NullLogger); !off {
		rt = bxhttp.NewTraceLoggingTransport(rt)
	}
	inner := &http.Client{Transport: &counting{rt: rt, n: &r.attempts}}
	rc := core.NewRetryableClientWithHTTPClient(inner)
	rc.RetryMax = MaxAttempts - 1
	rc.RetryWaitMin, rc.RetryWaitMax = RetryWaitMin, RetryWaitMax
	rc.CheckRetry = r.check
	rc.Backoff = backoff
	return &http.Client{Timeout: timeout, Transport: &retryTransport{rt: &retryablehttp.RoundTripper{Client: rc}, r: r}}
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

type retrier struct{ attempts atomic.Int64 }

type retryTransport struct {
	rt http.RoundTripper
	r  *retrier
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.r.attempts.Store(0)
	return t.rt.RoundTrip(req)
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
// answer; nothing else (a 400 from IAM will not change). It also gives up
// early when the next wait would not fit in what is left of the budget, so
// the user hears IAM's answer rather than a timeout.
func (r *retrier) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	switch {
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
