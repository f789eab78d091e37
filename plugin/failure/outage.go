package failure

import (
	"strconv"
	"time"
)

// NetReason says why a connection failed.
type NetReason string

const (
	ReasonHTTPServer          NetReason = "http-server"
	ReasonTLSUnknownAuthority NetReason = "tls-unknown-authority"
	ReasonTLSHostname         NetReason = "tls-hostname"
	ReasonTLS                 NetReason = "tls"
	ReasonProxy               NetReason = "proxy"
	ReasonDNS                 NetReason = "dns"
	ReasonRefused             NetReason = "refused"
	ReasonReset               NetReason = "reset"
	ReasonDial                NetReason = "dial"
)

// message is the reason's message ID ("" for none or an unknown one).
func (r NetReason) message() string {
	switch r {
	case ReasonHTTPServer:
		return "net_reason_http_server"
	case ReasonTLSUnknownAuthority:
		return "net_reason_tls_unknown_authority"
	case ReasonTLSHostname:
		return "net_reason_tls_hostname"
	case ReasonTLS:
		return "net_reason_tls"
	case ReasonProxy:
		return "net_reason_proxy"
	case ReasonDNS:
		return "net_reason_dns"
	case ReasonRefused:
		return "net_reason_refused"
	case ReasonReset:
		return "net_reason_reset"
	case ReasonDial:
		return "net_reason_dial"
	}
	return ""
}

// Outage is an outage as facts, without message IDs: a process that met
// one stores it for the others waiting on the same cache entry, and they
// say it again in their own language. Every outage failure is built from
// one (NewOutage), so the two cannot say different things.
type Outage struct {
	Kind    Kind    `json:"kind"` // KindUnavailable, KindTimeout or KindUnreachable
	Service Service `json:"service"`
	URL     string  `json:"url"`
	// Seconds is the timeout, as the messages show it.
	Seconds string `json:"seconds,omitempty"`
	// Status and Code are the server's answer (KindUnavailable).
	Status int    `json:"status,omitempty"`
	Code   string `json:"code,omitempty"`
	// Reason and Host say why no answer came (KindUnreachable).
	Reason NetReason `json:"reason,omitempty"`
	Host   string    `json:"host,omitempty"`
	// Detail is the Go error's text.
	Detail string `json:"detail,omitempty"`
}

// NewOutage returns the Failure that says o.
func NewOutage(o Outage) *Failure {
	data := map[string]any{"Service": o.Service, "URL": o.URL, "Seconds": o.Seconds}
	var f *Failure
	switch o.Kind {
	case KindUnavailable:
		// Only IAM's token service is reported this way.
		data := map[string]any{"Status": o.Status, "URL": o.URL, "Code": o.Code}
		id := "iam_unavailable"
		if o.Code != "" {
			id = "iam_unavailable_code"
		}
		f = New(id, data).WithRemedy("iam_unavailable_remedy", nil)
	case KindTimeout:
		// The timeout in words, with the plural its language needs ("1
		// second", "30 seconds").
		if n, err := strconv.Atoi(o.Seconds); err == nil {
			data["Timeout"] = Duration(time.Duration(n) * time.Second)
		} else {
			data["Timeout"] = o.Seconds
		}
		f = New("net_timeout", data).WithRemedy("net_timeout_remedy", nil)
	default:
		o.Kind = KindUnreachable
		id := "net_request_failed"
		if o.Reason != "" && o.Reason != ReasonReset {
			id = "net_unreachable"
		}
		f = New(id, data).WithRemedy("net_unreachable_remedy", data)
		if r := o.Reason.message(); r != "" {
			var rd map[string]any
			if o.Reason == ReasonTLSHostname || o.Reason == ReasonDNS {
				rd = map[string]any{"Host": o.Host}
			}
			f.WithReason(r, rd)
		}
	}
	f.Kind, f.Outage, f.Detail = o.Kind, &o, o.Detail
	return f
}
