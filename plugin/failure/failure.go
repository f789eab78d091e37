// Package failure carries the errors that end a command: what went wrong and
// what to do about it, as message IDs for the catalogs, plus the exit code.
// Nothing here formats text; plugin.Run renders a Failure through the
// translator after scrubbing every secret the run has seen.
package failure

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Exit codes, documented in the README.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
	// ExitCannotRun and ExitNotFound are the shells' codes for a command
	// that cannot be run or is not found ('exec').
	ExitCannotRun = 126
	ExitNotFound  = 127
)

// ExitStatus ends a run with a code and no message: 'exec' passes on its
// child's status. Signal, when set, is the signal that killed the child:
// the process dies of it too where it can, Code (128+N) where it cannot.
type ExitStatus struct {
	Code   int
	Signal os.Signal
}

func (e *ExitStatus) Error() string { return "exit status " + strconv.Itoa(e.Code) }

// Failure is an error with a localized cause and remedy.
type Failure struct {
	ExitCode   int
	Cause      string // message ID
	CauseData  map[string]any
	Remedy     string // message ID, may be empty
	RemedyData map[string]any
	// Note is a plural message rendered with NoteCount after the cause
	// (e.g. how many attempts were made).
	Note      string
	NoteCount int
	// Reason is a message ID that says why (a TLS or DNS failure, say),
	// rendered after the cause.
	Reason     string
	ReasonData map[string]any
	// Detail is untranslated technical text (a Go error) shown on a line of
	// its own after the remedy, scrubbed like everything else.
	Detail string
	// Extra is text already in the user's language, shown after the cause
	// (what a failed 'setup' undid, the instances that matched).
	Extra string
	// Usage asks for the command's usage text after the message.
	Usage bool
	// Err is the underlying error, kept for errors.Is/As and tests; it is
	// never printed.
	Err error
}

func (f *Failure) Error() string {
	if f.Err != nil {
		return f.Cause + ": " + f.Err.Error()
	}
	return f.Cause
}

func (f *Failure) Unwrap() error { return f.Err }

// Msg is template data that is itself a message ID, rendered in the
// user's language before the message that holds it (a source named in
// words, say).
type Msg string

// Duration is template data rendered as a duration in words in the user's
// language.
type Duration time.Duration

// New returns a Failure with exit code 1.
func New(cause string, data map[string]any) *Failure {
	return &Failure{ExitCode: ExitError, Cause: cause, CauseData: data}
}

// Usagef returns an incorrect-usage Failure (exit code 2).
func Usagef(cause string, data map[string]any) *Failure {
	return &Failure{ExitCode: ExitUsage, Cause: cause, CauseData: data, Usage: true}
}

// WithExitCode sets the exit code.
func (f *Failure) WithExitCode(code int) *Failure {
	f.ExitCode = code
	return f
}

// WithRemedy sets the remedy message.
func (f *Failure) WithRemedy(id string, data map[string]any) *Failure {
	f.Remedy, f.RemedyData = id, data
	return f
}

// WithNote adds a plural note rendered with count.
func (f *Failure) WithNote(id string, count int) *Failure {
	f.Note, f.NoteCount = id, count
	return f
}

// WithReason sets the reason message.
func (f *Failure) WithReason(id string, data map[string]any) *Failure {
	f.Reason, f.ReasonData = id, data
	return f
}

// WithDetail sets the untranslated detail line.
func (f *Failure) WithDetail(detail string) *Failure {
	f.Detail = detail
	return f
}

// Wrap records the underlying error.
func (f *Failure) Wrap(err error) *Failure {
	f.Err = err
	return f
}

// As returns the Failure in err's chain, if any.
func As(err error) (*Failure, bool) {
	var f *Failure
	ok := errors.As(err, &f)
	return f, ok
}

// Secrets remembers the API keys and tokens a run handles so that any text
// about to be printed as a message can be scrubbed of them. It is a last
// line of defence: messages are built not to contain secrets at all.
type Secrets struct {
	mu     sync.Mutex
	raw    []string
	values []string // raw and their quoted and encoded forms, longest first
	ready  int      // how many of raw values holds
}

// Add records secrets; values shorter than 8 characters are ignored so that
// scrubbing cannot mangle ordinary words. Recording is cheap: the forms a
// secret takes when quoted in JSON or a Go string, or encoded in a form body
// or URL (how a trace or an echoing server shows it), are worked out when
// text is first scrubbed, which a successful quiet run never does.
func (s *Secrets) Add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if len(v) >= 8 {
			s.raw = append(s.raw, v)
		}
	}
}

// expand works out the forms of the secrets added since the last call.
func (s *Secrets) expand() {
	if s.ready == len(s.raw) {
		return
	}
	for _, v := range s.raw[s.ready:] {
		quoted, _ := json.Marshal(v)
		for _, form := range []string{
			v,
			url.QueryEscape(v),
			url.PathEscape(v),
			strings.Trim(string(quoted), `"`),
			strings.Trim(strconv.Quote(v), `"`),
		} {
			if !slices.Contains(s.values, form) {
				s.values = append(s.values, form)
			}
		}
	}
	s.ready = len(s.raw)
	// Longest first, so that a form that contains another is replaced whole.
	sort.SliceStable(s.values, func(i, j int) bool { return len(s.values[i]) > len(s.values[j]) })
}

// Hidden replaces a secret in text.
const Hidden = "[PRIVATE DATA HIDDEN]"

// Scrub replaces every recorded secret in text, wherever it stands: alone,
// inside a longer word, or quoted.
func (s *Secrets) Scrub(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expand()
	for _, v := range s.values {
		text = strings.ReplaceAll(text, v, Hidden)
	}
	return text
}
