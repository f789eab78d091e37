//go:build !pooledtoken

package httpclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// seen records, per request, what the server saw of it.
type seen struct {
	mu    sync.Mutex
	peers []string
	close []bool
	proto []string
	tls   []bool
}

func (s *seen) handler(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.peers = append(s.peers, r.RemoteAddr)
	s.close = append(s.close, r.Close)
	s.proto = append(s.proto, r.Proto)
	s.tls = append(s.tls, r.TLS != nil)
	s.mu.Unlock()
	_, _ = io.Copy(io.Discard, r.Body)
	_, _ = w.Write([]byte(`{"access_token":"x"}`))
}

func twice(t *testing.T, c *http.Client, method, u string) {
	t.Helper()
	for range 2 {
		req, _ := http.NewRequest(method, u, strings.NewReader("grant_type=x"))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != `{"access_token":"x"}` {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
	}
}

// Token exchanges each get a connection of their own, closed with the
// reply; other requests share the pool's.
func TestExchangesGetAConnectionOfTheirOwn(t *testing.T) {
	tests := []struct {
		name, method, path string
		own                bool
	}{
		{"IAM token", http.MethodPost, "/identity/token", true},
		{"trusted profile token from a compute resource", http.MethodPost, "/identity/v1/iam_tokens", true},
		{"Key Protect list", http.MethodGet, "/api/v2/keys", false},
		{"service ID create", http.MethodPost, "/v1/serviceids", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s seen
			srv := httptest.NewServer(http.HandlerFunc(s.handler))
			defer srv.Close()
			twice(t, New(5*time.Second), tt.method, srv.URL+tt.path)
			if got := s.peers[0] != s.peers[1]; got != tt.own {
				t.Errorf("connections %v: a connection each = %v, want %v", s.peers, got, tt.own)
			}
			if s.close[0] != tt.own || s.proto[0] != "HTTP/1.1" {
				t.Errorf("Connection: close = %v (want %v), %s", s.close[0], tt.own, s.proto[0])
			}
		})
	}
}

// Over TLS with the pool's configuration (its roots: here the test
// server's), speaking HTTP/1.1.
func TestExchangeOverTLS(t *testing.T) {
	var s seen
	srv := httptest.NewTLSServer(http.HandlerFunc(s.handler))
	defer srv.Close()
	c := &http.Client{Transport: newOneShot(srv.Client().Transport)}
	twice(t, c, http.MethodPost, srv.URL+"/identity/token")
	if !s.tls[0] || s.proto[0] != "HTTP/1.1" || !s.close[0] || s.peers[0] == s.peers[1] {
		t.Fatalf("tls %v proto %v close %v peers %v", s.tls, s.proto, s.close, s.peers)
	}
	// The pool's own configuration is left as it was.
	if p := srv.Client().Transport.(*http.Transport).TLSClientConfig.NextProtos; len(p) != 0 {
		t.Fatalf("pool's NextProtos changed to %v", p)
	}
}

// A proxy is the pool's business: the exchange goes through it as before.
func TestExchangeThroughAProxyUsesThePool(t *testing.T) {
	var s seen
	proxy := httptest.NewServer(http.HandlerFunc(s.handler))
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)
	c := &http.Client{Transport: newOneShot(&http.Transport{Proxy: http.ProxyURL(pu)})}
	twice(t, c, http.MethodPost, "http://iam.example.invalid/identity/token")
	if len(s.peers) != 2 {
		t.Fatalf("the proxy saw %d requests", len(s.peers))
	}
}

// A cancelled context (a signal) ends an exchange waiting for its answer.
func TestExchangeEndsWithItsContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/identity/token", strings.NewReader("x"))
	start := time.Now()
	_, err := newOneShot(http.DefaultTransport.(*http.Transport).Clone()).RoundTrip(req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("returned after %v", d)
	}
}
