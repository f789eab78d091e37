// Package api is 'kp-token api PATH': one Key Protect API request with the
// token, instance and endpoint that 'get --output header' would use, and
// Key Protect's JSON answer on stdout, as 'gh api' does for GitHub.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/jsonout"
	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/kpapi"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/target"
	"github.com/kp-token/kp-token/plugin/token"
)

// APIOptions are the inputs of 'kp-token api'.
type APIOptions struct {
	IO          cmdutil.IOStreams
	Translator  *i18n.Translator
	Now         func() time.Time
	CLIQuiet    bool
	Secrets     *failure.Secrets
	HTTPClient  func(timeout time.Duration) *http.Client
	Timeout     time.Duration
	Credentials func(cmdutil.Notifier) *credential.Resolver
	Targets     func(cmdutil.Notifier) *target.Resolver
	// Terminal reports whether stdout is a terminal: JSON is indented for
	// a person there, and left as Key Protect wrote it for a program.
	Terminal func() bool

	Source credential.Source
	Target target.Request
	Path   string
	Method string
	// Data is --data; DataSet whether it was given (an empty body is a
	// mistake, not its absence).
	Data       string
	DataSet    bool
	Headers    []string
	Include    bool
	Paginate   bool
	LimitPages int
	JQ         string
	Quiet      bool
}

// NewCmdAPI builds 'kp-token api'; runF, when set, runs instead of the
// command.
func NewCmdAPI(f *cmdutil.Factory, runF func(*APIOptions) error) *cobra.Command {
	opts := &APIOptions{IO: f.IO, Translator: f.Translator, Now: f.Now, CLIQuiet: f.Quiet, Secrets: f.Secrets,
		HTTPClient: f.HTTPClient, Timeout: f.Timeout, Credentials: f.Credentials, Targets: f.Targets,
		Terminal: func() bool { return cmdutil.IsTerminal(f.IO.Out) }}
	h := f.Help
	c := &cobra.Command{
		Use:         "api",
		Short:       h.T("api_description"),
		Long:        h.T("api_long"),
		Annotations: h.Usage("api_usage"),
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return failure.Usagef("api_path_missing", nil)
			case len(args) > 1:
				return failure.Usagef("api_path_one", nil)
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmdutil.BindSource(c, &opts.Source)
			opts.Path = args[0]
			opts.DataSet = c.Flags().Changed("data")
			if c.Flags().Changed("limit-pages") && !opts.Paginate {
				return failure.Usagef("api_limit_pages_alone", nil)
			}
			if opts.LimitPages < 0 {
				return failure.Usagef("usage_invalid_value", map[string]any{"Value": fmt.Sprint(opts.LimitPages), "Flag": "--limit-pages"})
			}
			if runF != nil {
				return runF(opts)
			}
			return apiRun(c.Context(), opts)
		},
	}
	c.Flags().StringVarP(&opts.Method, "method", "X", "", h.T("flag_api_method"))
	c.Flags().StringVar(&opts.Data, "data", "", h.T("flag_api_data"))
	c.Flags().StringArrayVarP(&opts.Headers, "header", "H", nil, h.T("flag_api_header"))
	c.Flags().BoolVarP(&opts.Include, "include", "i", false, h.T("flag_api_include"))
	c.Flags().BoolVar(&opts.Paginate, "paginate", false, h.T("flag_api_paginate"))
	c.Flags().IntVar(&opts.LimitPages, "limit-pages", 0, h.T("flag_api_limit_pages"))
	c.Flags().StringVar(&opts.JQ, "jq", "", h.T("flag_api_jq"))
	cmdutil.AddSourceFlags(c, h, &opts.Source)
	cmdutil.AddTargetFlags(c, h, &opts.Target)
	c.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, h.T("flag_exec_quiet"))
	return c
}

// apiRun checks the request, obtains the token and the target exactly as
// 'get' and 'verify' do, sends the request (every page with --paginate)
// and prints Key Protect's answer. Mistakes in the request are found
// before any token is obtained; a URL off the Key Protect endpoint is
// refused before anything is sent to Key Protect.
func apiRun(ctx context.Context, opts *APIOptions) error {
	var filter *jsonout.Filter
	if opts.JQ != "" {
		var err error
		if filter, err = jsonout.Compile(opts.JQ); err != nil {
			return err
		}
	}
	if opts.DataSet {
		// One reader only: --data - and a credential read from stdin.
		for _, in := range [][2]string{{"--apikey", opts.Source.APIKey}, {"--cr-token", opts.Source.CRToken}} {
			if opts.Data == "-" && in[1] == "-" {
				return failure.Usagef("api_stdin_twice", map[string]any{"Flag": in[0]})
			}
		}
	}
	prepared, err := kpapi.Prepare(kpapi.Request{Method: opts.Method, Path: opts.Path, Headers: opts.Headers,
		Data: opts.Data, DataSet: opts.DataSet, Stdin: opts.IO.In, Paginate: opts.Paginate, MaxPages: opts.LimitPages})
	if err != nil {
		return err
	}
	p := &output.Printer{Out: opts.IO.Out, Err: opts.IO.ErrOut, Translator: opts.Translator, Quiet: opts.Quiet || opts.CLIQuiet, Now: opts.Now}
	n := cmdutil.Notices{P: p}
	creds := opts.Credentials(n)
	t, tgt, err := opts.Targets(n).With(ctx, opts.Target, target.Needs{Endpoint: true, Instance: true}, nil,
		func(ctx context.Context) (token.Token, error) { return creds.Resolve(ctx, opts.Source) })
	if err != nil {
		return err
	}
	u, err := prepared.On(tgt.Endpoint)
	if err != nil {
		return err
	}
	client := &kpapi.Client{HTTP: opts.HTTPClient(opts.Timeout), Endpoint: tgt.Endpoint, Instance: tgt.InstanceID,
		Bearer: t.Bearer(), Timeout: opts.Timeout}
	if opts.Include {
		client.Seen = func(r *kpapi.Response) { writeHead(opts.IO.ErrOut, r, opts.Secrets) }
	}
	answer, err := client.Send(ctx, prepared, u)
	if err != nil {
		return err
	}
	return render(ctx, opts, client, answer, filter, who(t))
}

// render prints Key Protect's answer: the collection, the answer, or, when
// Key Protect refused, its error document (as 'gh api' leaves it on
// stdout, for a script's --jq) and the failure that says what it means.
func render(ctx context.Context, opts *APIOptions, client *kpapi.Client, a kpapi.Answer, filter *jsonout.Filter, who kp.Who) error {
	terminal := opts.Terminal()
	resp := a.Response
	switch {
	case a.Collection != nil && filter == nil && !terminal:
		_, err := a.Collection.WriteTo(opts.IO.Out)
		return err
	case a.Collection != nil:
		var doc bytes.Buffer
		if _, err := a.Collection.WriteTo(&doc); err != nil {
			return err
		}
		return jsonout.Write(ctx, opts.IO.Out, doc.Bytes(), filter, terminal)
	case !resp.OK():
		if json.Valid(resp.Body) {
			_ = jsonout.Write(ctx, opts.IO.Out, resp.Body, filter, terminal)
		}
		return client.Failure(resp, who)
	case len(resp.Body) == 0:
		return nil // HEAD, 204 No Content
	}
	return jsonout.Write(ctx, opts.IO.Out, resp.Body, filter, terminal)
}

// who is who the token says it is, for a refusal of access.
func who(t token.Token) kp.Who {
	var w kp.Who
	if c, err := token.Decode(t.AccessToken); err == nil {
		w.IAMID, w.Identity = c.Info.IAMID, c.Info.UserEmail
		if w.Identity == "" {
			w.Identity = c.Info.IAMID
		}
	}
	return w
}

// writeHead shows a response's status line and headers (-i) on stderr,
// sorted as 'gh api -i' shows them, each made one safe line and scrubbed
// of the run's secrets. The request's headers, which hold the token, are
// never shown.
func writeHead(w io.Writer, r *kpapi.Response, secrets *failure.Secrets) {
	var b strings.Builder
	b.WriteString(output.SafeLine(r.Proto+" "+r.Status) + "\n")
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b.WriteString(output.SafeLine(name+": "+strings.Join(r.Header[name], ", ")) + "\n")
	}
	b.WriteString("\n")
	text := b.String()
	if secrets != nil {
		text = secrets.Scrub(text)
	}
	_, _ = io.WriteString(w, text)
}
