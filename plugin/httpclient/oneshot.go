//go:build !pooledtoken

package httpclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// oneShot sends a token exchange on a connection of its own, dialled,
// written and read on the calling goroutine, and closed with the reply's
// body. The exchange is the one request of most runs, and net/http's pool
// costs it more than the request does: a reader and a writer goroutine per
// connection, a hand-off between them at each step, keep-alive settings
// for a connection that will not be kept. `make bench` shows the
// difference: its "speed setting" row times the exchange against the same
// sources built with -tags pooledtoken, which leaves oneShot out.
//
// Every other request goes to the pool, where connections are reused
// (pagination, Key Protect calls), and so do an exchange through a proxy
// and any scheme but http and https. What is above (guard, trace, retries,
// the client's timeout) is the same for both.
type oneShot struct {
	pooled http.RoundTripper
	// tls is the pooled transport's TLS configuration (go-sdk-core's
	// minimum version, the system roots), for HTTP/1.1.
	tls func() *tls.Config
	// proxy is the pooled transport's choice of proxy.
	proxy func(*http.Request) (*url.URL, error)
}

// newOneShot wraps the pooled transport t.
func newOneShot(t http.RoundTripper) http.RoundTripper {
	ht, ok := t.(*http.Transport)
	if !ok {
		return t
	}
	o := &oneShot{pooled: t, proxy: ht.Proxy}
	o.tls = sync.OnceValue(func() *tls.Config {
		c := &tls.Config{}
		if ht.TLSClientConfig != nil {
			c = ht.TLSClientConfig.Clone()
		}
		c.NextProtos = []string{"http/1.1"}
		return c
	})
	return o
}

func (o *oneShot) RoundTrip(req *http.Request) (*http.Response, error) {
	if !isTokenExchange(req) || (req.URL.Scheme != "http" && req.URL.Scheme != "https") || o.proxied(req) {
		return o.pooled.RoundTrip(req)
	}
	ctx := req.Context()
	conn, err := o.dial(ctx, req)
	if err != nil {
		return nil, err
	}
	// The client's timeout and a cancelled context (a signal) end a read
	// or write in progress, as they do in net/http.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	resp, err := exchange(conn, req)
	if err != nil {
		stop()
		conn.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	resp.Body = &connBody{ReadCloser: resp.Body, conn: conn, stop: stop}
	return resp, nil
}

func (o *oneShot) proxied(req *http.Request) bool {
	if o.proxy == nil {
		return false
	}
	p, err := o.proxy(req)
	return err != nil || p != nil
}

func (o *oneShot) dial(ctx context.Context, req *http.Request) (net.Conn, error) {
	host, port := req.URL.Hostname(), req.URL.Port()
	if port == "" {
		port = "80"
		if req.URL.Scheme == "https" {
			port = "443"
		}
	}
	// No TCP keep-alive: the connection lives for one request.
	d := net.Dialer{KeepAlive: -1}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: err}
	}
	if req.URL.Scheme == "http" {
		return conn, nil
	}
	cfg := o.tls().Clone()
	cfg.ServerName = host
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// exchange writes req and reads the reply's head.
func exchange(conn net.Conn, req *http.Request) (*http.Response, error) {
	if deadline, ok := req.Context().Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	out := *req
	out.Close = true // "Connection: close": the server ends the body
	w := bufio.NewWriter(conn)
	if err := out.Write(w); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF // closed before an answer: a reset, retried
		}
		return nil, err
	}
	return resp, nil
}

// connBody closes the connection with the body.
type connBody struct {
	io.ReadCloser
	conn net.Conn
	stop func() bool
}

func (b *connBody) Close() error {
	b.stop()
	err := b.ReadCloser.Close()
	b.conn.Close()
	return err
}
