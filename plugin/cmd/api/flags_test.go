package api_test

import (
	"slices"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/api"
	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/target"
)

func TestNewCmdAPI(t *testing.T) {
	tests := []struct {
		args  string
		want  api.APIOptions
		usage bool // a usage failure before runF
	}{
		{args: "/api/v2/keys", want: api.APIOptions{Path: "/api/v2/keys"}},
		{args: "/api/v2/keys -X post --data @k.json -H correlation-id:1 -H x-kms-key-ring:r -i -q",
			want: api.APIOptions{Path: "/api/v2/keys", Method: "post", Data: "@k.json", DataSet: true,
				Headers: []string{"correlation-id:1", "x-kms-key-ring:r"}, Include: true, Quiet: true}},
		{args: "--paginate --limit-pages 3 --jq .resources[].id /api/v2/keys",
			want: api.APIOptions{Path: "/api/v2/keys", Paginate: true, LimitPages: 3, JQ: ".resources[].id"}},
		{args: "/api/v2/keys --data= --instance kp-main --region eu-de --kp-endpoint https://x",
			want: api.APIOptions{Path: "/api/v2/keys", DataSet: true, Target: target.Request{Instance: "kp-main", Region: "eu-de", Endpoint: "https://x"}}},
		{args: "/api/v2/keys --method HEAD --include --header a:b", want: api.APIOptions{Path: "/api/v2/keys", Method: "HEAD", Include: true, Headers: []string{"a:b"}}},
		{args: "", usage: true},
		{args: "/api/v2/keys /api/v2/keys", usage: true},
		{args: "/api/v2/keys --limit-pages 2", usage: true},
		{args: "/api/v2/keys --paginate --limit-pages -1", usage: true},
		{args: "/api/v2/keys --output json", usage: true},
		{args: "/api/v2/keys --file x", usage: true},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			var got *api.APIOptions
			err := cmdtest.Parse(api.NewCmdAPI(cmdtest.Factory(), func(o *api.APIOptions) error { got = o; return nil }), tt.args)
			if tt.usage {
				if got != nil || err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := tt.want
			if got.Path != w.Path || got.Method != w.Method || got.Data != w.Data || got.DataSet != w.DataSet ||
				!slices.Equal(got.Headers, w.Headers) || got.Include != w.Include || got.Paginate != w.Paginate ||
				got.LimitPages != w.LimitPages || got.JQ != w.JQ || got.Quiet != w.Quiet || got.Target != w.Target {
				t.Fatalf("options = %+v", got)
			}
		})
	}
	t.Run("the usage failures are typed", func(t *testing.T) {
		for _, args := range []string{"", "a b", "/k --limit-pages 2"} {
			err := cmdtest.Parse(api.NewCmdAPI(cmdtest.Factory(), func(*api.APIOptions) error { return nil }), args)
			if !failure.IsUsage(err) {
				t.Errorf("%q: %v is not a usage failure", args, err)
			}
		}
	})
}
