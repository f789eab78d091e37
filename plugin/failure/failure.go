// Package failure carries the errors that end a command: what went wrong and
// what to do about it, as message IDs for the catalogs, the exit code, and
// the failure's Kind. Messages are for people: code that decides what to do
// next (fall back to another credential, share an outage, look an instance
// up again) asks the Kind, never a message ID, so renaming a message
// changes no behaviour. Nothing here formats text; the command layer
// renders a Failure through the translator after scrubbing every secret the
// run has seen.
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

// ExitCode is the process exit code for the error a run ended with: 0 for
// none, the status an ExitStatus carries, a Failure's own code, and 1 for
// any other error.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var status *ExitStatus
	if errors.As(err, &status) {
		return status.Code
	}
	if f, ok := As(err); ok {
		return f.ExitCode
	}
	return ExitError
}

// ExitStatus ends a run with a code and no message: 'exec' passes on its
// child's status. Signal, when set, is the signal that killed the child:
// the process dies of it too where it can, Code (128+N) where it cannot.
type ExitStatus struct {
	Code   int
	Signal os.Signal
}

func (e *ExitStatus) Error() string { return "exit status " + strconv.Itoa(e.Code) }

// Kind says what sort of failure a Failure is, for the code that decides
// what to do next. The zero Kind is a failure nothing decides on.
type Kind string

const (
	// KindUsage is a mistake on the command line or in an input the user
	// gave (exit code 2).
	KindUsage Kind = "usage"
	// KindUnavailable: a server answered that it is busy or down (429, 5xx).
	KindUnavailable Kind = "unavailable"
	// KindTimeout: no answer came within the timeout.
	KindTimeout Kind = "timeout"
	// KindUnreachable: no answer came: DNS, TLS, a connection refused or
	// closed, a proxy.
	KindUnreachable Kind = "unreachable"
	// KindRejected: IAM refused the credential (an error code with no
	// meaning of its own).
	KindRejected Kind = "rejected"
	// KindExpired: the credential has expired (a refresh token) or the
	// session it belongs to has ended.
	KindExpired Kind = "expired"
	// KindInvalid: IAM does not take the token it was given as valid.
	KindInvalid Kind = "invalid"
	// KindNotFound: IAM does not know the API key.
	KindNotFound Kind = "not-found"
	// KindUnexpectedReply: the reply is not one the server gives.
	KindUnexpectedReply Kind = "unexpected-reply"
	// KindInstanceNotFound: Key Protect does not know the instance.
	KindInstanceNotFound Kind = "instance-not-found"
	// KindForbidden: a server refused the caller what it asked (403): the
	// identity lacks a role there, which another service may not need.
	KindForbidden Kind = "forbidden"
)

// Outage reports whether k says the server was busy, down or out of reach:
// what every caller would meet again in the next seconds.
func (k Kind) Outage() bool {
	return k == KindUnavailable || k == KindTimeout || k == KindUnreachable
}

// Failure is an error with a localized cause and remedy.
type Failure struct {
	// Kind is what decisions ask; the message IDs below are for people.
	Kind       Kind
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
	// Lines are shown one per line after the cause (what a failed 'setup'
	// undid, and what it could not).
	Lines []Line
	// Table is shown after the cause (the instances that matched).
	Table *Table
	// Outage holds the facts of an outage (Kind.Outage()), for another
	// process to say the same failure again.
	Outage *Outage
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

// Line is a message ID and its data, shown as one safe line.
type Line struct {
	ID   string
	Data map[string]any
}

// Table is a table of plain text with a header of message IDs, one per
// column: the columns are aligned when shown (by display width), every
// cell made one safe line.
type Table struct {
	Header []string
	Rows   [][]string
}

// Msg is template data that is itself a message ID, rendered in the
// user's language before the message that holds it (a source named in
// words, say).
type Msg string

// Word is template data that names something to people: a Msg, a Name or
// a Service. The data a message names things with (Service, Step, What,
// Source) is always one of these, never a Go string: English text must not
// reach a localized message through a placeholder (a test over the code
// holds it, i18n/data_test.go).
type Word interface{ word() }

func (Msg) word()     {}
func (Name) word()    {}
func (Service) word() {}

// Duration is template data rendered as a duration in words in the user's
// language.
type Duration time.Duration

// Name is template data shown as it is in every language: the name of an
// option or an environment variable (--kp-endpoint, KP_ENDPOINT), which
// IBM's catalogs never translate. Words for people are a Msg.
type Name string

// Service is a server kp-token talks to, as a fact: a shared outage stores
// it, and a message names it in the user's language (Msg). The names are
// catalog messages written, in each language, as a noun phrase with the
// article the language uses ("the Resource Controller", "der Resource
// Controller"), and each language's sentences put {{.Service}} where that
// phrase reads right.
type Service string

const (
	ServiceIAM                Service = "iam"
	ServiceKeyProtect         Service = "key-protect"
	ServiceResourceController Service = "resource-controller"
	ServiceVPCMetadata        Service = "vpc-metadata"
)

// Msg is the message that names s ("" for a value no kp-token writes, such
// as one read from an older shared outage).
func (s Service) Msg() Msg {
	switch s {
	case ServiceIAM:
		return "service_iam"
	case ServiceKeyProtect:
		return "service_key_protect"
	case ServiceResourceController:
		return "service_resource_controller"
	case ServiceVPCMetadata:
		return "service_vpc_metadata"
	}
	return ""
}

// New returns a Failure with exit code 1.
func New(cause string, data map[string]any) *Failure {
	return &Failure{ExitCode: ExitError, Cause: cause, CauseData: data}
}

// Usagef returns an incorrect-usage Failure (KindUsage, exit code 2).
func Usagef(cause string, data map[string]any) *Failure {
	return &Failure{Kind: KindUsage, ExitCode: ExitUsage, Cause: cause, CauseData: data}
}

// WithKind sets the kind.
func (f *Failure) WithKind(k Kind) *Failure {
	f.Kind = k
	return f
}

// Usage reports whether f is an incorrect usage, to be shown with the
// pointer to the command's help.
func (f *Failure) Usage() bool { return f.Kind == KindUsage }

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

// KindOf is the kind of the first Failure in err's chain: the one that is
// shown, whatever it wraps ("" when there is none).
func KindOf(err error) Kind {
	if f, ok := As(err); ok {
		return f.Kind
	}
	return ""
}

// Is reports whether err is a Failure of one of the kinds.
func Is(err error, kinds ...Kind) bool {
	k := KindOf(err)
	return k != "" && slices.Contains(kinds, k)
}

// IsOutage reports whether err is an outage (Kind.Outage).
func IsOutage(err error) bool { return KindOf(err).Outage() }

// IsUsage reports whether err is an incorrect usage.
func IsUsage(err error) bool { return KindOf(err) == KindUsage }

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
