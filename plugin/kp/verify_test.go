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

// TestNoAccessRemedy: a refused check suggests the IAM command that fits
// who the token says it is, with its ID or e-mail address as one shell
// word (claims are the server's text), and names no one when the token
// does not say.
func TestNoAccessRemedy(t *testing.T) {
	const instance = "0d2a5b8e-1111-4c4c-9d9d-123456789abc"
	sid := "ServiceId-6f2a1c1e-4d1b-4bb1-9c51-2f0a9d4e7b10"
	tests := []struct {
		name   string
		who    Who
		remedy string
		key    string
		value  string
	}{
		{"a user", Who{Email: "camille.dupont@example.com", IAMID: "IBMid-550000ABCD"}, "verify_no_access_remedy_user", "User", "camille.dupont@example.com"},
		{"a service ID, from sub", Who{SubjectType: "ServiceId", Subject: sid, IAMID: "iam-" + sid}, "verify_no_access_remedy_service_id", "ServiceID", sid},
		{"a service ID, from iam_id", Who{SubjectType: "ServiceId", IAMID: "iam-" + sid}, "verify_no_access_remedy_service_id", "ServiceID", sid},
		{"a trusted profile", Who{SubjectType: "Profile", Subject: "Profile-9b1c", IAMID: "iam-Profile-9b1c"}, "verify_no_access_remedy_profile", "Profile", "Profile-9b1c"},
		{"a hostile e-mail address", Who{Email: "x';touch /tmp/p;'@example.com"}, "verify_no_access_remedy_user", "User", `'x'\'';touch /tmp/p;'\''@example.com'`},
		{"a hostile service ID", Who{SubjectType: "ServiceId", Subject: "ServiceId-$(id)"}, "verify_no_access_remedy_service_id", "ServiceID", "'ServiceId-$(id)'"},
		{"a service ID the token does not name", Who{SubjectType: "ServiceId", Subject: "x"}, "verify_no_access_remedy", "", ""},
		{"a user without an e-mail address", Who{IAMID: "IBMid-550000ABCD"}, "verify_no_access_remedy", "", ""},
		{"another kind of subject", Who{SubjectType: "ComputeResource", Subject: "crn:x"}, "verify_no_access_remedy", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, data := noAccessRemedy(tt.who, instance)
			if id != tt.remedy || data["Instance"] != instance || (tt.key != "" && data[tt.key] != tt.value) {
				t.Fatalf("noAccessRemedy = %s %v, want %s with %s=%s", id, data, tt.remedy, tt.key, tt.value)
			}
		})
	}
}
