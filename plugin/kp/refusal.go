package kp

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// Refusal is Key Protect's answer to a request it did not carry out: its
// HTTP status and its reasons, as one line of "CODE: message" parts.
type Refusal struct {
	Status int
	Reason string
	// AboutInstance: the reasons are about the instance (an unknown or
	// malformed bluemix-instance).
	AboutInstance bool
}

// ParseRefusal reads Key Protect's error document (collectionType
// application/vnd.ibm.kms.error+json): the first resource's reasons, else
// its errorMsg. A body that is not one leaves the reason empty.
func ParseRefusal(status int, body []byte) Refusal {
	var doc struct {
		Resources []struct {
			ErrorMsg string `json:"errorMsg"`
			Reasons  []struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"reasons"`
		} `json:"resources"`
	}
	r := Refusal{Status: status}
	if json.Unmarshal(body, &doc) != nil || len(doc.Resources) == 0 {
		return r
	}
	res := doc.Resources[0]
	var parts []string
	for _, reason := range res.Reasons {
		s := reason.Code
		if reason.Message != "" {
			s += ": " + reason.Message
		}
		parts = append(parts, s)
	}
	r.Reason = strings.Join(parts, "; ")
	if r.Reason == "" {
		r.Reason = res.ErrorMsg
	}
	r.AboutInstance = mentionsInstance(stringError(res.ErrorMsg + " " + r.Reason))
	return r
}

type stringError string

func (s stringError) Error() string { return string(s) }

// Refused is the failure that says what a refusal means for the token and
// the instance, in the words 'verify' uses: no role on the instance (401,
// 403), an instance Key Protect does not know, a busy or unavailable
// service (429, 5xx), or a request refused as such, with requestRemedy.
// Key Protect's reason is made one safe line.
func Refused(r Refusal, baseURL, instanceID string, who Who, requestRemedy string) *failure.Failure {
	data := map[string]any{"Instance": instanceID, "URL": baseURL, "Identity": who.Identity, "IAMID": who.IAMID,
		"Status": r.Status, "Reason": output.SafeLine(r.Reason)}
	switch {
	case r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden:
		return failure.New("verify_no_access", data).WithRemedy(noAccessRemedy(who, instanceID))
	case r.AboutInstance:
		return failure.New("verify_instance_not_found", data).WithRemedy("verify_instance_not_found_remedy", data).
			WithKind(failure.KindInstanceNotFound)
	case r.Status == http.StatusBadRequest:
		return failure.New("verify_bad_request", data).WithRemedy(requestRemedy, data)
	case r.Status == http.StatusTooManyRequests || r.Status >= 500:
		f := failure.New("kp_unavailable", data).WithRemedy("net_timeout_remedy", nil)
		if r.Reason != "" {
			f.WithDetail(r.Reason)
		}
		return f
	}
	return failure.New("verify_rejected", data).WithRemedy(requestRemedy, data)
}
