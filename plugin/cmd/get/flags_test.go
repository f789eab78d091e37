package get_test

import (
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/cmd/get"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/target"
)

// TestNewCmdGet: what each command line fills in, through runF.
func TestNewCmdGet(t *testing.T) {
	def := credential.Source{MinValidity: credential.DefaultMinValidity, CacheWait: credential.DefaultCacheWait}
	with := func(f func(s *credential.Source)) credential.Source { s := def; f(&s); return s }
	tests := []struct {
		args    string
		source  credential.Source
		target  target.Request
		output  string
		quiet   bool
		file    string
		shell   string
		wantErr string // a failure's cause, or "error" for pflag's own
	}{
		{args: "", source: def},
		{args: "-q", source: def, quiet: true},
		{args: "--apikey @key.json --quiet", source: with(func(s *credential.Source) { s.APIKey, s.APIKeySet = "@key.json", true }), quiet: true},
		{args: "--apikey=", source: with(func(s *credential.Source) { s.APIKeySet = true })},
		{args: "--apikey a --apikey b", source: with(func(s *credential.Source) { s.APIKey, s.APIKeySet = "b", true })},
		{args: "--output json --min-validity 10m --cache-wait=0s", output: "json",
			source: with(func(s *credential.Source) { s.MinValidity, s.MinValiditySet, s.CacheWait = 10*time.Minute, true, 0 })},
		{args: "--output=header --instance kp-demo --region eu-de --kp-endpoint https://x", output: "header", source: def,
			target: target.Request{Instance: "kp-demo", Region: "eu-de", Endpoint: "https://x"}},
		{args: "--output env --shell powershell --instance-id 12345678-1234-1234-1234-123456789012", output: "env", shell: "powershell",
			source: def, target: target.Request{InstanceID: "12345678-1234-1234-1234-123456789012"}},
		{args: "--no-cache --vpc --profile p --account a", source: with(func(s *credential.Source) {
			s.NoCache, s.VPC, s.Profile, s.Account = true, true, "p", "a"
		})},
		{args: "--cr-token @t --profile p", source: with(func(s *credential.Source) { s.CRToken, s.CRTokenSet, s.Profile = "@t", true, "p" })},
		{args: "--file out.json", source: def, file: "out.json"},
		{args: "--min-validity=-1m", source: with(func(s *credential.Source) { s.MinValidity, s.MinValiditySet = -time.Minute, true })},
		{args: "extra", wantErr: "usage_unexpected_arg"},
		{args: "--min-validity 10", wantErr: "error"},
		{args: "--apikey", wantErr: "error"},
		{args: "--quiet=maybe", wantErr: "error"},
		{args: "--unknown x", wantErr: "error"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *get.GetOptions
			err := cmdtest.Parse(get.NewCmdGet(cmdtest.Factory(), func(o *get.GetOptions) error { got = o; return nil }), tt.args)
			if tt.wantErr != "" {
				if err == nil || got != nil {
					t.Fatalf("accepted: %+v", got)
				}
				if f, ok := failure.As(err); tt.wantErr != "error" && (!ok || f.Cause != tt.wantErr) {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Source != tt.source || got.Target != tt.target || got.Output.Output != tt.output || got.Output.Quiet != tt.quiet ||
				got.File != tt.file || got.Shell != tt.shell {
				t.Fatalf("options = %+v", got)
			}
		})
	}
}
