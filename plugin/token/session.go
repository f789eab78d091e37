package token

import (
	"errors"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/authentication"

	"github.com/kp-token/kp-token/plugin/endpoint"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/httpclient"
)

// Session is the part of the SDK's PluginContext that holds the CLI's login.
type Session interface {
	IAMToken() string
	IAMRefreshToken() string
	RefreshIAMToken() (string, error)
	// IsLoggedInAsCRI and CRIType tell a compute-resource session (VPC,
	// PowerVS), which the SDK renews through the instance metadata service
	// and which has no refresh token.
	IsLoggedInAsCRI() bool
	CRIType() string
	// VPCCRITokenURL is the metadata service the SDK renews a VPC session
	// through: IBMCLOUD_CR_VPC_URL, else the SDK's default.
	VPCCRITokenURL() string
}

// Renewer renews the CLI session as a critical section: it returns a
// session access token ("Bearer ...") that stays valid for longer than
// minValidity, one another process renewed since previous was read, or a
// new one (ConfigSession).
type Renewer interface {
	Renew(previous string, minValidity time.Duration, now func() time.Time) (string, error)
}

// SessionRequest says how fresh a session token must be.
type SessionRequest struct {
	MinValidity time.Duration
	Force       bool // renew even if the token is fresh enough ('refresh')
	Now         time.Time
	URL         string // for messages
	Timeout     time.Duration
	// Renewer, when set, renews as a critical section (ConfigSession);
	// without it the PluginContext renews on its own.
	Renewer Renewer
	// EndpointErr is why the IAM endpoint cannot be used (a private session
	// without a private IAM endpoint, plain http). It only matters when the
	// token must be renewed: a fresh token needs no network.
	EndpointErr error
}

// FromSession returns the CLI session's token, renewed through the SDK
// (PluginContext.RefreshIAMToken, which also writes the renewed session back
// to the CLI's config) when it expires within MinValidity. The bool reports
// whether it was renewed.
func FromSession(s Session, req SessionRequest) (Token, bool, error) {
	access, refresh := s.IAMToken(), s.IAMRefreshToken()
	cri := s.IsLoggedInAsCRI() && (s.CRIType() == "VPC" || s.CRIType() == "PVS")
	if StripBearer(access) == "" && refresh == "" && !cri {
		return Token{}, false, failure.New("session_none", nil).WithRemedy("session_none_remedy", nil)
	}
	t, err := fromAccessToken(access, req.Now)
	fresh := err == nil && t.ExpiresAt().Sub(req.Now) > req.MinValidity
	if fresh && !req.Force {
		return t, false, nil
	}
	if err == nil && !req.Force {
		// Renewing cannot help when the session's tokens are issued for
		// less than MinValidity.
		if err := CheckLifetime(t, req.MinValidity); err != nil {
			return Token{}, false, err
		}
	}
	if req.EndpointErr != nil && !cri {
		return Token{}, false, req.EndpointErr
	}
	if cri && s.CRIType() == "VPC" {
		// The SDK would hand the instance's identity to this URL.
		if _, err := endpoint.Metadata(s.VPCCRITokenURL(), "IBMCLOUD_CR_VPC_URL"); err != nil {
			return Token{}, false, err
		}
	}
	if refresh == "" && !cri {
		if s.IsLoggedInAsCRI() {
			// IKS and other compute resources: the CLI itself cannot renew
			// these sessions without the compute resource token.
			data := map[string]any{"Type": s.CRIType()}
			return Token{}, false, failure.New("session_cri_cannot_renew", data).WithRemedy("session_cri_remedy", nil)
		}
		if bare := StripBearer(access); err != nil && bare != "" && !ValidAccessToken(bare) {
			return Token{}, false, failure.New("session_token_malformed", nil).WithRemedy("session_login_remedy", nil)
		}
		if fresh {
			// 'refresh' on a session that cannot be renewed but is still valid.
			return Token{}, false, failure.New("session_no_refresh_token", nil).WithRemedy("session_login_remedy", nil)
		}
		if err == nil && t.ExpiresAt().After(req.Now) {
			// Still valid, only not for --min-validity: not "expired".
			data := map[string]any{"Left": failure.Duration(t.ExpiresAt().Sub(req.Now))}
			return Token{}, false, failure.New("session_cannot_renew", data).WithRemedy("session_login_remedy", nil)
		}
		return Token{}, false, failure.New("session_expired", nil).WithRemedy("session_login_remedy", nil)
	}
	var renewed string
	if req.Renewer != nil {
		renewed, err = req.Renewer.Renew(access, req.MinValidity, func() time.Time { return req.Now })
	} else {
		renewed, err = s.RefreshIAMToken()
	}
	if err == nil {
		_, err = splitAuthorization(renewed)
	}
	if err != nil {
		if _, ok := failure.As(err); ok {
			return Token{}, false, err
		}
		var shape *shapeError
		if errors.As(err, &shape) {
			return Token{}, false, shapeFailure(err, req.URL)
		}
		var status *failure.ExitStatus
		if errors.As(err, &status) {
			return Token{}, false, err
		}
		return Token{}, false, sessionRefreshError(err, req)
	}
	t, err = fromAccessToken(renewed, req.Now)
	if err != nil {
		return Token{}, false, unexpectedReply(200, req.URL)
	}
	return t, true, nil
}

// sessionRefreshError maps the SDK IAM client's errors.
func sessionRefreshError(err error, req SessionRequest) error {
	var (
		expired  *authentication.RefreshTokenExpiryError
		invalid  *authentication.InvalidTokenError
		inactive *authentication.SessionInactiveError
		server   *authentication.ServerError
	)
	switch {
	case errors.As(err, &expired), errors.As(err, &invalid), errors.As(err, &inactive):
		return failure.New("session_refresh_rejected", nil).WithRemedy("session_login_remedy", nil).Wrap(err)
	case errors.As(err, &server):
		data := map[string]any{"Status": server.StatusCode, "Code": server.ErrorCode, "Message": server.Description, "URL": req.URL}
		if server.StatusCode == 429 || server.StatusCode >= 500 {
			return failure.New("iam_unavailable_code", data).WithRemedy("iam_unavailable_remedy", nil).
				WithKind(failure.KindUnavailable).Wrap(err)
		}
		return failure.New("iam_rejected", data).WithRemedy("session_login_remedy", nil).WithKind(failure.KindRejected).Wrap(err)
	}
	return httpclient.Failure(err, failure.ServiceIAM, req.URL, req.Timeout)
}
