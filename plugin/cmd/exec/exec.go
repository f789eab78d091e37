// Package exec is 'kp-token exec': a command run with the token,
// instance and endpoint in its environment, so the token is in no argv.
package exec

import (
	"context"
	"errors"
	"io"
	"os"
	osexec "os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/signals"
	"github.com/kp-token/kp-token/plugin/target"
	"github.com/kp-token/kp-token/plugin/token"
	"github.com/kp-token/kp-token/plugin/tokendir"
)

// ExecOptions are the inputs of 'kp-token exec'.
type ExecOptions struct {
	IO          cmdutil.IOStreams
	Translator  *i18n.Translator
	Now         func() time.Time
	CLIQuiet    bool
	Environ     func() []string
	Credentials func(cmdutil.Notifier) *credential.Resolver
	Targets     func(cmdutil.Notifier) *target.Resolver
	Secrets     *failure.Secrets
	// FilesDir is the folder the token files' private directories are
	// made in: the plug-in's own, never a shared temporary folder.
	FilesDir func() string
	// After is the timers of the renewals (time.After).
	After func(time.Duration) <-chan time.Time

	Source credential.Source
	Target target.Request
	Quiet  bool
	// KeepEnv passes the credential variables kp-token reads on to the
	// command (consumedCredentials).
	KeepEnv bool
	Command []string
}

// NewCmdExec builds 'kp-token exec'; runF, when set, runs instead of the
// command.
func NewCmdExec(f *cmdutil.Factory, runF func(*ExecOptions) error) *cobra.Command {
	opts := &ExecOptions{IO: f.IO, Translator: f.Translator, Now: f.Now, CLIQuiet: f.Quiet, Environ: f.Environ,
		Credentials: f.Credentials, Targets: f.Targets, Secrets: f.Secrets, FilesDir: filesDir(f), After: time.After}
	h := f.Help
	c := &cobra.Command{
		Use:         "exec",
		Short:       h.T("exec_description"),
		Long:        h.Paragraphs("exec_long", "exec_files"),
		Annotations: h.Usage("exec_usage"),
		RunE: func(c *cobra.Command, args []string) error {
			cmdutil.BindSource(c, &opts.Source)
			opts.Command = args
			if runF != nil {
				return runF(opts)
			}
			return execRun(c.Context(), opts)
		},
	}
	// Everything from the first argument on is the command and its own
	// options: 'exec curl -H ...' needs no '--'.
	c.Flags().SetInterspersed(false)
	cmdutil.AddSourceFlags(c, h, &opts.Source)
	cmdutil.AddTargetFlags(c, h, &opts.Target)
	c.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, h.T("flag_exec_quiet"))
	c.Flags().BoolVar(&opts.KeepEnv, "keep-env", false, h.T("flag_exec_keep_env"))
	return c
}

// filesDir is where the token files go: a folder of the plug-in's own
// directory, private to the user like the token cache beside it.
func filesDir(f *cmdutil.Factory) func() string {
	return func() string {
		if f.Context == nil || f.Context.PluginDirectory() == "" {
			return ""
		}
		return filepath.Join(f.Context.PluginDirectory(), "exec")
	}
}

// execRun runs a command with KP_ACCESS_TOKEN, KP_INSTANCE_ID and
// KP_ENDPOINT in its environment, so the token is in no argv, and with
// KP_HEADERS_FILE and KP_ACCESS_TOKEN_FILE, renewed while it runs; it
// ends with the command's status, or its signal.
func execRun(ctx context.Context, opts *ExecOptions) error {
	if len(opts.Command) == 0 {
		return failure.Usagef("exec_no_command", nil)
	}
	errOut := sharedStderr(opts.IO.ErrOut)
	// Renewal warnings carry IAM's words: like a failure, what goes to
	// stderr is scrubbed of every secret the run has seen.
	p := &output.Printer{Out: opts.IO.Out, Err: scrubbed{errOut, opts.Secrets}, Translator: opts.Translator,
		Quiet: opts.Quiet || opts.CLIQuiet, Now: opts.Now}
	var path string
	lookPath := func() (err error) {
		if path, err = osexec.LookPath(opts.Command[0]); err != nil {
			return failure.New("exec_not_found", map[string]any{"Command": output.SafeLine(opts.Command[0])}).
				WithRemedy("exec_not_found_remedy", nil).WithExitCode(failure.ExitNotFound).Wrap(err)
		}
		return nil
	}
	n := cmdutil.Notices{P: p}
	// The source is read once (standard input cannot be read twice), and
	// renewed from what was read.
	var cred *credential.Credential
	t, tgt, err := opts.Targets(n).With(ctx, opts.Target, target.Needs{Endpoint: true, Instance: true}, lookPath,
		func(ctx context.Context) (token.Token, error) {
			var err error
			if cred, err = opts.Credentials(n).Open(opts.Source); err != nil {
				return token.Token{}, err
			}
			return cred.Token(ctx)
		})
	if err != nil {
		return err
	}

	// From here on the signals are the command's to decide (run): held
	// before the token files exist, so that none finds them unguarded.
	defer signals.Supervise()()
	sigs := make(chan os.Signal, 4)
	for _, s := range append(append([]os.Signal{}, absorbedSignals...), forwardedSignals...) {
		signals.Notify(sigs, s)
	}
	defer signal.Stop(sigs)
	files, err := tokendir.Create(opts.FilesDir(), opts.Now())
	if err != nil {
		return err
	}
	defer files.Remove()
	if err := files.Write(t, tgt.InstanceID); err != nil {
		return err
	}
	keeper := &tokendir.Keeper{Dir: files, InstanceID: tgt.InstanceID, Renew: cred.Token, MinValidity: opts.Source.MinValidity,
		Now: opts.Now, After: opts.After, Notify: n}
	child := command(opts, path, errOut, t, tgt, files)
	return run(child, opts.Command[0], sigs, func(ctx context.Context) { keeper.Run(ctx, t) })
}

// command is the child: the command line, its environment (the token,
// the files that keep it fresh, the instance and endpoint, and not the
// credential behind them) and the standard streams.
func command(opts *ExecOptions, path string, errOut io.Writer, t token.Token, tgt target.Target, files *tokendir.Dir) *osexec.Cmd {
	child := osexec.Command(path, opts.Command[1:]...)
	set := map[string]string{
		"KP_ACCESS_TOKEN":      t.Bearer(),
		"KP_ACCESS_TOKEN_FILE": files.TokenFile(),
		"KP_HEADERS_FILE":      files.HeadersFile(),
		"KP_INSTANCE_ID":       tgt.InstanceID,
		"KP_ENDPOINT":          tgt.Endpoint,
	}
	if !opts.KeepEnv {
		// The command gets the short-lived token, not the credential that
		// made it.
		for _, name := range consumedCredentials {
			set[name] = ""
		}
	}
	child.Env = childEnv(opts.Environ(), set)
	child.Stdin, child.Stdout, child.Stderr = opts.IO.In, opts.IO.Out, errOut
	// The child gets the real stdout (a terminal stays a terminal).
	if u, ok := opts.IO.Out.(interface{ Unwrap() io.Writer }); ok {
		child.Stdout = u.Unwrap()
	}
	return child
}

// run starts the child, keeps its token fresh (keep, until its context
// ends), passes it the signals a supervisor sends, waits for it and ends
// as it did. sigs gets the absorbed and forwarded signals.
func run(child *osexec.Cmd, name string, sigs chan os.Signal, keep func(context.Context)) error {
	// The child decides what a signal means; kp-token waits for it. A
	// signal the process was started with ignored ('nohup') stays ignored,
	// for the child too: catching it would reset it in the child. One that
	// came before the child started is kp-token's: it ends as that signal
	// would have ended it (the token files removed first).
	select {
	case s := <-sigs:
		return &failure.ExitStatus{Code: signals.ExitCode(s), Signal: s}
	default:
	}
	if err := child.Start(); err != nil {
		return failure.New("exec_start_failed", map[string]any{"Command": output.SafeLine(name)}).
			WithRemedy("exec_not_found_remedy", nil).WithExitCode(failure.ExitCannotRun).Wrap(err).WithDetail(err.Error())
	}
	ctx, stopKeeping := context.WithCancel(context.Background())
	kept := make(chan struct{})
	go func() {
		defer close(kept)
		keep(ctx)
	}()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				if slices.Contains(forwardedSignals, s) {
					_ = child.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	err := child.Wait()
	close(done)
	// A renewal under way ends first: the cache entry or the CLI's
	// session it writes is left whole.
	stopKeeping()
	<-kept
	return exitStatus(child.ProcessState, err)
}

// sharedStderr is the stderr kp-token and the child share while the child
// runs. A file is given to the child as it is (a terminal stays a
// terminal). Any other writer gets the child's output from a pipe that
// os/exec copies into it while kp-token may warn about a renewal: a lock
// orders the two (a bytes.Buffer, say, would otherwise lose lines).
func sharedStderr(w io.Writer) io.Writer {
	if _, ok := w.(*os.File); ok {
		return w
	}
	return &lockedWriter{w: w}
}

// lockedWriter is a writer one goroutine at a time may write to.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// scrubbed is stderr with every secret the run has seen hidden.
type scrubbed struct {
	w io.Writer
	s *failure.Secrets
}

func (s scrubbed) Write(b []byte) (int, error) {
	if s.s != nil {
		if _, err := io.WriteString(s.w, s.s.Scrub(string(b))); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return s.w.Write(b)
}

// consumedCredentials are the long-lived credentials the environment holds
// for kp-token (its API key variables) or the CLI ('ibmcloud login' reads a
// compute resource token from IBMCLOUD_CR_TOKEN): 'exec' keeps them from
// the command, which only needs the token, unless --keep-env.
var consumedCredentials = []string{"IBMCLOUD_API_KEY", "BLUEMIX_API_KEY", "IBMCLOUD_CR_TOKEN"}

// childEnv is env with the given variables set (an empty value unsets).
// Windows spells a name in any case (Ibmcloud_Api_Key is IBMCLOUD_API_KEY).
func childEnv(env []string, set map[string]string) []string {
	fold := func(name string) string { return name }
	if runtime.GOOS == "windows" {
		fold = strings.ToUpper
	}
	names := make(map[string]bool, len(set))
	for name := range set {
		names[fold(name)] = true
	}
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !names[fold(name)] {
			out = append(out, kv)
		}
	}
	for name, v := range set {
		if v != "" {
			out = append(out, name+"="+v)
		}
	}
	return out
}

// exitStatus is the child's exit status. A child killed by a signal gives
// 128+signal, as shells report it, and the signal itself, which kp-token
// then dies of (Raise).
func exitStatus(ps *os.ProcessState, err error) *failure.ExitStatus {
	if ps == nil {
		if err != nil {
			return &failure.ExitStatus{Code: failure.ExitCannotRun}
		}
		return &failure.ExitStatus{}
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return &failure.ExitStatus{Code: 128 + int(ws.Signal()), Signal: ws.Signal()}
	}
	var ee *osexec.ExitError
	if errors.As(err, &ee) {
		return &failure.ExitStatus{Code: ee.ExitCode()}
	}
	return &failure.ExitStatus{Code: ps.ExitCode()}
}
