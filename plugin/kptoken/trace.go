package kptoken

import (
	"fmt"
	"strings"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/trace"

	"github.com/kp-token/kp-token/plugin/failure"
)

// scrubTrace wraps the SDK's trace printer so that every known secret is
// masked: the SDK's own sanitizing knows field names only, and a server that
// echoes a key in an error body would otherwise show it.
func scrubTrace(p trace.Printer, s *failure.Secrets) trace.Printer {
	if _, off := p.(*trace.NullLogger); off {
		return p
	}
	return &scrubbedTrace{inner: p, secrets: s}
}

type scrubbedTrace struct {
	inner   trace.Printer
	secrets *failure.Secrets
}

func (t *scrubbedTrace) Print(v ...any) { t.inner.Print(t.secrets.Scrub(fmt.Sprint(v...))) }
func (t *scrubbedTrace) Printf(format string, v ...any) {
	t.inner.Print(t.secrets.Scrub(fmt.Sprintf(format, v...)))
}
func (t *scrubbedTrace) Println(v ...any) { t.inner.Print(t.secrets.Scrub(fmt.Sprintln(v...))) }

func (t *scrubbedTrace) Close() error {
	if c, ok := t.inner.(trace.Closer); ok {
		return c.Close()
	}
	return nil
}

// closeTrace closes a trace file; "true" traces to stderr, which stays open.
func closeTrace(setting string) {
	switch strings.ToLower(setting) {
	case "", "true", "false":
		return
	}
	if c, ok := trace.Logger.(trace.Closer); ok {
		_ = c.Close()
	}
}
