package instances_test

import (
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/cmd/instances"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestNewCmdInstances(t *testing.T) {
	tests := []struct {
		args   string
		output string
		quiet  bool
		apikey string
		vpc    bool
		bad    bool
	}{
		{args: ""},
		{args: "--output json", output: "json"},
		{args: "-q --apikey @key.json", quiet: true, apikey: "@key.json"},
		{args: "--vpc --profile p", vpc: true},
		{args: "extra", bad: true},
		{args: "--instance kp", bad: true},
		{args: "--region eu-de", bad: true},
		{args: "--file x", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *instances.InstancesOptions
			err := cmdtest.Parse(instances.NewCmdInstances(cmdtest.Factory(), func(o *instances.InstancesOptions) error { got = o; return nil }), tt.args)
			if tt.bad {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Output.Output != tt.output || got.Output.Quiet != tt.quiet || got.Source.APIKey != tt.apikey ||
				got.Source.APIKeySet != (tt.apikey != "") || got.Source.VPC != tt.vpc ||
				got.Source.MinValidity != credential.DefaultMinValidity || got.Source.CacheWait != credential.DefaultCacheWait {
				t.Fatalf("options = %+v", got)
			}
		})
	}
}

func TestNewCmdUse(t *testing.T) {
	tests := []struct {
		args     string
		instance string
		clear    bool
		region   string
		quiet    bool
		usage    string // the usage failure expected, "" for none
		bad      bool   // refused by the flag parser
	}{
		{args: "kp-prod", instance: "kp-prod"},
		{args: "crn:v1:bluemix:public:kms:eu-de:a/x:cccccccc-3333-4333-8333-333333333333:: --region eu-de -q",
			instance: "crn:v1:bluemix:public:kms:eu-de:a/x:cccccccc-3333-4333-8333-333333333333::", region: "eu-de", quiet: true},
		{args: "--clear", clear: true},
		{args: "--clear --region eu-de", clear: true, region: "eu-de"},
		{args: "", usage: "instances_use_none"},
		{args: "kp-prod --clear", usage: "instances_use_both"},
		{args: "kp-prod kp-test", usage: "usage_unexpected_arg"},
		{args: "kp-prod --output json", bad: true},
		{args: "kp-prod --instance-id x", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *instances.UseOptions
			err := cmdtest.Parse(instances.NewCmdUse(cmdtest.Factory(), func(o *instances.UseOptions) error { got = o; return nil }), tt.args)
			switch {
			case tt.usage != "":
				if f, ok := failure.As(err); !ok || f.Cause != tt.usage || !f.Usage() {
					t.Fatalf("err = %v, want %s", err, tt.usage)
				}
				return
			case tt.bad:
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if got.Instance != tt.instance || got.Clear != tt.clear || got.Region != tt.region || got.Quiet != tt.quiet {
				t.Fatalf("options = %+v", got)
			}
		})
	}
}

// TestHelp: 'instances' lists its 'use', and 'instances use --help' is the
// help of 'use', in the user's language, with the options it takes.
func TestHelp(t *testing.T) {
	h := cmdtest.New(t)
	r := h.Run("", "instances", "--help")
	if r.Code != 0 || !strings.Contains(r.Stdout, "COMMANDS:\n  use            Remember the Key Protect instance that commands use in a region.\n") {
		t.Fatalf("instances --help:\n%s", r)
	}
	h.Login(iamtest.Session{Locale: "fr_FR"})
	r = h.Run("", "instances", "use", "-h")
	for _, want := range []string{"  use - Mémoriser l'instance Key Protect", "ibmcloud kp-token instances use (NAME | CRN | GUID | --clear)",
		"      --clear             Oublier l'instance mémorisée pour la région\n", "  -h, --help              "} {
		if r.Code != 0 || !strings.Contains(r.Stdout, want) {
			t.Fatalf("instances use -h lacks %q:\n%s", want, r)
		}
	}
	if strings.Contains(r.Stdout, "help for") || strings.Contains(r.Stdout, "--output") {
		t.Fatalf("instances use -h:\n%s", r)
	}
}
