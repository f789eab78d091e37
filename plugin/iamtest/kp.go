package iamtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// KeyProtect is a local Key Protect-compatible server for the keys API:
// GET /api/v2/keys (offset, limit, totalCount), HEAD /api/v2/keys
// (Key-Total), POST /api/v2/keys (a key created, 201) and GET
// /api/v2/keys/ID. It checks the bearer token (signed by the IAM test
// server, not expired), the bluemix-instance header and the identity's
// access to the instance, and answers with Key Protect's reply and error
// shapes.
type KeyProtect struct {
	*httptest.Server
	iam *Server

	mu        sync.Mutex
	instances map[string]*kpInstance
	requests  []KPRequest
	script    []Reply
	fault     KPFault
	created   int
}

type kpInstance struct {
	keys    []map[string]any
	allowed map[string]bool // IAM IDs with a role on the instance
}

// KPRequest is what the server saw of one request.
type KPRequest struct {
	Method, Path, Query string
	Authorization       string
	Instance            string
	ContentType         string
	Header              http.Header
	Body                string
	At                  time.Time
}

// KeyType is the media type of a key and of the collections of keys.
const KeyType = "application/vnd.ibm.kms.key+json"

// KPFault makes the server answer the requests of one method with Reply
// instead of its own answer, Times times. With Done, the request is carried
// out first (a POST creates its key) and the reply hides that: the client
// cannot tell whether it was done, as after a connection lost mid-answer.
type KPFault struct {
	Method string // "" for every method
	Reply  Reply
	Times  int
	Done   bool
	// Skip lets that many requests of the method through first (a fault
	// on the second page).
	Skip int
}

// NewKeyProtect starts a server that trusts tokens signed by iam.
func NewKeyProtect(iam *Server) *KeyProtect {
	k := &KeyProtect{iam: iam, instances: map[string]*kpInstance{}}
	k.Server = httptest.NewServer(http.HandlerFunc(k.serve))
	return k
}

// AddInstance creates an instance holding keys keys (key-0000, key-0001...).
func (k *KeyProtect) AddInstance(id string, keys int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	inst := &kpInstance{allowed: map[string]bool{}}
	for i := range keys {
		inst.keys = append(inst.keys, map[string]any{"type": KeyType, "id": fmt.Sprintf("key-%04d", i),
			"name": fmt.Sprintf("key %d", i), "state": 1, "extractable": false})
	}
	k.instances[id] = inst
}

// Allow gives an identity a role on an instance.
func (k *KeyProtect) Allow(id, iamID string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.instances[id].allowed[iamID] = true
}

// Keys returns the keys an instance holds, oldest first.
func (k *KeyProtect) Keys(id string) []map[string]any {
	k.mu.Lock()
	defer k.mu.Unlock()
	if inst, ok := k.instances[id]; ok {
		return append([]map[string]any(nil), inst.keys...)
	}
	return nil
}

// Script queues replies served before normal answers resume.
func (k *KeyProtect) Script(r ...Reply) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.script = append(k.script, r...)
}

// SetFault applies f from now on; the zero KPFault ends it.
func (k *KeyProtect) SetFault(f KPFault) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fault = f
}

// Requests returns what the server has seen.
func (k *KeyProtect) Requests() []KPRequest {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]KPRequest(nil), k.requests...)
}

func (k *KeyProtect) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	req := KPRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Authorization: r.Header.Get("Authorization"), Instance: r.Header.Get("Bluemix-Instance"),
		ContentType: r.Header.Get("Content-Type"), Header: r.Header.Clone(), Body: string(body), At: time.Now()}
	k.mu.Lock()
	k.requests = append(k.requests, req)
	var scripted, fault *Reply
	done := false
	switch {
	case len(k.script) > 0:
		scripted = &k.script[0]
		k.script = k.script[1:]
	case k.fault.Times > 0 && (k.fault.Method == "" || k.fault.Method == r.Method):
		if k.fault.Skip > 0 {
			k.fault.Skip--
			break
		}
		k.fault.Times--
		f := k.fault.Reply
		fault, done = &f, k.fault.Done
	}
	k.mu.Unlock()
	switch {
	case scripted != nil:
		serveScripted(w, scripted)
	case fault != nil && done:
		k.answer(httptest.NewRecorder(), r, req, body)
		serveScripted(w, fault)
	case fault != nil:
		serveScripted(w, fault)
	default:
		k.answer(w, r, req, body)
	}
}

// answer is the server's own answer to a request.
func (k *KeyProtect) answer(w http.ResponseWriter, r *http.Request, req KPRequest, body []byte) {
	id, isKey := strings.CutPrefix(r.URL.Path, "/api/v2/keys/")
	collection := r.URL.Path == "/api/v2/keys"
	switch {
	case collection && (r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodPost):
	case isKey && id != "" && !strings.Contains(id, "/") && r.Method == http.MethodGet:
	default:
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
	defer k.mu.Unlock()
	inst, found := k.instances[req.Instance]
	allowed := found && inst.allowed[fmt.Sprint(claims["iam_id"])]
	switch {
	case !found:
		kpError(w, http.StatusNotFound, "INSTANCE_NOT_FOUND_ERR", "Not Found: The instance could not be found")
	case !allowed:
		kpError(w, http.StatusUnauthorized, "UNAUTHORIZED_ERR", "Unauthorized: The user does not have access to the specified resource")
	case isKey:
		k.getKey(w, inst, id)
	case r.Method == http.MethodHead:
		w.Header().Set("Key-Total", strconv.Itoa(len(inst.keys)))
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodPost:
		k.createKey(w, inst, req, body)
	default:
		listKeys(w, r, inst)
	}
}

// listKeys answers GET /api/v2/keys: the page offset..offset+limit (limit
// 200 by default, at most 5000), collectionTotal the keys on the page.
func listKeys(w http.ResponseWriter, r *http.Request, inst *kpInstance) {
	q := r.URL.Query()
	limit, offset := 200, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			kpError(w, http.StatusBadRequest, "BAD_PARAMETER_ERR", "Bad Request: limit must be a number from 1 to 5000")
			return
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			kpError(w, http.StatusBadRequest, "BAD_PARAMETER_ERR", "Bad Request: offset must be a number from 0")
			return
		}
		offset = n
	}
	page := []map[string]any{}
	if offset < len(inst.keys) {
		page = inst.keys[offset:min(offset+limit, len(inst.keys))]
	}
	meta := map[string]any{"collectionType": KeyType, "collectionTotal": len(page)}
	if q.Get("totalCount") == "true" {
		meta["totalCount"] = len(inst.keys)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"metadata": meta, "resources": page})
}

func (k *KeyProtect) getKey(w http.ResponseWriter, inst *kpInstance, id string) {
	for _, key := range inst.keys {
		if key["id"] == id {
			writeKeys(w, http.StatusOK, key)
			return
		}
	}
	kpError(w, http.StatusNotFound, "KEY_NOT_FOUND_ERR", "Not Found: Key does not exist")
}

// createKey answers POST /api/v2/keys: the key's content type, then the
// body's shape, as Key Protect checks them.
func (k *KeyProtect) createKey(w http.ResponseWriter, inst *kpInstance, req KPRequest, body []byte) {
	if mt, _, err := mime.ParseMediaType(req.ContentType); err != nil || mt != KeyType {
		kpError(w, http.StatusUnsupportedMediaType, "BAD_CONTENT_TYPE_ERR", "Unsupported Media Type: The content type must be "+KeyType)
		return
	}
	var doc struct {
		Metadata struct {
			CollectionType  string `json:"collectionType"`
			CollectionTotal int    `json:"collectionTotal"`
		} `json:"metadata"`
		Resources []map[string]any `json:"resources"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Metadata.CollectionType != KeyType ||
		doc.Metadata.CollectionTotal != 1 || len(doc.Resources) != 1 {
		kpError(w, http.StatusBadRequest, "BAD_BODY_ERR", "Bad Request: Invalid body data was passed")
		return
	}
	name, _ := doc.Resources[0]["name"].(string)
	if name == "" {
		kpError(w, http.StatusBadRequest, "BAD_BODY_ERR", "Bad Request: The key needs a name")
		return
	}
	k.created++
	key := map[string]any{"type": KeyType, "id": fmt.Sprintf("created-%04d", k.created), "name": name, "state": 1,
		"extractable": doc.Resources[0]["extractable"] == true, "crn": "crn:v1:bluemix:public:kms:us-south:a/test:" + req.Instance + ":key:created",
		"creationDate": time.Now().UTC().Format(time.RFC3339)}
	inst.keys = append(inst.keys, key)
	writeKeys(w, http.StatusCreated, key)
}

func writeKeys(w http.ResponseWriter, status int, keys ...map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"metadata":  map[string]any{"collectionType": KeyType, "collectionTotal": len(keys)},
		"resources": keys,
	})
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
