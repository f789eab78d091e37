package httpclient

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestGuard(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		check   func(t *testing.T, resp *http.Response, err error)
	}{
		{"redirect refused with the Location host only", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "http://evil.example:8080/x?apikey=secret")
			w.WriteHeader(http.StatusTemporaryRedirect)
		}, func(t *testing.T, _ *http.Response, err error) {
			var re *RedirectError
			if !errors.As(err, &re) || re.Status != 307 || re.Host != "evil.example:8080" {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("the query leaked: %v", err)
			}
		}},
		{"oversized with length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "2000000")
			_, _ = w.Write(make([]byte, 2000000))
		}, func(t *testing.T, _ *http.Response, err error) {
			var tl *TooLargeError
			if !errors.As(err, &tl) {
				t.Fatalf("err = %v", err)
			}
		}},
		{"oversized chunked", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < 40; i++ {
				_, _ = w.Write(make([]byte, 64<<10))
				w.(http.Flusher).Flush()
			}
		}, func(t *testing.T, _ *http.Response, err error) {
			var tl *TooLargeError
			if !errors.As(err, &tl) {
				t.Fatalf("err = %v", err)
			}
		}},
		{"small reply passes whole", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"ok":true}`))
		}, func(t *testing.T, resp *http.Response, err error) {
			if err != nil || resp.StatusCode != 200 || resp.ContentLength != 11 {
				t.Fatalf("resp = %v, err = %v", resp, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := httptest.NewServer(tt.handler)
			defer s.Close()
			resp, err := New(5*time.Second).Post(s.URL, "application/json", strings.NewReader("{}"))
			if resp != nil {
				defer resp.Body.Close()
			}
			tt.check(t, resp, err)
		})
	}
}

// TestFailureNamesTheCause runs real failed connections and checks the
// words chosen for each.
func TestFailureNamesTheCause(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer plain.Close()
	untrusted := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer untrusted.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { time.Sleep(2 * time.Second) }))
	defer slow.Close()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + l.Addr().String()
	l.Close()

	tests := []struct {
		name, url string
		timeout   time.Duration
		cause     string
		reason    string
	}{
		{"https to an http server", strings.Replace(plain.URL, "http:", "https:", 1), 5 * time.Second, "net_unreachable", "net_reason_http_server"},
		{"certificate of an unknown authority", untrusted.URL, 5 * time.Second, "net_unreachable", "net_reason_tls_unknown_authority"},
		{"connection refused", closed, 5 * time.Second, "net_unreachable", "net_reason_refused"},
		{"timeout", slow.URL, 300 * time.Millisecond, "net_timeout", ""},
	}
	for _, tt := range tests {
		// The same words whichever transport carried the request: the pool,
		// or a token exchange's own connection (oneShot).
		for _, path := range []string{"/", "/identity/token"} {
			t.Run(tt.name+" "+path, func(t *testing.T) {
				_, err := New(tt.timeout).Post(tt.url+path, "text/plain", strings.NewReader("x"))
				if err == nil {
					t.Fatal("no error")
				}
				f := Failure(err, "IAM", tt.url, tt.timeout)
				if f.Cause != tt.cause || f.Reason != tt.reason {
					t.Fatalf("cause %q reason %q, want %q %q (err %v)", f.Cause, f.Reason, tt.cause, tt.reason, err)
				}
				if f.Detail == "" {
					t.Fatal("no detail line")
				}
			})
		}
	}
	t.Run("dns", func(t *testing.T) {
		err := &url.Error{Op: "Post", URL: "https://nowhere.invalid", Err: &net.OpError{Op: "dial", Net: "tcp",
			Err: &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}}}
		f := Failure(err, "IAM", "https://nowhere.invalid", time.Second)
		if f.Reason != "net_reason_dns" || f.ReasonData["Host"] != "nowhere.invalid" {
			t.Fatalf("reason %q %v", f.Reason, f.ReasonData)
		}
	})
	t.Run("proxy", func(t *testing.T) {
		err := &url.Error{Op: "Post", URL: "https://iam.cloud.ibm.com", Err: &net.OpError{Op: "proxyconnect", Net: "tcp", Err: errors.New("connection refused")}}
		if f := Failure(err, "IAM", "https://iam.cloud.ibm.com", time.Second); f.Reason != "net_reason_proxy" {
			t.Fatalf("reason %q", f.Reason)
		}
	})
}

// TestCreatesAreSentOnce: a create whose answer is a 5xx or a broken
// connection may have been carried out, so the transport does not repeat
// it; reads, deletes and token exchanges are retried as before, and a 429
// (nothing was done) is retried for every method.
func TestCreatesAreSentOnce(t *testing.T) {
	tests := []struct {
		name, method, path string
		fault              string // "503", "reset" or "429"
		want               int    // attempts
	}{
		{"service ID create, 503", http.MethodPost, "/v1/serviceids/", "503", 1},
		{"API key create, reset", http.MethodPost, "/v1/apikeys", "reset", 1},
		{"policy create, 503", http.MethodPost, "/v1/policies", "503", 1},
		{"create, 429 is retried", http.MethodPost, "/v1/policies", "429", 2},
		{"token exchange, 503", http.MethodPost, "/identity/token", "503", 2},
		{"token exchange, reset", http.MethodPost, "/identity/token", "reset", 2},
		{"profile token exchange, 503", http.MethodPost, "/identity/v1/iam_tokens", "503", 2},
		{"list, 503", http.MethodGet, "/v1/serviceids/", "503", 2},
		{"delete, reset", http.MethodDelete, "/v1/apikeys/ApiKey-1", "reset", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) > 1 {
					w.WriteHeader(http.StatusOK)
					return
				}
				switch tt.fault {
				case "503":
					w.WriteHeader(http.StatusServiceUnavailable)
				case "429":
					w.WriteHeader(http.StatusTooManyRequests)
				case "reset":
					conn, _, _ := w.(http.Hijacker).Hijack()
					conn.(*net.TCPConn).SetLinger(0)
					conn.Close()
				}
			}))
			defer s.Close()
			c := New(10 * time.Second)
			req, _ := http.NewRequest(tt.method, s.URL+tt.path, strings.NewReader("{}"))
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			if int(n.Load()) != tt.want || Attempts(c) != tt.want {
				t.Fatalf("%d attempts (client counted %d), want %d (err %v)", n.Load(), Attempts(c), tt.want, err)
			}
		})
	}
}
