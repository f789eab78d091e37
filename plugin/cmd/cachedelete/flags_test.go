package cachedelete_test

import (
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cachedelete"
	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/credential"
)

func TestNewCmdCacheDelete(t *testing.T) {
	tests := []struct {
		args   string
		source credential.Source
		all    bool
		output string
		bad    bool
	}{
		{args: ""},
		{args: "--all --output json", all: true, output: "json"},
		{args: "--apikey -", source: credential.Source{APIKey: "-", APIKeySet: true}},
		{args: "--cr-token @t --profile p", source: credential.Source{CRToken: "@t", CRTokenSet: true, Profile: "p"}},
		{args: "--vpc --profile p --account a", source: credential.Source{VPC: true, Profile: "p", Account: "a"}},
		// The token's freshness is get's business, not the cache's key.
		{args: "--min-validity 1h", bad: true},
		{args: "extra", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *cachedelete.CacheDeleteOptions
			err := cmdtest.Parse(cachedelete.NewCmdCacheDelete(cmdtest.Factory(), func(o *cachedelete.CacheDeleteOptions) error { got = o; return nil }), tt.args)
			if tt.bad {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Source != tt.source || got.All != tt.all || got.Output.Output != tt.output {
				t.Fatalf("options = %+v", got)
			}
		})
	}
}
