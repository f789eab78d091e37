// Package iamtest is a local IAM-compatible token service for kp-token's
// tests and demo. It answers POST /identity/token the way IAM does: form
// fields checked, IAM's JSON reply and error shapes (errorCode BXNIM...),
// RS256-signed JWT access tokens with real iat/exp claims, refresh tokens
// only for a client that authenticates (as IAM does for the CLI's bx:bx),
// "not_supported" otherwise. Replies can be scripted to simulate HTML
// pages, broken JSON, 429 and 5xx, and slowness.
package iamtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Identity is who an API key or refresh token belongs to.
type Identity struct {
	IAMID   string // iam-ServiceId-..., IBMid-...
	Name    string
	Email   string // users only
	SubType string // "ServiceId", "Profile", or "" for users
	Account string
}

// ServiceID is a ready-made service ID identity.
var ServiceID = Identity{
	IAMID: "iam-ServiceId-6f2a1c1e-4d1b-4bb1-9c51-2f0a9d4e7b10", Name: "kp-automation",
	SubType: "ServiceId", Account: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
}

// User is a ready-made user identity.
var User = Identity{
	IAMID: "IBMid-550000ABCD", Name: "Camille Dupont", Email: "camille.dupont@example.com",
	Account: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
}

// Reply is a scripted answer, served instead of the normal one.
type Reply struct {
	Status      int
	ContentType string
	Body        string
	Header      map[string]string
	Delay       time.Duration
	// Reset closes the connection without an answer, as a peer that
	// resets it would.
	Reset bool
}

// Request is what the server saw of one token request.
type Request struct {
	Form          map[string]string
	BasicUser     string
	BasicPassword string
	ContentType   string
	Accept        string
	At            time.Time
}

// Server is the IAM-compatible test server.
type Server struct {
	*httptest.Server
	TTL time.Duration

	key *rsa.PrivateKey
	mu  sync.Mutex
	// keys maps API keys to identities; refresh maps refresh tokens.
	keys     map[string]Identity
	refresh  map[string]refreshEntry
	script   []Reply
	requests []Request
	delay    time.Duration
	now      func() time.Time
	adm      *admin
	profiles map[string]*TrustedProfile
	fault    Fault
}

type refreshEntry struct {
	id      Identity
	expires time.Time
}

// New starts a server on a loopback port.
func New() *Server {
	s := &Server{
		TTL:     time.Hour,
		key:     signingKey(),
		keys:    map[string]Identity{},
		refresh: map[string]refreshEntry{},
		now:     time.Now,
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

// signingKey is shared by every server in a process: generating an RSA key
// costs more than a whole test.
func signingKey() *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return key
}

// AddAPIKey registers an API key.
func (s *Server) AddAPIKey(key string, id Identity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[key] = id
}

// Script queues replies served, in order, before normal answers resume.
func (s *Server) Script(r ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, r...)
}

// SetDelay makes every normal answer wait d.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetClock shifts the server's clock: with a negative offset, the tokens
// it issues are that old already (issued in the past, expiring sooner).
func (s *Server) SetClock(offset time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = func() time.Time { return time.Now().Add(offset) }
}

// ExpireRefreshTokens makes every issued refresh token expired.
func (s *Server) ExpireRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.refresh {
		e.expires = s.now().Add(-time.Minute)
		s.refresh[k] = e
	}
}

// Requests returns what the server has seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count is the number of token requests seen.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// IssueRefreshToken registers a refresh token for id, as IAM would have
// issued at login (for writing sessions).
func (s *Server) IssueRefreshToken(id Identity) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := randomToken()
	s.refresh[rt] = refreshEntry{id: id, expires: s.now().Add(30 * 24 * time.Hour)}
	return rt
}

// AccessToken signs an access token for id that expires after ttl (negative
// for an expired one). grant is the grant_type claim.
func (s *Server) AccessToken(id Identity, grant string, ttl time.Duration) string {
	now := s.now()
	claims := map[string]any{
		"iam_id":     id.IAMID,
		"id":         id.IAMID,
		"realmid":    realm(id),
		"identifier": strings.TrimPrefix(id.IAMID, "iam-"),
		"name":       id.Name,
		"sub":        sub(id),
		"account":    map[string]any{"valid": true, "bss": id.Account, "frozen": true},
		// Issued a whole lifetime before it expires, as a real token that
		// has ttl left was: a token with 4 minutes left is 56 minutes old.
		"iat":        now.Add(ttl - max(s.TTL, ttl)).Unix(),
		"exp":        now.Add(ttl).Unix(),
		"iss":        "https://iam.cloud.ibm.com/identity",
		"grant_type": grant,
		"scope":      "ibm openid",
		"client_id":  "bx",
		"acr":        1,
		"amr":        []string{"pwd"},
		// IAM tokens issued in the same second still differ; so do these.
		"jti": randomToken()[:16],
	}
	if id.SubType != "" {
		claims["sub_type"] = id.SubType
	}
	if id.Email != "" {
		claims["email"] = id.Email
		claims["session_id"] = "C-" + randomToken()[:16]
	}
	return s.sign(claims)
}

func realm(id Identity) string {
	if id.SubType == "ServiceId" {
		return "iam"
	}
	return "IBMid"
}

func sub(id Identity) string {
	if id.Email != "" {
		return id.Email
	}
	return strings.TrimPrefix(id.IAMID, "iam-")
}

// SignClaims signs arbitrary claims (for tests of odd tokens).
func (s *Server) SignClaims(claims map[string]any) string { return s.sign(claims) }

func (s *Server) sign(claims map[string]any) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"kid": "20261101", "alg": "RS256"})
	payload, _ := json.Marshal(claims)
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return signing + "." + enc.EncodeToString(sig)
}

// Verify checks a token's signature with the server's key (for tests that
// want to know a token really came from here).
func (s *Server) Verify(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	return rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, sum[:], sig) == nil
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/v1/") {
		s.serveAdmin(w, r)
		return
	}
	if r.URL.Path != "/identity/token" {
		writeError(w, http.StatusNotFound, "BXNIM0100E", "Not found.")
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "BXNIM0101E", "Method not allowed.")
		return
	}
	_ = r.ParseForm()
	req := Request{Form: map[string]string{}, ContentType: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept"), At: time.Now()}
	for k := range r.PostForm {
		req.Form[k] = r.PostForm.Get(k)
	}
	req.BasicUser, req.BasicPassword, _ = r.BasicAuth()

	s.mu.Lock()
	s.requests = append(s.requests, req)
	var scripted *Reply
	if len(s.script) > 0 {
		scripted = &s.script[0]
		s.script = s.script[1:]
	}
	delay := s.delay
	var hold *Hold
	if h := next(s.adminState().holds, "POST /identity/token"); h != nil && scripted == nil {
		hold = *h
	}
	s.mu.Unlock()

	if scripted != nil {
		serveScripted(w, scripted)
		return
	}
	if hold != nil {
		// HoldNext("POST /identity/token"): the answer is made, then held.
		rec := httptest.NewRecorder()
		s.answer(rec, r, req, delay)
		close(hold.Arrived)
		select {
		case <-hold.release:
		case <-r.Context().Done():
			return
		case <-time.After(time.Minute):
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	s.answer(w, r, req, delay)
}

// answer answers a token request after delay.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, req Request, delay time.Duration) {
	// A client that goes away (a signal during the exchange) ends the wait,
	// so that Close does not wait for the whole delay.
	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		return
	}

	if !strings.HasPrefix(req.ContentType, "application/x-www-form-urlencoded") {
		writeError(w, http.StatusBadRequest, "BXNIM0109E", "Property 'grant_type' missing or empty.")
		return
	}
	switch req.Form["grant_type"] {
	case "urn:ibm:params:oauth:grant-type:apikey":
		s.apikeyGrant(w, req)
	case "refresh_token":
		s.refreshGrant(w, req)
	case "urn:ibm:params:oauth:grant-type:cr-token":
		s.crTokenGrant(w, req)
	case "urn:ibm:params:oauth:grant-type:assume":
		s.assumeGrant(w, req)
	case "":
		writeError(w, http.StatusBadRequest, "BXNIM0109E", "Property 'grant_type' missing or empty.")
	default:
		writeError(w, http.StatusBadRequest, "BXNIM0103E", "Grant type not supported.")
	}
}

func (s *Server) apikeyGrant(w http.ResponseWriter, req Request) {
	key := req.Form["apikey"]
	if key == "" {
		writeError(w, http.StatusBadRequest, "BXNIM0109E", "Property 'apikey' missing or empty.")
		return
	}
	s.mu.Lock()
	id, ok := s.keys[key]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusBadRequest, "BXNIM0415E", "Provided API key could not be found.")
		return
	}
	s.issue(w, req, id, "urn:ibm:params:oauth:grant-type:apikey")
}

func (s *Server) refreshGrant(w http.ResponseWriter, req Request) {
	if req.BasicUser == "" {
		writeError(w, http.StatusBadRequest, "BXNIM0109E", "Property 'client_id' missing or empty.")
		return
	}
	s.mu.Lock()
	e, ok := s.refresh[req.Form["refresh_token"]]
	s.mu.Unlock()
	switch {
	case !ok:
		writeError(w, http.StatusBadRequest, "BXNIM0407E", "Provided refresh token is invalid.")
	case s.now().After(e.expires):
		writeError(w, http.StatusBadRequest, "BXNIM0408E", "Provided refresh token is expired.")
	default:
		s.issue(w, req, e.id, "refresh_token")
	}
}

func (s *Server) issue(w http.ResponseWriter, req Request, id Identity, grant string) {
	now := s.now()
	refresh := "not_supported"
	if req.BasicUser == "bx" && req.BasicPassword == "bx" {
		refresh = randomToken()
		s.mu.Lock()
		s.refresh[refresh] = refreshEntry{id: id, expires: now.Add(30 * 24 * time.Hour)}
		s.mu.Unlock()
	}
	access, typ := s.hostile(grant, s.AccessToken(id, grant, s.TTL), "Bearer")
	reply := map[string]any{
		"access_token":  access,
		"refresh_token": refresh,
		"token_type":    typ,
		"expires_in":    int(s.TTL.Seconds()),
		"expiration":    now.Add(s.TTL).Unix(),
		"scope":         "ibm openid",
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(reply)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errorCode":    code,
		"errorMessage": msg,
		"errorDetails": msg,
		"context": map[string]any{
			"requestId":   randomToken()[:32],
			"requestType": "incoming.Identity_Token",
			"startTime":   time.Now().UTC().Format("02.01.2006 15:04:05:000 MST"),
		},
	})
}

// String describes the server for logs.
func (s *Server) String() string { return fmt.Sprintf("iamtest(%s)", s.URL) }
