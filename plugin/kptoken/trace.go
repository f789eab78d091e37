package kptoken

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/trace"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
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

func (t *scrubbedTrace) Print(v ...any) { t.inner.Print(t.scrub(fmt.Sprint(v...))) }
func (t *scrubbedTrace) Printf(format string, v ...any) {
	t.inner.Print(t.scrub(fmt.Sprintf(format, v...)))
}
func (t *scrubbedTrace) Println(v ...any) { t.inner.Print(t.scrub(fmt.Sprintln(v...))) }

func (t *scrubbedTrace) scrub(s string) string {
	secretMemberOnce.Do(func() {
		secretMember = regexp.MustCompile(`(?i)("[^"\\]*(?:password|passcode|secret|token|apikey)[^"_\\]*")(\s*:\s*)"(?:[^"\\]|\\.)*"`)
	})
	s = secretMember.ReplaceAllString(t.secrets.Scrub(s), `$1$2"`+failure.Hidden+`"`)
	// A traced body is server text bound for a terminal: its control
	// characters are shown escaped, never sent (HTTP's CRLF stays a line
	// break).
	return output.SafeText(strings.ReplaceAll(s, "\r\n", "\n"))
}

// secretMember matches a JSON member whose name says it holds a secret,
// however it is spaced. The SDK's sanitizing wants '"apikey":' with no
// space before the colon; nothing binds a server to that, and the new API
// key that 'setup' receives is in a reply, before anything could record it
// as a secret. Compiled on the first traced line: most runs trace nothing.
var (
	secretMember     *regexp.Regexp
	secretMemberOnce sync.Once
)

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
