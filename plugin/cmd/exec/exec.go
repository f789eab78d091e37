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
	"runtime"
	"slices"
	"strings"
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
		Credentials: f.Credentials, Targets: f.Targets}
	h := f.Help
	c := &cobra.Command{
		Use:         "exec",
		Short:       h.T("exec_description"),
		Long:        h.T("exec_long"),
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

// execRun runs a command with KP_ACCESS_TOKEN, KP_INSTANCE_ID and
// KP_ENDPOINT in its environment, so the token is in no argv, and ends
// with the command's status, or its signal.
func execRun(ctx context.Context, opts *ExecOptions) error {
	if len(opts.Command) == 0 {
		return failure.Usagef("exec_no_command", nil)
	}
	p := &output.Printer{Out: opts.IO.Out, Err: opts.IO.ErrOut, Translator: opts.Translator, Quiet: opts.Quiet || opts.CLIQuiet, Now: opts.Now}
	var path string
	lookPath := func() (err error) {
		if path, err = osexec.LookPath(opts.Command[0]); err != nil {
			return failure.New("exec_not_found", map[string]any{"Command": output.SafeLine(opts.Command[0])}).
				WithRemedy("exec_not_found_remedy", nil).WithExitCode(failure.ExitNotFound).Wrap(err)
		}
		return nil
	}
	n := cmdutil.Notices{P: p}
	creds := opts.Credentials(n)
	t, tgt, err := opts.Targets(n).With(ctx, opts.Target, target.Needs{Endpoint: true, Instance: true}, lookPath,
		func(ctx context.Context) (token.Token, error) { return creds.Resolve(ctx, opts.Source) })
	if err != nil {
		return err
	}
	child := osexec.Command(path, opts.Command[1:]...)
	set := map[string]string{
		"KP_ACCESS_TOKEN": t.Bearer(),
		"KP_INSTANCE_ID":  tgt.InstanceID,
		"KP_ENDPOINT":     tgt.Endpoint,
	}
	if !opts.KeepEnv {
		// The command gets the short-lived token, not the credential that
		// made it.
		for _, name := range consumedCredentials {
			set[name] = ""
		}
	}
	child.Env = childEnv(opts.Environ(), set)
	child.Stdin, child.Stdout, child.Stderr = opts.IO.In, opts.IO.Out, opts.IO.ErrOut
	// The child gets the real stdout (a terminal stays a terminal).
	if u, ok := opts.IO.Out.(interface{ Unwrap() io.Writer }); ok {
		child.Stdout = u.Unwrap()
	}
	return run(child, opts.Command[0])
}

// run starts the child, passes it the signals a supervisor sends, waits
// for it and ends as it did.
func run(child *osexec.Cmd, name string) error {
	// The child decides what a signal means; kp-token waits for it. A
	// signal the process was started with ignored ('nohup') stays ignored,
	// for the child too: catching it would reset it in the child.
	sigs := make(chan os.Signal, 4)
	for _, s := range append(append([]os.Signal{}, absorbedSignals...), forwardedSignals...) {
		signals.Notify(sigs, s)
	}
	defer signal.Stop(sigs)
	if err := child.Start(); err != nil {
		return failure.New("exec_start_failed", map[string]any{"Command": output.SafeLine(name)}).
			WithRemedy("exec_not_found_remedy", nil).WithExitCode(failure.ExitCannotRun).Wrap(err).WithDetail(err.Error())
	}
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
	return exitStatus(child.ProcessState, err)
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
