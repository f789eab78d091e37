package iamtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// TrustedProfile is a trusted profile the IAM test server knows: which
// compute resource tokens, VPC instances and identities may use it.
type TrustedProfile struct {
	ID, Name, Account string
	// CRTokens are the compute resource tokens its rules trust.
	CRTokens map[string]bool
	// Instances are the VPC instances linked to it.
	Instances map[string]bool
	// Assumers are the IAM IDs allowed to assume it.
	Assumers map[string]bool
}

// CRN is the profile's CRN.
func (p *TrustedProfile) CRN() string {
	return "crn:v1:bluemix:public:iam-identity::a/" + p.Account + "::profile:" + p.ID
}

func (p *TrustedProfile) identity() Identity {
	return Identity{IAMID: "iam-" + p.ID, Name: p.Name, SubType: "Profile", Account: p.Account}
}

// AddProfile registers a trusted profile.
func (s *Server) AddProfile(p *TrustedProfile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.profiles == nil {
		s.profiles = map[string]*TrustedProfile{}
	}
	s.profiles[p.ID] = p
}

// findProfile resolves a profile by ID, CRN, or name and account.
func (s *Server) findProfile(id, crn, name, account string) *TrustedProfile {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.profiles {
		if (id != "" && p.ID == id) || (crn != "" && p.CRN() == crn) || (name != "" && p.Name == name && (account == "" || p.Account == account)) {
			return p
		}
	}
	return nil
}

// crTokenGrant answers grant_type=urn:ibm:params:oauth:grant-type:cr-token.
func (s *Server) crTokenGrant(w http.ResponseWriter, req Request) {
	cr := req.Form["cr_token"]
	if cr == "" {
		writeError(w, http.StatusBadRequest, "BXNIM0109E", "Property 'cr_token' missing or empty.")
		return
	}
	p := s.findProfile(req.Form["profile_id"], "", req.Form["profile_name"], "")
	switch {
	case p == nil:
		writeError(w, http.StatusBadRequest, "BXNIM0514E", "Trusted profile not found.")
	case !p.CRTokens[cr]:
		writeError(w, http.StatusBadRequest, "BXNIM0522E", "The compute resource token is not trusted by the trusted profile.")
	default:
		s.issueProfile(w, p, "urn:ibm:params:oauth:grant-type:cr-token")
	}
}

// assumeGrant answers grant_type=urn:ibm:params:oauth:grant-type:assume.
func (s *Server) assumeGrant(w http.ResponseWriter, req Request) {
	claims, err := decodeClaims(req.Form["access_token"])
	if err != nil || !s.Verify(req.Form["access_token"]) {
		writeError(w, http.StatusBadRequest, "BXNIM0407E", "Provided access token is invalid.")
		return
	}
	if req.Form["profile_name"] != "" && req.Form["account"] == "" {
		writeError(w, http.StatusBadRequest, "BXNIM0109E", "Property 'account' missing or empty.")
		return
	}
	p := s.findProfile(req.Form["profile_id"], req.Form["profile_crn"], req.Form["profile_name"], req.Form["account"])
	switch {
	case p == nil:
		writeError(w, http.StatusBadRequest, "BXNIM0514E", "Trusted profile not found.")
	case !p.Assumers[claims["iam_id"].(string)]:
		writeError(w, http.StatusForbidden, "BXNIM0530E", "The identity is not allowed to assume the trusted profile.")
	default:
		s.issueProfile(w, p, "urn:ibm:params:oauth:grant-type:assume")
	}
}

// issueProfile answers with a trusted-profile token: no usable refresh
// token comes back for these grants.
func (s *Server) issueProfile(w http.ResponseWriter, p *TrustedProfile, grant string) {
	now := s.now()
	access, typ := s.hostile(grant, s.AccessToken(p.identity(), grant, s.TTL), "Bearer")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": access, "refresh_token": "not_supported",
		"token_type": typ, "expires_in": int(s.TTL.Seconds()), "expiration": now.Add(s.TTL).Unix(),
	})
}

// Metadata is a VPC instance metadata service: the instance identity token
// (PUT .../token, Metadata-Flavor: ibm) and its exchange for an IAM token
// of a linked trusted profile (POST .../iam_token(s)), at the paths of both
// API versions the CLI SDK and go-sdk-core use.
type Metadata struct {
	*httptest.Server
	iam      *Server
	Instance string

	mu       sync.Mutex
	issued   map[string]bool
	requests []string
}

// NewMetadata starts a metadata service for one VPC instance.
func NewMetadata(iam *Server, instance string) *Metadata {
	m := &Metadata{iam: iam, Instance: instance, issued: map[string]bool{}}
	m.Server = httptest.NewServer(http.HandlerFunc(m.serve))
	return m
}

// Requests lists "METHOD path?query" of what the service saw.
func (m *Metadata) Requests() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.requests...)
}

func (m *Metadata) serve(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.requests = append(m.requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	m.mu.Unlock()
	version := r.URL.Query().Get("version")
	switch {
	case r.Method == http.MethodPut && (r.URL.Path == "/instance_identity/v1/token" || r.URL.Path == "/identity/v1/token"):
		// VPC sends the version; PowerVS sends neither it nor more.
		if r.Header.Get("Metadata-Flavor") != "ibm" {
			metadataError(w, http.StatusBadRequest, "missing_metadata_flavor", "The Metadata-Flavor header and version are required.")
			return
		}
		tok := "instance-identity-" + randomToken()
		m.mu.Lock()
		m.issued[tok] = true
		m.mu.Unlock()
		now := time.Now().UTC()
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "created_at": now.Format(time.RFC3339),
			"expires_at": now.Add(5 * time.Minute).Format(time.RFC3339), "expires_in": 300})
	case r.Method == http.MethodPost && (r.URL.Path == "/instance_identity/v1/iam_token" || r.URL.Path == "/identity/v1/iam_tokens"):
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		m.mu.Lock()
		ok := m.issued[tok]
		m.mu.Unlock()
		// VPC sends the version, PowerVS the Metadata-Flavor header.
		if !ok || (version == "" && r.Header.Get("Metadata-Flavor") != "ibm") {
			metadataError(w, http.StatusUnauthorized, "not_authorized", "The instance identity token is not valid.")
			return
		}
		var body struct {
			TrustedProfile struct{ ID, CRN, Name string } `json:"trusted_profile"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		tp := body.TrustedProfile
		p := m.iam.findProfile(tp.ID, tp.CRN, tp.Name, "")
		switch {
		case p == nil:
			metadataError(w, http.StatusBadRequest, "iam_profile_not_found", "Trusted profile not found.")
		case !p.Instances[m.Instance]:
			metadataError(w, http.StatusForbidden, "iam_profile_not_linked", "The instance is not linked to the trusted profile.")
		default:
			now := time.Now().UTC()
			access, _ := m.iam.hostile("vpc", m.iam.AccessToken(p.identity(), "urn:ibm:params:oauth:grant-type:cr-token", m.iam.TTL), "")
			writeJSON(w, http.StatusOK, map[string]any{"access_token": access,
				"created_at": now.Format(time.RFC3339), "expires_at": now.Add(m.iam.TTL).Format(time.RFC3339), "expires_in": int(m.iam.TTL.Seconds())})
		}
	default:
		metadataError(w, http.StatusNotFound, "not_found", "Not found.")
	}
}

func metadataError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"errors": []any{map[string]any{"code": code, "message": msg}},
		"trace": randomToken()[:32]})
}
