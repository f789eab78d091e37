package serviceid

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/httpclient"
)

func client(t *testing.T, url string) *Client {
	t.Helper()
	c, err := New(url, "eyJhbGciOiJub25lIn0.e30.x", httpclient.New(5*time.Second), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestUnclear runs creates against servers that answer each way: which
// failures may hide a create carried out all the same, to be looked up
// rather than taken as nothing made.
func TestUnclear(t *testing.T) {
	reply := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	problem := `{"errorCode":"BXNIM0109E","errorMessage":"x"}`
	tests := []struct {
		name    string
		handler http.HandlerFunc
		cancel  bool
		want    bool
	}{
		{"400", reply(400, problem), false, false},
		{"403", reply(403, problem), false, false},
		{"409", reply(409, problem), false, false},
		{"500", reply(500, problem), false, true},
		{"503", reply(503, problem), false, true},
		{"201 without an ID", reply(201, `{"name":"kp"}`), false, true},
		{"201 that is not JSON", reply(201, `<html>`), false, true},
		{"reset", func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}, false, true},
		{"interrupted", func(w http.ResponseWriter, r *http.Request) {
			// The server notices the client left once the body is read.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := httptest.NewServer(tt.handler)
			defer s.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				time.AfterFunc(100*time.Millisecond, cancel)
			}
			_, err := client(t, s.URL).Create(ctx, "acct", "kp", "")
			if err == nil || Unclear(err) != tt.want {
				t.Fatalf("Unclear(%v) = %v, want %v", err, Unclear(err), tt.want)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		url := "http://" + l.Addr().String()
		l.Close()
		_, err := client(t, url).Create(context.Background(), "acct", "kp", "")
		if err == nil || Unclear(err) {
			t.Fatalf("Unclear(%v) = %v, want false", err, Unclear(err))
		}
	})
}

// TestDeleteOfWhatIsGone: a 404 on a delete is what the undo wanted (a
// repeated DELETE whose first answer was lost finds nothing).
func TestDeleteOfWhatIsGone(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"errorCode":"BXNIM0102E","errorMessage":"Not found."}`))
	}))
	defer s.Close()
	c := client(t, s.URL)
	ctx := context.Background()
	if err := c.Delete(ctx, "ServiceId-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteKey(ctx, "ApiKey-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Revoke(ctx, "1"); err != nil {
		t.Fatal(err)
	}
}
