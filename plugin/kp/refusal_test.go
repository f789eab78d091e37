package kp

import (
	"testing"

	"github.com/kp-token/kp-token/plugin/failure"
)

func TestParseRefusal(t *testing.T) {
	tests := []struct {
		body, reason string
		instance     bool
	}{
		{`{"metadata":{"collectionType":"application/vnd.ibm.kms.error+json","collectionTotal":1},"resources":[{"errorMsg":"Not Found: Key does not exist","reasons":[{"code":"KEY_NOT_FOUND_ERR","message":"Key does not exist","status":404}]}]}`,
			"KEY_NOT_FOUND_ERR: Key does not exist", false},
		{`{"resources":[{"errorMsg":"x","reasons":[{"code":"A","message":"one"},{"code":"B"}]}]}`, "A: one; B", false},
		{`{"resources":[{"errorMsg":"Bad Request: the instance is not valid"}]}`, "Bad Request: the instance is not valid", true},
		{`{"resources":[{"errorMsg":"x","reasons":[{"code":"INSTANCE_NOT_FOUND_ERR","message":"gone"}]}]}`, "INSTANCE_NOT_FOUND_ERR: gone", true},
		{`<html>502</html>`, "", false},
		{`{"resources":[]}`, "", false},
	}
	for _, tt := range tests {
		r := ParseRefusal(404, []byte(tt.body))
		if r.Status != 404 || r.Reason != tt.reason || r.AboutInstance != tt.instance {
			t.Errorf("ParseRefusal(%s) = %+v", tt.body, r)
		}
	}
}

// TestRefused: the same answers get verify's words wherever they come
// from; a request refused as such gets the caller's remedy.
func TestRefused(t *testing.T) {
	tests := []struct {
		r             Refusal
		cause, remedy string
		kind          failure.Kind
		detail        string
	}{
		{Refusal{Status: 401}, "verify_no_access", "verify_no_access_remedy", "", ""},
		{Refusal{Status: 403}, "verify_no_access", "verify_no_access_remedy", "", ""},
		{Refusal{Status: 404, Reason: "INSTANCE_NOT_FOUND_ERR: x", AboutInstance: true}, "verify_instance_not_found", "verify_instance_not_found_remedy", failure.KindInstanceNotFound, ""},
		{Refusal{Status: 404, Reason: "KEY_NOT_FOUND_ERR: x"}, "verify_rejected", "api_request_remedy", "", ""},
		{Refusal{Status: 400, Reason: "BAD_BODY_ERR: x"}, "verify_bad_request", "api_request_remedy", "", ""},
		{Refusal{Status: 429, Reason: "TOO_MANY: slow"}, "kp_unavailable", "net_timeout_remedy", "", "TOO_MANY: slow"},
		{Refusal{Status: 503}, "kp_unavailable", "net_timeout_remedy", "", ""},
		{Refusal{Status: 409, Reason: "KEY_ACTION_INVALID_STATE_ERR: x"}, "verify_rejected", "api_request_remedy", "", ""},
	}
	for _, tt := range tests {
		f := Refused(tt.r, "https://kp", "guid", Who{Identity: "me"}, "api_request_remedy")
		if f.Cause != tt.cause || f.Remedy != tt.remedy || f.Kind != tt.kind || f.Detail != tt.detail ||
			f.CauseData["Status"] != tt.r.Status || f.CauseData["Reason"] != tt.r.Reason || f.CauseData["Identity"] != "me" {
			t.Errorf("Refused(%+v) = %+v", tt.r, f)
		}
	}
}
