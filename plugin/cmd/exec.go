package cmd

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// ExecOptions are the inputs of 'kp-token exec'.
type ExecOptions struct {
	sourceOptions
	targetOptions
	Quiet   bool
	Command []string
}

// NewCmdExec builds 'kp-token exec'.
func NewCmdExec(d *Deps) *cobra.Command {
	opts := &ExecOptions{}
	c := &cobra.Command{
		Use:         "exec",
		Short:       "exec_description",
		Long:        "exec_long",
		Annotations: annotate("exec_usage"),
		RunE: func(c *cobra.Command, args []string) error {
			opts.sourceOptions.bind(c)
			opts.Command = args
			return RunExec(d, opts)
		},
	}
	// Everything from the first argument on is the command and its own
	// options: 'exec curl -H ...' needs no '--'.
	c.Flags().SetInterspersed(false)
	addSourceFlags(c, d, &opts.sourceOptions)
	addTargetFlags(c, d, &opts.targetOptions)
	c.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "flag_exec_quiet")
	return c
}

// RunExec runs a command with KP_ACCESS_TOKEN, KP_INSTANCE_ID and
// KP_ENDPOINT in its environment, so the token is in no argv, and exits
// with the command's status.
func RunExec(d *Deps, opts *ExecOptions) error {
	if len(opts.Command) == 0 {
		return failure.Usagef("exec_no_command", nil)
	}
	p := &output.Printer{Out: d.IO.Out, Err: d.IO.ErrOut, T: d.T, Quiet: opts.Quiet || d.Quiet, Now: d.Now}
	var path string
	lookPath := func() (err error) {
		if path, err = exec.LookPath(opts.Command[0]); err != nil {
			return failure.New("exec_not_found", map[string]any{"Command": output.SafeLine(opts.Command[0])}).
				WithRemedy("exec_not_found_remedy", nil).WithExitCode(failure.ExitNotFound).Wrap(err)
		}
		return nil
	}
	t, target, _, err := tokenFor(d, p, &opts.sourceOptions, &opts.targetOptions, targetNeeds{endpoint: true, instance: true}, lookPath)
	if err != nil {
		return err
	}
	child := exec.Command(path, opts.Command[1:]...)
	child.Env = childEnv(d.Environ(), map[string]string{
		"KP_ACCESS_TOKEN": t.Bearer(),
		"KP_INSTANCE_ID":  target.InstanceID,
		"KP_ENDPOINT":     target.Endpoint,
	})
	child.Stdin, child.Stdout, child.Stderr = d.IO.In, d.IO.Out, d.IO.ErrOut
	// The child gets the real stdout (a terminal stays a terminal).
	if u, ok := d.IO.Out.(interface{ Unwrap() io.Writer }); ok {
		child.Stdout = u.Unwrap()
	}

	// Signals go to the child, which decides; kp-token waits for it.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	if err := child.Start(); err != nil {
		return failure.New("exec_start_failed", map[string]any{"Command": output.SafeLine(opts.Command[0])}).
			WithRemedy("exec_not_found_remedy", nil).WithExitCode(failure.ExitCannotRun).Wrap(err).WithDetail(err.Error())
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = child.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err = child.Wait()
	close(done)
	return &failure.ExitStatus{Code: exitStatus(child.ProcessState, err)}
}

// childEnv is env with the given variables set (an empty value unsets).
func childEnv(env []string, set map[string]string) []string {
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if _, ok := set[name]; !ok {
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

// exitStatus is the child's exit code; a child killed by a signal gives
// 128+signal, as shells report it.
func exitStatus(ps *os.ProcessState, err error) int {
	if ps == nil {
		if err != nil {
			return failure.ExitCannotRun
		}
		return 0
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return ps.ExitCode()
}
