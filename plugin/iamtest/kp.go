package iamtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// KeyProtect is a local Key Protect-compatible server for GET /api/v2/keys:
// it checks the bearer token (signed by the IAM test server, not expired),
// the bluemix-instance header and the identity's access to the instance,
// and answers with Key Protect's reply and error shapes.
type KeyProtect struct {
	*httptest.Server
	iam *Server

	mu        sync.Mutex
	instances map[string]*kpInstance
	requests  []KPRequest
	script    []Reply
}

type kpInstance struct {
	keys    int
	allowed map[string]bool // IAM IDs with a role on the instance
}

// KPRequest is what the server saw of one request.
type KPRequest struct {
	Method, Path, Query string
	Authorization       string
	Instance            string
}

// NewKeyProtect starts a server that trusts tokens signed by iam.
func NewKeyProtect(iam *Server) *KeyProtect {
	k := &KeyProtect{iam: iam, instances: map[string]*kpInstance{}}
	k.Server = httptest.NewServer(http.HandlerFunc(k.serve))
	return k
}

// AddInstance creates an instance holding keys keys.
func (k *KeyProtect) AddInstance(id string, keys int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.instances[id] = &kpInstance{keys: keys, allowed: map[string]bool{}}
}

// Allow gives an identity a role on an instance.
func (k *KeyProtect) Allow(id, iamID string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.instances[id].allowed[iamID] = true
}

// Script queues replies served before normal answers resume.
func (k *KeyProtect) Script(r ...Reply) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.script = append(k.script, r...)
}

// Requests returns what the server has seen.
func (k *KeyProtect) Requests() []KPRequest {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]KPRequest(nil), k.requests...)
}

func (k *KeyProtect) serve(w http.ResponseWriter, r *http.Request) {
	req := KPRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization"), Instance: r.Header.Get("Bluemix-Instance")}
	k.mu.Lock()
	k.requests = append(k.requests, req)
	var scripted *Reply
	if len(k.script) > 0 {
		scripted = &k.script[0]
		k.script = k.script[1:]
	}
	k.mu.Unlock()
	if scripted != nil {
		serveScripted(w, scripted)
		return
	}
	if r.URL.Path != "/api/v2/keys" || r.Method != http.MethodGet {
		kpError(w, http.StatusNotFound, "NOT_FOUND_ERR", "Not Found: The requested resource could not be found")
		return
	}
	access, ok := strings.CutPrefix(req.Authorization, "Bearer ")
	claims, err := decodeClaims(access)
	if !ok || err != nil || !k.iam.Verify(access) {
		kpError(w, http.StatusBadRequest, "BEARER_SUB_EXTRACTION_ERR", "Bad Request: The bearer token could not be read")
		return
	}
	if exp, _ := claims["exp"].(float64); time.Unix(int64(exp), 0).Before(time.Now()) {
		kpError(w, http.StatusUnauthorized, "UNAUTHORIZED_ERR", "Unauthorized: The token has expired")
		return
	}
	if req.Instance == "" {
		kpError(w, http.StatusBadRequest, "BAD_REQUEST_ERR", "Bad Request: The bluemix-instance header is missing")
		return
	}
	k.mu.Lock()
	inst, found := k.instances[req.Instance]
	allowed := found && inst.allowed[fmt.Sprint(claims["iam_id"])]
	k.mu.Unlock()
	switch {
	case !found:
		kpError(w, http.StatusNotFound, "INSTANCE_NOT_FOUND_ERR", "Not Found: The instance could not be found")
		return
	case !allowed:
		kpError(w, http.StatusUnauthorized, "UNAUTHORIZED_ERR", "Unauthorized: The user does not have access to the specified resource")
		return
	}
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit <= 0 {
		limit = 200
	}
	n := min(limit, inst.keys)
	keys := make([]map[string]any, n)
	for i := range keys {
		keys[i] = map[string]any{"type": "application/vnd.ibm.kms.key+json", "id": fmt.Sprintf("key-%04d", i), "name": fmt.Sprintf("key %d", i), "state": 1, "extractable": false}
	}
	meta := map[string]any{"collectionType": "application/vnd.ibm.kms.key+json", "collectionTotal": n}
	if r.URL.Query().Get("totalCount") == "true" {
		meta["totalCount"] = inst.keys
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"metadata": meta, "resources": keys})
}

func kpError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"metadata": map[string]any{"collectionType": "application/vnd.ibm.kms.error+json", "collectionTotal": 1},
		"resources": []any{map[string]any{"errorMsg": msg, "reasons": []any{map[string]any{
			"code": code, "message": strings.TrimSpace(msg[strings.Index(msg, ":")+1:]), "status": status,
			"moreInfo": "https://cloud.ibm.com/apidocs/key-protect"}}}},
	})
}

func decodeClaims(jwt string) (map[string]any, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

// serveScripted writes a scripted reply (shared by the test servers).
func serveScripted(w http.ResponseWriter, r *Reply) {
	time.Sleep(r.Delay)
	if r.Reset {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tcp, ok := conn.(interface{ SetLinger(int) error }); ok {
					_ = tcp.SetLinger(0) // RST rather than FIN
				}
				conn.Close()
				return
			}
		}
	}
	for k, v := range r.Header {
		w.Header().Set(k, v)
	}
	if r.ContentType != "" {
		w.Header().Set("Content-Type", r.ContentType)
	}
	w.WriteHeader(r.Status)
	_, _ = w.Write([]byte(r.Body))
}
