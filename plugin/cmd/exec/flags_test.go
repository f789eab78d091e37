package exec_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/cmd/exec"
	"github.com/kp-token/kp-token/plugin/target"
)

// TestNewCmdExec: everything from the first argument on is the command,
// its options included, with or without '--'.
func TestNewCmdExec(t *testing.T) {
	tests := []struct {
		args    string
		command string
		quiet   bool
		keepEnv bool
		apikey  string
		target  target.Request
	}{
		{args: "curl -H x", command: "curl -H x"},
		{args: "-q --keep-env -- sh -c env", command: "sh -c env", quiet: true, keepEnv: true},
		{args: "--apikey @k --instance-id ID sh --apikey other", command: "sh --apikey other", apikey: "@k", target: target.Request{InstanceID: "ID"}},
		{args: "--region eu-de --kp-endpoint https://x env", command: "env", target: target.Request{Region: "eu-de", Endpoint: "https://x"}},
		{args: "", command: ""},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *exec.ExecOptions
			if err := cmdtest.Parse(exec.NewCmdExec(cmdtest.Factory(), func(o *exec.ExecOptions) error { got = o; return nil }), tt.args); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Command, strings.Fields(tt.command)) || got.Quiet != tt.quiet || got.KeepEnv != tt.keepEnv ||
				got.Source.APIKey != tt.apikey || got.Target != tt.target {
				t.Fatalf("options = %+v", got)
			}
		})
	}
}
