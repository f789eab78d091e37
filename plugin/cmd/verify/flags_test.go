package verify_test

import (
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/cmd/verify"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/target"
)

func TestNewCmdVerify(t *testing.T) {
	tests := []struct {
		args   string
		target target.Request
		output string
		quiet  bool
		vpc    bool
		bad    bool
	}{
		{args: ""},
		{args: "--instance kp-demo --output json", target: target.Request{Instance: "kp-demo"}, output: "json"},
		{args: "-q --vpc --profile p --kp-endpoint https://x", target: target.Request{Endpoint: "https://x"}, quiet: true, vpc: true},
		{args: "extra", bad: true},
		{args: "--file x", bad: true},
		// verify uses the token at once: no freshness or cache options.
		{args: "--no-cache", bad: true},
		{args: "--min-validity 1m", bad: true},
		{args: "--cache-wait 1s", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *verify.VerifyOptions
			err := cmdtest.Parse(verify.NewCmdVerify(cmdtest.Factory(), func(o *verify.VerifyOptions) error { got = o; return nil }), tt.args)
			if tt.bad {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Target != tt.target || got.Output.Output != tt.output || got.Output.Quiet != tt.quiet || got.Source.VPC != tt.vpc ||
				got.Source.MinValidity != credential.DefaultMinValidity || got.Source.CacheWait != credential.DefaultCacheWait {
				t.Fatalf("options = %+v", got)
			}
		})
	}
}
