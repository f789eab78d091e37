// Package jsonout writes a server's JSON answer to stdout as 'gh api'
// does: unchanged for a script, indented for a person at a terminal (with
// what the server sent made safe for it), or filtered by a jq expression
// (github.com/itchyny/gojq: a jq in Go, for machines with no jq, such as
// Windows).
package jsonout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/itchyny/gojq"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// Filter is a compiled --jq expression. It reads nothing but its input:
// no environment ($ENV, env), no files, no modules.
type Filter struct{ code *gojq.Code }

// Compile parses and compiles expr; a mistake in it is a usage failure,
// found before any request is sent.
func Compile(expr string) (*Filter, error) {
	q, err := gojq.Parse(expr)
	if err == nil {
		var code *gojq.Code
		if code, err = gojq.Compile(q); err == nil {
			return &Filter{code: code}, nil
		}
	}
	return nil, failure.Usagef("api_jq_invalid", map[string]any{"Expr": output.SafeLine(expr)}).
		WithDetail(err.Error()).Wrap(err)
}

// Write writes doc, a server's answer, to w. Without a filter it is
// written unchanged, or for a terminal indented (when it is JSON) and made
// safe. With f, each result goes on its own line, as jq -r writes them: a
// string as it is, any other value as JSON (indented for a terminal); the
// results are written only once all are known, so a filter that fails
// half-way writes nothing.
func Write(ctx context.Context, w io.Writer, doc []byte, f *Filter, terminal bool) error {
	if f == nil {
		_, err := w.Write(Render(doc, terminal))
		return err
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&v); err != nil || d.More() {
		return failure.New("api_jq_not_json", nil).WithRemedy("api_jq_not_json_remedy", nil)
	}
	var out bytes.Buffer
	iter := f.code.RunWithContext(ctx, v)
	for {
		r, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := r.(error); ok {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				break // halt: a normal end
			}
			return failure.New("api_jq_failed", nil).WithRemedy("api_jq_failed_remedy", nil).WithDetail(err.Error()).Wrap(err)
		}
		if s, ok := r.(string); ok {
			if terminal {
				s = output.SafeText(s)
			}
			out.WriteString(s + "\n")
			continue
		}
		b, err := gojq.Marshal(r)
		if err != nil {
			return failure.New("api_jq_failed", nil).WithRemedy("api_jq_failed_remedy", nil).WithDetail(err.Error()).Wrap(err)
		}
		out.Write(Render(b, terminal))
		if !terminal {
			out.WriteByte('\n')
		}
	}
	_, err := w.Write(out.Bytes())
	return err
}

// Render is doc as Write shows it without a filter: unchanged, or for a
// terminal indented by two spaces with a final line break when it is
// JSON, else its text made safe (SafeText).
func Render(doc []byte, terminal bool) []byte {
	if !terminal {
		return doc
	}
	var b bytes.Buffer
	if json.Indent(&b, doc, "", "  ") != nil {
		s := output.SafeText(strings.ToValidUTF8(string(doc), "\ufffd"))
		if s != "" && !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		return []byte(s)
	}
	out := output.SafeJSON(bytes.TrimRight(b.Bytes(), " \t\r\n"))
	return append(out, '\n')
}
