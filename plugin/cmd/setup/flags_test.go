package setup_test

import (
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/cmd/setup"
	"github.com/kp-token/kp-token/plugin/credential"
	"github.com/kp-token/kp-token/plugin/target"
)

func TestNewCmdSetup(t *testing.T) {
	tests := []struct {
		args         string
		name, role   string
		file, desc   string
		target       target.Request
		reuse, force bool
		apikey       string
		profile      string
		bad          bool
		// rotate, remove and keepOld are the later steps' options.
		rotate, remove, keepOld bool
	}{
		{args: "--name n --instance-id ID", name: "n", role: "Reader", target: target.Request{InstanceID: "ID"}},
		{args: "--name n --instance kp --role writer --file k.json --description d --reuse -f", name: "n", role: "writer",
			target: target.Request{Instance: "kp"}, file: "k.json", desc: "d", reuse: true, force: true},
		{args: "--name n --apikey @admin", name: "n", role: "Reader", apikey: "@admin"},
		{args: "--name", bad: true},
		{args: "extra", bad: true},
		{args: "--region eu-de", bad: true}, // setup names an instance, not an endpoint
		{args: "--name n --apikey @admin --profile p --account acc", name: "n", role: "Reader", apikey: "@admin", profile: "p"},
		// setup keeps no token and acts as an administrator: neither the
		// cache's options nor a compute resource's identity.
		{args: "--name n --min-validity 1m", bad: true},
		{args: "--name n --no-cache", bad: true},
		{args: "--name n --cache-wait 1s", bad: true},
		{args: "--name n --cr-token @t --profile p", bad: true},
		{args: "--name n --vpc --profile p", bad: true},
		{args: "--rotate --name n", name: "n", role: "Reader", rotate: true},
		{args: "--rotate --name n --file k.json --keep-old -f --apikey @admin", name: "n", role: "Reader", file: "k.json",
			rotate: true, keepOld: true, force: true, apikey: "@admin"},
		{args: "--remove --name n --file k.json -f", name: "n", role: "Reader", file: "k.json", remove: true, force: true},
		{args: "--rotate --remove --name n", bad: true},
		{args: "--keep-old --name n", bad: true},
		{args: "--remove --keep-old --name n", bad: true},
		{args: "--rotate --name n --instance-id ID", bad: true},
		{args: "--remove --name n --role Reader", bad: true}, // even the default value, given
		{args: "--rotate --name n --description d", bad: true},
		{args: "--remove --name n --reuse", bad: true},
		{args: "--rotate --name n --instance kp", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *setup.SetupOptions
			err := cmdtest.Parse(setup.NewCmdSetup(cmdtest.Factory(), func(o *setup.SetupOptions) error { got = o; return nil }), tt.args)
			if tt.bad {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tt.name || got.Role != tt.role || got.File != tt.file || got.Description != tt.desc ||
				got.Target != tt.target || got.Reuse != tt.reuse || got.Force != tt.force || got.Source.APIKey != tt.apikey ||
				got.Source.Profile != tt.profile || got.Source.MinValidity != credential.DefaultMinValidity || got.Source.CacheWait != credential.DefaultCacheWait ||
				got.Rotate != tt.rotate || got.Remove != tt.remove || got.KeepOld != tt.keepOld {
				t.Fatalf("options = %+v", got)
			}
		})
	}
}
