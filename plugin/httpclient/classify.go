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
func Failure(err error, service failure.Service, endpoint string, timeout time.Duration) *failure.Failure {
	seconds := strconv.Itoa(int(timeout.Seconds()))
	data := map[string]any{"Service": service, "URL": endpoint, "Seconds": seconds}
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
	case IsTimeout(err):
		o := failure.Outage{Kind: failure.KindTimeout, Service: service, URL: endpoint, Seconds: seconds, Detail: detail(err)}
		return failure.NewOutage(o).Wrap(err)
	}
	reason, host := Reason(err)
	o := failure.Outage{Kind: failure.KindUnreachable, Service: service, URL: endpoint, Seconds: seconds,
		Reason: reason, Host: host, Detail: detail(err)}
	return failure.NewOutage(o).Wrap(err)
}

// IsTimeout reports whether err is a request that got no answer in time.
func IsTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout())
}

// Reason says why a connection failed ("" when unknown), and the host the
// reason names, if any.
func Reason(err error) (failure.NetReason, string) {
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
		return failure.ReasonHTTPServer, ""
	case errors.As(err, &unknown):
		return failure.ReasonTLSUnknownAuthority, ""
	case errors.As(err, &hostname):
		return failure.ReasonTLSHostname, hostname.Host
	case errors.As(err, &invalid), errors.As(err, &verify), errors.As(err, &alert), strings.Contains(msg, "tls: "):
		return failure.ReasonTLS, ""
	case errors.As(err, &opErr) && opErr.Op == "proxyconnect":
		return failure.ReasonProxy, ""
	case errors.As(err, &dnsErr):
		return failure.ReasonDNS, dnsErr.Name
	case errors.Is(err, syscall.ECONNREFUSED):
		return failure.ReasonRefused, ""
	case errors.Is(err, syscall.ECONNRESET), strings.Contains(msg, "connection reset"), strings.Contains(msg, "EOF"):
		return failure.ReasonReset, ""
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return failure.ReasonDial, ""
	}
	return "", ""
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
