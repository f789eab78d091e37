package target

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// settings is the plug-in's configuration in memory; panics makes every
// call panic, as the SDK's does on a file it cannot read.
type settings struct {
	data   map[string]interface{}
	panics bool
	err    error
}

func (s *settings) Get(key string) interface{} {
	if s.panics {
		panic("open config.json: is a directory")
	}
	return s.data[key]
}

func (s *settings) Set(key string, v interface{}) error {
	if s.panics {
		panic("open config.json: is a directory")
	}
	if s.err != nil {
		return s.err
	}
	s.data[key] = v
	return nil
}

func (s *settings) Erase(key string) error {
	if s.panics {
		panic("open config.json: is a directory")
	}
	delete(s.data, key)
	return s.err
}

const account = "a1b2c3d4e5f60718293a4b5c6d7e8f90" // iamtest.User's

// TestRememberedIsCheckedWhenRead: the file is the user's to edit, and the
// GUID it holds reaches headers and eval'ed lines: only what 'instances
// use' writes is used; anything else is refused, never skipped.
func TestRememberedIsCheckedWhenRead(t *testing.T) {
	key := settingsKey(account, "us-south")
	tests := []struct {
		name  string
		value interface{}
		guid  string
		cause string
	}{
		{"as written", map[string]interface{}{"guid": guidA, "name": "kp-one"}, guidA, ""},
		{"upper case", map[string]interface{}{"guid": "AAAAAAAA-1111-4111-8111-111111111111"}, guidA, ""},
		{"nothing", nil, "", ""},
		{"a shell line", map[string]interface{}{"guid": guidA + "'; touch /tmp/pwned; '"}, "", "instance_remembered_invalid"},
		{"a line break", map[string]interface{}{"guid": guidA + "\nexport KP_ENDPOINT=https://evil.example"}, "", "instance_remembered_invalid"},
		{"PowerShell quotes", map[string]interface{}{"guid": "x\u2019; Start-Process calc; \u2019"}, "", "instance_remembered_invalid"},
		{"a bare string", guidA, "", "instance_remembered_invalid"},
		{"a number", 42.0, "", "instance_remembered_invalid"},
		{"a name that is not text", map[string]interface{}{"guid": guidA, "name": []interface{}{"x"}}, "", "instance_remembered_invalid"},
		{"no GUID", map[string]interface{}{"name": "kp-one"}, "", "instance_remembered_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, _, _ := resolver(t, session{region: "us-south"}, nil, "")
			r.Settings, r.SettingsPath = &settings{data: map[string]interface{}{key: tt.value}}, "/home/u/.bluemix/plugins/kp-token/config.json"
			inst, ok, err := r.remembered(account, "us-south")
			if tt.cause != "" {
				f, isFailure := failure.As(err)
				if !isFailure || f.Cause != tt.cause || f.Remedy != "instance_remembered_invalid_remedy" || ok ||
					f.CauseData["Path"] != r.SettingsPath || f.CauseData["Region"] != "us-south" {
					t.Fatalf("remembered = %+v, %v, %v; want %s", inst, ok, err, tt.cause)
				}
				return
			}
			if err != nil || inst.GUID != tt.guid || ok != (tt.guid != "") || (ok && inst.Region != "us-south") {
				t.Fatalf("remembered = %+v, %v, %v", inst, ok, err)
			}
		})
	}
	t.Run("another account or region is not this one's", func(t *testing.T) {
		r, _, _, _ := resolver(t, session{region: "us-south"}, nil, "")
		r.Settings = &settings{data: map[string]interface{}{key: map[string]interface{}{"guid": guidA}}}
		for _, where := range [][2]string{{"ffffffffffffffffffffffffffffffff", "us-south"}, {account, "eu-de"}} {
			if _, ok, err := r.remembered(where[0], where[1]); ok || err != nil {
				t.Fatalf("%v: remembered = %v, %v", where, ok, err)
			}
		}
	})
}

// TestSettingsFailures: the SDK panics on a configuration it cannot read
// or write; here that is a failure naming the file.
func TestSettingsFailures(t *testing.T) {
	r, _, tok, _ := resolver(t, session{region: "us-south"}, nil, "", instance(guidA, "kp-one", "us-south", "g1"))
	r.SettingsPath = "/p/config.json"
	r.Settings = &settings{panics: true}
	if _, _, err := r.remembered(account, "us-south"); !isCause(err, "settings_unreadable") {
		t.Fatalf("read: %v", err)
	}
	if _, err := r.Use(context.Background(), "kp-one", "", tok); !isCause(err, "settings_write_failed") {
		t.Fatalf("write: %v", err)
	}
	r.Settings = &settings{data: map[string]interface{}{}, err: errors.New("disk full")}
	if _, err := r.Use(context.Background(), "kp-one", "", tok); !isCause(err, "settings_write_failed") {
		t.Fatalf("write error: %v", err)
	}
	r.Settings = nil
	if _, err := r.Use(context.Background(), "kp-one", "", tok); !isCause(err, "settings_write_failed") {
		t.Fatalf("no settings: %v", err)
	}
}

func isCause(err error, cause string) bool {
	f, ok := failure.As(err)
	return ok && f.Cause == cause
}

// TestUse: the instance is confirmed with the Resource Controller (a Key
// Protect instance of the token's account) and remembered for its own
// region; Forget forgets it.
func TestUse(t *testing.T) {
	cos := instance("dddddddd-4444-4444-8444-444444444444", "cos", "us-south", "g1")
	cos.ResourceID = "dff97f5c-bc5e-4455-b470-411c3edbe49c"
	theirs := instance("eeeeeeee-5555-4555-8555-555555555555", "theirs", "us-south", "g1")
	theirs.Account = "ffffffffffffffffffffffffffffffff"
	list := []iamtest.RCInstance{
		instance(guidA, "kp-one", "us-south", "g1"), instance(guidB, "kp-eu", "eu-de", "g1"),
		instance(guidC, "twin", "us-south", "g2"), instance("cccccccc-3333-4333-8333-444444444444", "twin", "us-south", "g1"),
		cos, theirs,
	}
	crnEU := instance(guidB, "kp-eu", "eu-de", "g1").CRN()
	tests := []struct {
		name, arg, region string
		guid, key         string
		cause             string
		usage             bool
	}{
		{name: "by name", arg: "kp-one", guid: guidA, key: "us-south"},
		{name: "by GUID", arg: "AAAAAAAA-1111-4111-8111-111111111111", guid: guidA, key: "us-south"},
		{name: "by CRN, with --region", arg: crnEU, region: "eu-de", guid: guidB, key: "eu-de"},
		{name: "in another region than the targeted one", arg: "kp-eu", cause: "instances_use_other_region", usage: true},
		{name: "in another region than --region", arg: "kp-one", region: "eu-de", cause: "instances_use_other_region", usage: true},
		{name: "a name of two", arg: "twin", cause: "instance_name_several"},
		{name: "an unknown name", arg: "nope", cause: "instance_name_not_found"},
		{name: "an unknown GUID", arg: "99999999-1111-4111-8111-111111111111", cause: "instances_use_not_found"},
		{name: "another account's", arg: theirs.GUID, cause: "instances_use_not_found"},
		{name: "a CRN whose region is not the instance's", arg: "crn:v1:bluemix:public:kms:us-south:a/x:" + guidB + "::", cause: "instances_use_not_found"},
		{name: "another service's", arg: cos.GUID, cause: "instances_use_not_kp"},
		{name: "another service's CRN", arg: cos.CRN(), cause: "instance_crn_not_kp", usage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, tok, _ := resolver(t, session{region: "us-south", account: account}, nil, "", list...)
			s := &settings{data: map[string]interface{}{}}
			r.Settings = s
			inst, err := r.Use(context.Background(), tt.arg, tt.region, tok)
			if tt.cause != "" {
				f, ok := failure.As(err)
				if !ok || f.Cause != tt.cause || f.Usage() != tt.usage || len(s.data) != 0 {
					t.Fatalf("Use = %+v, %v; want %s (settings %v)", inst, err, tt.cause, s.data)
				}
				if tt.cause == "instance_name_several" && (f.Table == nil || len(f.Table.Rows) != 2 || f.Remedy != "instances_use_several_remedy") {
					t.Fatalf("several: %+v", f)
				}
				return
			}
			want := map[string]interface{}{"guid": tt.guid, "name": inst.Name}
			got, _ := s.data[settingsKey(account, tt.key)].(map[string]interface{})
			if err != nil || inst.GUID != tt.guid || len(s.data) != 1 || got["guid"] != want["guid"] || got["name"] != want["name"] {
				t.Fatalf("Use = %+v, %v; settings %v", inst, err, s.data)
			}
			back, ok, err := r.remembered(account, tt.key)
			if !ok || err != nil || back.GUID != tt.guid {
				t.Fatalf("read back: %+v, %v, %v", back, ok, err)
			}
			acct, region, found, err := r.Forget(tt.region, tok)
			if err != nil || !found || acct != account || region != tt.key || len(s.data) != 0 {
				t.Fatalf("Forget = %s %s %v %v; settings %v", acct, region, found, err, s.data)
			}
			if _, _, found, err := r.Forget(tt.region, tok); found || err != nil {
				t.Fatalf("Forget again = %v, %v", found, err)
			}
		})
	}
}

// TestResolvePrefersRemembered: with no instance named, the one remembered
// for the account and region searched wins over the only one there, with
// no lookup; flags and KP_INSTANCE_ID still win over it.
func TestResolvePrefersRemembered(t *testing.T) {
	s := session{region: "us-south", group: "g1", groupName: "default", account: account}
	remembered := map[string]interface{}{settingsKey(account, "us-south"): map[string]interface{}{"guid": guidC, "name": "kp-chosen"}}
	tests := []struct {
		name   string
		req    Request
		env    map[string]string
		guid   string
		notice string
	}{
		{"remembered", Request{}, nil, guidC, "instance_using_remembered"},
		{"KP_INSTANCE_ID wins", Request{}, map[string]string{"KP_INSTANCE_ID": guidB}, guidB, "instance_using_id"},
		{"--instance-id wins", Request{InstanceID: guidB}, map[string]string{"KP_INSTANCE_ID": guidA}, guidB, ""},
		{"--instance NAME wins", Request{Instance: "kp-one"}, nil, guidA, "instance_using_named"},
		{"another region has none remembered", Request{Region: "eu-de"}, nil, guidB, "instance_using_group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, rc, tok, n := resolver(t, s, tt.env, "", instance(guidA, "kp-one", "us-south", "g1"), instance(guidB, "kp-eu", "eu-de", "g1"))
			r.Settings = &settings{data: remembered}
			ref, err := r.Parse(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			tgt, err := r.Resolve(context.Background(), tt.req, ref, tok, Needs{Endpoint: true, Instance: true})
			if err != nil || tgt.InstanceID != tt.guid {
				t.Fatalf("Resolve = %+v, %v", tgt, err)
			}
			if got := append(*n, "")[0]; got != tt.notice || len(*n) > 1 {
				t.Fatalf("notices %v, want %q", *n, tt.notice)
			}
			if tt.notice == "instance_using_remembered" && (rc.Count() != 0 || tgt.Endpoint != "https://us-south.kms.cloud.ibm.com") {
				t.Fatalf("remembered: %d lookups, endpoint %s", rc.Count(), tgt.Endpoint)
			}
		})
	}
}

// TestUseChecksTheRecord: what the Resource Controller says of a GUID is
// checked here too, not only trusted to its filters: another account's
// instance, or a deleted one, is not remembered.
func TestUseChecksTheRecord(t *testing.T) {
	for _, tt := range []struct{ account, state string }{{"ffffffffffffffffffffffffffffffff", "active"}, {account, "removed"}, {account, "pending_reclamation"}} {
		r, _, tok, _ := resolver(t, session{region: "us-south"}, nil, "")
		r.HTTPClient = func(time.Duration) *http.Client {
			return &http.Client{Transport: roundTrip(func(req *http.Request) (*http.Response, error) {
				body := `{"guid":"` + guidA + `","name":"kp","region_id":"us-south","account_id":"` + tt.account +
					`","resource_id":"` + iamtest.KeyProtectResourceID + `","state":"` + tt.state + `"}`
				return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
			})}
		}
		s := &settings{data: map[string]interface{}{}}
		r.Settings = s
		if _, err := r.Use(context.Background(), guidA, "", tok); !isCause(err, "instances_use_not_found") || len(s.data) != 0 {
			t.Fatalf("%+v: Use = %v, settings %v", tt, err, s.data)
		}
	}
}
