package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
)

// Failure turns an error that happened before a server answered into a
// localized failure: what could not be done (service and URL), why in words
// (TLS, DNS, refused, proxy, timeout, redirect, size), and the Go error
// text on a detail line for whoever has to dig further.
func Failure(err error, service, endpoint string, timeout time.Duration) *failure.Failure {
	data := map[string]any{"Service": service, "URL": endpoint, "Seconds": strconv.Itoa(int(timeout.Seconds()))}
	var (
		redirect *RedirectError
		tooLarge *TooLargeError
	)
	switch {
	case errors.As(err, &redirect):
		data["Status"], data["Host"] = redirect.Status, redirect.Host
		return failure.New("net_redirect_refused", data).WithRemedy("net_redirect_remedy", data).Wrap(err)
	case errors.As(err, &tooLarge):
		return failure.New("net_too_large", data).WithRemedy("net_unexpected_remedy", data).Wrap(err)
	case isTimeout(err):
		return failure.New("net_timeout", data).WithRemedy("net_timeout_remedy", nil).Wrap(err).WithDetail(detail(err))
	}
	reason, reasonData := Reason(err)
	id := "net_request_failed"
	if reason != "" && reason != "net_reason_reset" {
		id = "net_unreachable"
	}
	return failure.New(id, data).WithReason(reason, reasonData).
		WithRemedy("net_unreachable_remedy", data).Wrap(err).WithDetail(detail(err))
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout())
}

// Reason names why a connection failed, as a message ID ("" when unknown).
func Reason(err error) (string, map[string]any) {
	var (
		dnsErr   *net.DNSError
		opErr    *net.OpError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
	)
	msg := err.Error()
	switch {
	case strings.Contains(msg, "server gave HTTP response to HTTPS client"), errors.As(err, &record):
		return "net_reason_http_server", nil
	case errors.As(err, &unknown):
		return "net_reason_tls_unknown_authority", nil
	case errors.As(err, &hostname):
		return "net_reason_tls_hostname", map[string]any{"Host": hostname.Host}
	case errors.As(err, &invalid), errors.As(err, &verify), errors.As(err, &alert), strings.Contains(msg, "tls: "):
		return "net_reason_tls", nil
	case errors.As(err, &opErr) && opErr.Op == "proxyconnect":
		return "net_reason_proxy", nil
	case errors.As(err, &dnsErr):
		return "net_reason_dns", map[string]any{"Host": dnsErr.Name}
	case errors.Is(err, syscall.ECONNREFUSED):
		return "net_reason_refused", nil
	case errors.Is(err, syscall.ECONNRESET), strings.Contains(msg, "connection reset"), strings.Contains(msg, "EOF"):
		return "net_reason_reset", nil
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return "net_reason_dial", nil
	}
	return "", nil
}

// detail is the innermost useful Go error text: url.Error's "Post \"...\":"
// prefix repeats what the message already says.
func detail(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}
