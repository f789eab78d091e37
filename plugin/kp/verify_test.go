package kp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
)

// TestVerify: what Key Protect answers, as a failure that says what it
// means for the token and the instance.
func TestVerify(t *testing.T) {
	NoClientRetries()
	const instance = "0d2a5b8e-1111-4c4c-9d9d-123456789abc"
	tests := []struct {
		status int
		body   string
		cause  string
		kind   failure.Kind
	}{
		{200, `{"metadata":{"collectionTotal":1,"totalCount":7},"resources":[{"id":"k"}]}`, "", ""},
		{401, `{}`, "verify_no_access", ""},
		{403, `{}`, "verify_no_access", ""},
		{404, `{}`, "verify_instance_not_found", failure.KindInstanceNotFound},
		{400, `{"resources":[{"errorMsg":"Bad Request","reasons":[{"code":"BAD_INSTANCE_ERR","message":"the instance is not valid"}]}]}`, "verify_instance_not_found", failure.KindInstanceNotFound},
		{400, `{}`, "verify_bad_request", ""},
		{503, `{}`, "kp_unavailable", ""},
		{409, `{}`, "verify_rejected", ""},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			access, status, err := Verify(context.Background(), &http.Client{}, srv.URL, instance, "Bearer x.y.z", Who{Identity: "me"}, 5*time.Second)
			if tt.cause == "" {
				if err != nil || access.KeysListed != 1 || access.KeysVisible != 7 || status != 0 {
					t.Fatalf("Verify = %+v %d %v", access, status, err)
				}
				return
			}
			f, ok := failure.As(err)
			if !ok || f.Cause != tt.cause || f.Kind != tt.kind || status != tt.status || f.CauseData["Identity"] != "me" {
				t.Fatalf("Verify = %d %+v", status, f)
			}
		})
	}
	t.Run("no answer", func(t *testing.T) {
		_, status, err := Verify(context.Background(), &http.Client{}, "http://127.0.0.1:1", instance, "Bearer x.y.z", Who{}, time.Second)
		if !failure.IsOutage(err) || status != 0 {
			t.Fatalf("Verify = %d %v", status, err)
		}
	})
}
