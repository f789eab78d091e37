package iamtest

// Fault makes the server's successful token replies hostile, the way an
// attacker's server (or one in its hands) would answer: the reply keeps
// IAM's shape, with a token_type or an access token chosen to break out of
// the lines kp-token prints.
type Fault struct {
	// TokenType replaces "Bearer" in token replies.
	TokenType string
	// Mangle rewrites each signed access token before it is sent, in
	// IAM's replies and the VPC metadata service's.
	Mangle func(access string) string
	// Grant limits the fault to replies for one grant_type (the assume
	// grant's own API-key exchange stays clean, say), or to the metadata
	// service's with "vpc"; empty for all.
	Grant string
}

// SetFault applies f to every token reply from now on; the zero Fault
// ends it.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// hostile applies the fault to an access token and its type, issued for
// grant.
func (s *Server) hostile(grant, access, typ string) (string, string) {
	s.mu.Lock()
	f := s.fault
	s.mu.Unlock()
	if f.Grant != "" && f.Grant != grant {
		return access, typ
	}
	if f.Mangle != nil {
		access = f.Mangle(access)
	}
	if f.TokenType != "" {
		typ = f.TokenType
	}
	return access, typ
}
