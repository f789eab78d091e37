package refresh_test

import (
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/cmd/refresh"
)

func TestNewCmdRefresh(t *testing.T) {
	tests := []struct {
		args   string
		want   refresh.RefreshOptions
		output string
		quiet  bool
		bad    bool
	}{
		{args: ""},
		{args: "--file t.json -q", want: refresh.RefreshOptions{File: "t.json"}, quiet: true},
		{args: "--min-validity 10m --output raw", want: refresh.RefreshOptions{MinValidity: 10 * time.Minute, MinValiditySet: true}, output: "raw"},
		{args: "--min-validity 0s", want: refresh.RefreshOptions{MinValiditySet: true}},
		{args: "extra", bad: true},
		{args: "--min-validity soon", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *refresh.RefreshOptions
			err := cmdtest.Parse(refresh.NewCmdRefresh(cmdtest.Factory(), func(o *refresh.RefreshOptions) error { got = o; return nil }), tt.args)
			if tt.bad {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.File != tt.want.File || got.MinValidity != tt.want.MinValidity || got.MinValiditySet != tt.want.MinValiditySet ||
				got.Output.Output != tt.output || got.Output.Quiet != tt.quiet {
				t.Fatalf("options = %+v", got)
			}
		})
	}
}
