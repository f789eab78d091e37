package iamtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The IAM Identity (/v1/serviceids, /v1/apikeys) and IAM Policy Management
// (/v1/policies) APIs, as far as 'kp-token setup' uses them. They answer on
// the same host as the token service, as IAM does, and check the bearer
// token like the real services: signed here and not expired.

// ServiceIDRecord is a service ID the server holds.
type ServiceIDRecord struct {
	ID, IAMID, Account, Name, Description string
}

// PolicyRecord is an access policy the server holds.
type PolicyRecord struct {
	ID, Subject, Role, Account, Service, Instance string
}

// APIKeyRecord is an API key the server holds.
type APIKeyRecord struct {
	ID, Name, IAMID, Account, Key string
}

type admin struct {
	serviceIDs map[string]ServiceIDRecord
	policies   map[string]PolicyRecord
	apikeys    map[string]APIKeyRecord
	failures   map[string][]Reply // "POST /v1/policies" -> scripted answers
	seq        int
	// OnPolicy is told of every access policy created (tests wire it to the
	// Key Protect server so that the policy opens the instance).
	onPolicy func(instance, iamID string)
}

func (s *Server) adminState() *admin {
	if s.adm == nil {
		s.adm = &admin{serviceIDs: map[string]ServiceIDRecord{}, policies: map[string]PolicyRecord{},
			apikeys: map[string]APIKeyRecord{}, failures: map[string][]Reply{}}
	}
	return s.adm
}

// FailNext makes the next request of method and path prefix (e.g. "POST
// /v1/policies") get reply instead of its normal answer.
func (s *Server) FailNext(route string, r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.adminState()
	a.failures[route] = append(a.failures[route], r)
}

// OnPolicy registers a hook told of each policy created.
func (s *Server) OnPolicy(f func(instance, iamID string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.adminState().onPolicy = f
}

// AddServiceID registers an existing service ID.
func (s *Server) AddServiceID(account, name string) ServiceIDRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newServiceID(account, name, "")
}

func (s *Server) newServiceID(account, name, desc string) ServiceIDRecord {
	a := s.adminState()
	a.seq++
	id := fmt.Sprintf("ServiceId-%08d-aaaa-4bbb-8ccc-%012d", a.seq, a.seq)
	r := ServiceIDRecord{ID: id, IAMID: "iam-" + id, Account: account, Name: name, Description: desc}
	a.serviceIDs[id] = r
	return r
}

// ServiceIDs, Policies and APIKeys list what the server holds.
func (s *Server) ServiceIDs() []ServiceIDRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ServiceIDRecord
	for _, r := range s.adminState().serviceIDs {
		out = append(out, r)
	}
	return out
}

func (s *Server) Policies() []PolicyRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []PolicyRecord
	for _, r := range s.adminState().policies {
		out = append(out, r)
	}
	return out
}

func (s *Server) APIKeys() []APIKeyRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []APIKeyRecord
	for _, r := range s.adminState().apikeys {
		out = append(out, r)
	}
	return out
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.Path
	s.mu.Lock()
	a := s.adminState()
	var scripted *Reply
	for prefix, list := range a.failures {
		if strings.HasPrefix(route, prefix) && len(list) > 0 {
			scripted = &list[0]
			a.failures[prefix] = list[1:]
			break
		}
	}
	s.mu.Unlock()
	if scripted != nil {
		serveScripted(w, scripted)
		return
	}
	access, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	claims, err := decodeClaims(access)
	if !ok || err != nil || !s.Verify(access) {
		identityError(w, http.StatusUnauthorized, "BXNIM0308E", "No authorization header found.")
		return
	}
	if exp, _ := claims["exp"].(float64); time.Unix(int64(exp), 0).Before(time.Now()) {
		identityError(w, http.StatusUnauthorized, "BXNIM0407E", "Provided user token is expired.")
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			identityError(w, http.StatusBadRequest, "BXNIM0109E", "Request body is not valid JSON.")
			return
		}
	}
	str := func(k string) string { v, _ := body[k].(string); return v }
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/serviceids/":
		q := r.URL.Query()
		list := []any{}
		for _, sid := range a.serviceIDs {
			if sid.Account == q.Get("account_id") && (q.Get("name") == "" || sid.Name == q.Get("name")) {
				list = append(list, serviceIDJSON(sid))
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"offset": 0, "limit": 20, "serviceids": list})
	case r.Method == http.MethodPost && r.URL.Path == "/v1/serviceids/":
		if str("account_id") == "" || str("name") == "" {
			identityError(w, http.StatusBadRequest, "BXNIM0109E", "Property 'name' missing or empty.")
			return
		}
		writeJSON(w, http.StatusCreated, serviceIDJSON(s.newServiceID(str("account_id"), str("name"), str("description"))))
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v1/serviceids/"):
		id := strings.TrimPrefix(r.URL.Path, "/v1/serviceids/")
		if _, ok := a.serviceIDs[id]; !ok {
			identityError(w, http.StatusNotFound, "BXNIM0102E", "Service ID not found.")
			return
		}
		delete(a.serviceIDs, id)
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/apikeys":
		owner, found := s.serviceIDByIAMID(str("iam_id"))
		if !found {
			identityError(w, http.StatusBadRequest, "BXNIM0513E", "The IAM ID is not valid.")
			return
		}
		a.seq++
		key := fmt.Sprintf("Ak_%d_%s", a.seq, randomToken()[:36])
		rec := APIKeyRecord{ID: fmt.Sprintf("ApiKey-%08d-aaaa-4bbb-8ccc-%012d", a.seq, a.seq), Name: str("name"), IAMID: owner.IAMID, Account: owner.Account, Key: key}
		a.apikeys[rec.ID] = rec
		// The key works at the token service at once.
		s.keys[key] = Identity{IAMID: owner.IAMID, Name: owner.Name, SubType: "ServiceId", Account: owner.Account}
		writeJSON(w, http.StatusCreated, map[string]any{"id": rec.ID, "entity_tag": "1-x", "crn": "crn:v1:bluemix:public:iam-identity::a/" + owner.Account + "::apikey:" + rec.ID,
			"locked": false, "created_by": fmt.Sprint(claims["iam_id"]), "name": rec.Name, "iam_id": owner.IAMID, "account_id": owner.Account,
			"apikey": key, "created_at": time.Now().UTC().Format(time.RFC3339)})
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v1/apikeys/"):
		id := strings.TrimPrefix(r.URL.Path, "/v1/apikeys/")
		rec, ok := a.apikeys[id]
		if !ok {
			identityError(w, http.StatusNotFound, "BXNIM0102E", "API key not found.")
			return
		}
		delete(a.apikeys, id)
		delete(s.keys, rec.Key)
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/policies":
		rec, ok := parsePolicy(body)
		if !ok {
			policyError(w, http.StatusBadRequest, "invalid_body", "Invalid body format. Check the input parameters.")
			return
		}
		for _, p := range a.policies {
			if p.Subject == rec.Subject && p.Role == rec.Role && p.Instance == rec.Instance {
				policyError(w, http.StatusConflict, "policy_conflict_error", "Failed to create policy. The policy already exists.")
				return
			}
		}
		a.seq++
		rec.ID = fmt.Sprintf("%08d-1111-4222-8333-%012d", a.seq, a.seq)
		a.policies[rec.ID] = rec
		if a.onPolicy != nil {
			a.onPolicy(rec.Instance, rec.Subject)
		}
		writeJSON(w, http.StatusCreated, map[string]any{"id": rec.ID, "type": "access", "subjects": body["subjects"], "roles": body["roles"], "resources": body["resources"]})
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v1/policies/"):
		id := strings.TrimPrefix(r.URL.Path, "/v1/policies/")
		if _, ok := a.policies[id]; !ok {
			policyError(w, http.StatusNotFound, "policy_not_found", "Policy was not found.")
			return
		}
		delete(a.policies, id)
		w.WriteHeader(http.StatusNoContent)
	default:
		identityError(w, http.StatusNotFound, "BXNIM0100E", "Not found.")
	}
}

func (s *Server) serviceIDByIAMID(iamID string) (ServiceIDRecord, bool) {
	for _, r := range s.adminState().serviceIDs {
		if r.IAMID == iamID {
			return r, true
		}
	}
	return ServiceIDRecord{}, false
}

func serviceIDJSON(r ServiceIDRecord) map[string]any {
	return map[string]any{"id": r.ID, "iam_id": r.IAMID, "entity_tag": "1-x", "account_id": r.Account, "name": r.Name,
		"description": r.Description, "locked": false, "crn": "crn:v1:bluemix:public:iam-identity::a/" + r.Account + "::serviceid:" + r.ID,
		"created_at": time.Now().UTC().Format(time.RFC3339)}
}

// parsePolicy reads an access policy on a Key Protect instance.
func parsePolicy(body map[string]any) (PolicyRecord, bool) {
	var rec PolicyRecord
	if body["type"] != "access" {
		return rec, false
	}
	attrs := func(list any) map[string]string {
		out := map[string]string{}
		items, _ := list.([]any)
		for _, it := range items {
			m, _ := it.(map[string]any)
			as, _ := m["attributes"].([]any)
			for _, a := range as {
				am, _ := a.(map[string]any)
				out[fmt.Sprint(am["name"])] = fmt.Sprint(am["value"])
			}
		}
		return out
	}
	subj, res := attrs(body["subjects"]), attrs(body["resources"])
	roles, _ := body["roles"].([]any)
	if len(roles) != 1 {
		return rec, false
	}
	role, _ := roles[0].(map[string]any)
	rec.Subject, rec.Account, rec.Service, rec.Instance = subj["iam_id"], res["accountId"], res["serviceName"], res["serviceInstance"]
	rec.Role, _ = role["role_id"].(string)
	if rec.Subject == "" || rec.Account == "" || rec.Service == "" || !strings.HasPrefix(rec.Role, "crn:v1:bluemix:public:iam::::serviceRole:") {
		return rec, false
	}
	return rec, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// identityError is the IAM Identity API's error shape.
func identityError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{
		"errorCode": code, "errorMessage": msg, "statusCode": fmt.Sprint(status),
		"context": map[string]any{"requestId": randomToken()[:32], "requestType": "incoming.ServiceId"},
		"errors":  []any{map[string]any{"code": code, "message": msg}},
	})
}

// policyError is the IAM Policy Management API's error shape.
func policyError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"trace": randomToken()[:32], "status_code": status,
		"errors": []any{map[string]any{"code": code, "message": msg}}})
}
