package iamtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
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
	ID, Name, IAMID, Account, Key, Description string
}

type admin struct {
	serviceIDs map[string]ServiceIDRecord
	policies   map[string]PolicyRecord
	apikeys    map[string]APIKeyRecord
	failures   map[string][]Reply // "POST /v1/policies" -> scripted answers
	after      map[string][]Reply // answers replacing those of requests carried out
	holds      map[string][]*Hold
	oddSpacing bool
	idSuffix   string
	seq        int
	// OnPolicy is told of every access policy created (tests wire it to the
	// Key Protect server so that the policy opens the instance).
	onPolicy func(instance, iamID string)
}

func (s *Server) adminState() *admin {
	if s.adm == nil {
		s.adm = &admin{serviceIDs: map[string]ServiceIDRecord{}, policies: map[string]PolicyRecord{},
			apikeys: map[string]APIKeyRecord{}, failures: map[string][]Reply{}, after: map[string][]Reply{},
			holds: map[string][]*Hold{}}
	}
	return s.adm
}

// FailNext makes the next request of method and path prefix (e.g. "POST
// /v1/policies") get reply instead of its normal answer. A route that ends
// with "$" is the whole path: "GET /v1/apikeys$" is the listing, not
// GET /v1/apikeys/details.
func (s *Server) FailNext(route string, r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.adminState()
	a.failures[route] = append(a.failures[route], r)
}

// FailAfter makes the next request of method and path prefix be carried
// out (a service ID, a policy or a key created) and then answered with r
// instead: a reset connection or a 5xx after the fact, the unclear
// outcomes a client must not answer by sending the create again.
func (s *Server) FailAfter(route string, r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.adminState()
	a.after[route] = append(a.after[route], r)
}

// Hold is a request the server carried out and holds unanswered.
type Hold struct {
	// Arrived is closed when the request has been carried out.
	Arrived chan struct{}
	release chan struct{}
	once    sync.Once
}

// Release lets the held request be answered.
func (h *Hold) Release() { h.once.Do(func() { close(h.release) }) }

// HoldNext makes the next request of method and path prefix wait, once
// carried out, until Release is called or its client goes away: a test
// can then act (send a signal, plant a file) at that step.
func (s *Server) HoldNext(route string) *Hold {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := &Hold{Arrived: make(chan struct{}), release: make(chan struct{})}
	a := s.adminState()
	a.holds[route] = append(a.holds[route], h)
	return h
}

// OddSpacing makes the Identity and Policy APIs space their JSON replies
// as '"name" : "value"', which JSON allows.
func (s *Server) OddSpacing() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.adminState().oddSpacing = true
}

// IDSuffix makes the server hostile: the IDs of the service IDs it makes
// from now on end with suffix (control characters, quotes, a line that
// pretends to be the client's own).
func (s *Server) IDSuffix(suffix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.adminState().idSuffix = suffix
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

// AddServiceIDKey registers an API key named name for the service ID; the
// key works at the token service.
func (s *Server) AddServiceIDKey(sid ServiceIDRecord, name string) APIKeyRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.adminState()
	a.seq++
	rec := APIKeyRecord{ID: fmt.Sprintf("ApiKey-%08d-aaaa-4bbb-8ccc-%012d", a.seq, a.seq), Name: name, IAMID: sid.IAMID,
		Account: sid.Account, Key: fmt.Sprintf("Ak_%d_%s", a.seq, randomToken()[:36])}
	a.apikeys[rec.ID] = rec
	s.keys[rec.Key] = Identity{IAMID: sid.IAMID, Name: sid.Name, SubType: "ServiceId", Account: sid.Account}
	return rec
}

// AddPolicy registers an access policy (any service's) and returns it
// with its ID.
func (s *Server) AddPolicy(p PolicyRecord) PolicyRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.adminState()
	a.seq++
	p.ID = fmt.Sprintf("%08d-1111-4222-8333-%012d", a.seq, a.seq)
	a.policies[p.ID] = p
	return p
}

func (s *Server) newServiceID(account, name, desc string) ServiceIDRecord {
	a := s.adminState()
	a.seq++
	id := fmt.Sprintf("ServiceId-%08d-aaaa-4bbb-8ccc-%012d", a.seq, a.seq)
	r := ServiceIDRecord{ID: id + a.idSuffix, IAMID: "iam-" + id, Account: account, Name: name, Description: desc}
	a.serviceIDs[r.ID] = r
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
	scripted := next(a.failures, route)
	var after *Reply
	var hold *Hold
	odd := a.oddSpacing
	if scripted == nil {
		after = next(a.after, route)
		if h := next(a.holds, route); h != nil {
			hold = *h
		}
	}
	s.mu.Unlock()
	if scripted != nil {
		serveScripted(w, scripted)
		return
	}
	rec := httptest.NewRecorder()
	s.handleAdmin(rec, r)
	if hold != nil {
		close(hold.Arrived)
		select {
		case <-hold.release:
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	}
	if after != nil {
		serveScripted(w, after)
		return
	}
	body := rec.Body.Bytes()
	if odd && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			body = []byte(spaced(v) + "\n")
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// next takes the first entry queued for the longest route prefix of route
// (or for route itself, written with a final "$").
func next[T any](queues map[string][]T, route string) *T {
	best := ""
	for prefix, list := range queues {
		whole, exact := strings.CutSuffix(prefix, "$")
		match := strings.HasPrefix(route, prefix) || (exact && route == whole)
		if match && len(list) > 0 && len(prefix) >= len(best) {
			best = prefix
		}
	}
	if list := queues[best]; len(list) > 0 {
		v := list[0]
		queues[best] = list[1:]
		return &v
	}
	return nil
}

// spaced is v as JSON with a space on each side of every colon.
func spaced(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			name, _ := json.Marshal(k)
			parts[i] = string(name) + " : " + spaced(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = spaced(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// handleAdmin answers a request of the Identity and Policy APIs.
func (s *Server) handleAdmin(w http.ResponseWriter, r *http.Request) {
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
	a := s.adminState()
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
		// As IAM does, the service ID's API keys go with it.
		for kid, k := range a.apikeys {
			if k.IAMID == a.serviceIDs[id].IAMID {
				delete(a.apikeys, kid)
				delete(s.keys, k.Key)
			}
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
		rec := APIKeyRecord{ID: fmt.Sprintf("ApiKey-%08d-aaaa-4bbb-8ccc-%012d", a.seq, a.seq), Name: str("name"), IAMID: owner.IAMID,
			Account: owner.Account, Key: key, Description: str("description")}
		a.apikeys[rec.ID] = rec
		// The key works at the token service at once.
		s.keys[key] = Identity{IAMID: owner.IAMID, Name: owner.Name, SubType: "ServiceId", Account: owner.Account}
		writeJSON(w, http.StatusCreated, map[string]any{"id": rec.ID, "entity_tag": "1-x", "crn": "crn:v1:bluemix:public:iam-identity::a/" + owner.Account + "::apikey:" + rec.ID,
			"locked": false, "created_by": fmt.Sprint(claims["iam_id"]), "name": rec.Name, "iam_id": owner.IAMID, "account_id": owner.Account,
			"description": rec.Description, "apikey": key, "created_at": time.Now().UTC().Format(time.RFC3339)})
	case r.Method == http.MethodGet && r.URL.Path == "/v1/apikeys/details":
		// The key named by its value (IAM-ApiKey), as the caller may see
		// it: a key of another account is not found. *unverified*: the
		// status IAM gives an unknown key here (404 assumed).
		for _, k := range a.apikeys {
			if k.Key == r.Header.Get("IAM-ApiKey") && k.Account == accountOf(claims) {
				writeJSON(w, http.StatusOK, apiKeyJSON(k))
				return
			}
		}
		identityError(w, http.StatusNotFound, "BXNIM0415E", "Provided API key could not be found.")
	case r.Method == http.MethodGet && r.URL.Path == "/v1/apikeys":
		q := r.URL.Query()
		var list []APIKeyRecord
		for _, k := range a.apikeys {
			if k.Account == q.Get("account_id") && (q.Get("iam_id") == "" || k.IAMID == q.Get("iam_id")) {
				list = append(list, k)
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
		page, token := pageOf(len(list), q.Get("pagesize"), q.Get("pagetoken"), 20)
		items := []any{}
		for _, k := range list[page[0]:page[1]] {
			items = append(items, apiKeyJSON(k))
		}
		reply := map[string]any{"offset": page[0], "limit": page[1] - page[0], "apikeys": items}
		if token != "" {
			q.Set("pagetoken", token)
			reply["next"] = "http://" + r.Host + "/v1/apikeys?" + q.Encode()
		}
		writeJSON(w, http.StatusOK, reply)
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
	case r.Method == http.MethodGet && r.URL.Path == "/v1/policies":
		q := r.URL.Query()
		var list []PolicyRecord
		for _, p := range a.policies {
			if p.Account == q.Get("account_id") && (q.Get("iam_id") == "" || p.Subject == q.Get("iam_id")) {
				list = append(list, p)
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
		page, start := pageOf(len(list), q.Get("limit"), q.Get("start"), 50)
		items := []any{}
		for _, p := range list[page[0]:page[1]] {
			items = append(items, policyJSON(p))
		}
		reply := map[string]any{"limit": page[1] - page[0], "policies": items}
		if start != "" {
			reply["next"] = map[string]any{"start": start}
		}
		writeJSON(w, http.StatusOK, reply)
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

// pageOf is the [from, to) window of a listing of n items for a page size
// and a token (the offset, as text), and the token of the next page.
func pageOf(n int, size, token string, def int) ([2]int, string) {
	limit, _ := strconv.Atoi(size)
	if limit <= 0 {
		limit = def
	}
	from, _ := strconv.Atoi(token)
	from = max(0, min(from, n))
	to := min(from+limit, n)
	if to < n {
		return [2]int{from, to}, strconv.Itoa(to)
	}
	return [2]int{from, to}, ""
}

func policyJSON(p PolicyRecord) map[string]any {
	attr := func(name, value string) map[string]any { return map[string]any{"name": name, "value": value} }
	return map[string]any{"id": p.ID, "type": "access", "state": "active",
		"subjects":  []any{map[string]any{"attributes": []any{attr("iam_id", p.Subject)}}},
		"roles":     []any{map[string]any{"role_id": p.Role}},
		"resources": []any{map[string]any{"attributes": []any{attr("accountId", p.Account), attr("serviceName", p.Service), attr("serviceInstance", p.Instance)}}},
	}
}

// apiKeyJSON is a key as IAM describes it, without its value.
func apiKeyJSON(k APIKeyRecord) map[string]any {
	m := map[string]any{"id": k.ID, "name": k.Name, "iam_id": k.IAMID, "account_id": k.Account, "entity_tag": "1-x", "locked": false,
		"crn": "crn:v1:bluemix:public:iam-identity::a/" + k.Account + "::apikey:" + k.ID, "created_at": time.Now().UTC().Format(time.RFC3339)}
	if k.Description != "" {
		m["description"] = k.Description
	}
	return m
}

// accountOf is the account a token's claims name.
func accountOf(claims map[string]any) string {
	a, _ := claims["account"].(map[string]any)
	s, _ := a["bss"].(string)
	return s
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
