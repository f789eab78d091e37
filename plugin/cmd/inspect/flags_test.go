package inspect_test

import (
	"path/filepath"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/cmd/inspect"
	"github.com/kp-token/kp-token/plugin/failure"
)

func TestNewCmdInspect(t *testing.T) {
	tests := []struct {
		args    string
		token   string
		file    string
		output  string
		wantErr string
	}{
		{args: ""},
		{args: "a.b.c", token: "a.b.c"},
		{args: "- --output json", token: "-", output: "json"},
		{args: "--file t.json", file: "t.json"},
		{args: "a b", wantErr: "inspect_too_many_args"},
		{args: "-q", wantErr: "error"}, // no quiet form
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *inspect.InspectOptions
			err := cmdtest.Parse(inspect.NewCmdInspect(cmdtest.Factory(), func(o *inspect.InspectOptions) error { got = o; return nil }), tt.args)
			if tt.wantErr != "" {
				if f, ok := failure.As(err); err == nil || (tt.wantErr != "error" && (!ok || f.Cause != tt.wantErr)) {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Token != tt.token || got.File != tt.file || got.Output.Output != tt.output {
				t.Fatalf("options = %+v", got)
			}
		})
	}
}

// A token and a file at once is a usage failure, before anything is read.
func TestInspectSourcesConflict(t *testing.T) {
	c := inspect.NewCmdInspect(cmdtest.Factory(), nil)
	err := cmdtest.Parse(c, "a.b.c --file "+filepath.Join(t.TempDir(), "t.json"))
	if f, ok := failure.As(err); !ok || f.Cause != "inspect_two_sources" || f.ExitCode != failure.ExitUsage {
		t.Fatalf("err = %v", err)
	}
}
