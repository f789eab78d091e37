package target

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/token"
)

const (
	guidA = "aaaaaaaa-1111-4111-8111-111111111111"
	guidB = "bbbbbbbb-2222-4222-8222-222222222222"
	guidC = "cccccccc-3333-4333-8333-333333333333"
)

// session is the CLI's targeting: a region, a resource group, an account.
type session struct {
	region, group, groupName, account string
	private                           bool
}

func (s session) CurrentRegion() models.Region   { return models.Region{Name: s.region} }
func (s session) CurrentAccount() models.Account { return models.Account{GUID: s.account} }
func (s session) IsPrivateEndpointEnabled() bool { return s.private }
func (s session) CurrentResourceGroup() models.ResourceGroup {
	return models.ResourceGroup{GUID: s.group, Name: s.groupName}
}

type notes []string

func (n *notes) Notice(id string, _ map[string]any) { *n = append(*n, id) }

// resolver is a resolver against a Resource Controller holding list, with
// a cache in dir ("" for none), and a token the controller accepts.
func resolver(t *testing.T, s Session, env map[string]string, dir string, list ...iamtest.RCInstance) (*Resolver, *iamtest.ResourceController, token.Token, *notes) {
	t.Helper()
	iam := iamtest.New()
	t.Cleanup(iam.Close)
	rc := iamtest.NewResourceController(iam)
	t.Cleanup(rc.Close)
	rc.Add(list...)
	all := map[string]string{"RESOURCE_CONTROLLER_URL": rc.URL}
	for k, v := range env {
		all[k] = v
	}
	n := &notes{}
	r := &Resolver{
		Getenv:     func(k string) string { return all[k] },
		Session:    s,
		HTTPClient: func(time.Duration) *http.Client { return &http.Client{Timeout: 5 * time.Second} },
		Timeout:    5 * time.Second,
		OpenCache: func() (Cache, error) {
			if dir == "" {
				return nil, errors.New("no cache")
			}
			c, err := cache.Open(dir)
			if err != nil {
				return nil, err
			}
			return c, nil
		},
		Now:    time.Now,
		Notify: n,
	}
	access := iam.AccessToken(iamtest.User, "password", time.Hour)
	return r, rc, token.Token{AccessToken: access, TokenType: "Bearer"}, n
}

func instance(guid, name, region, group string) iamtest.RCInstance {
	return iamtest.RCInstance{GUID: guid, Name: name, Region: region, ResourceGroup: group,
		ResourceID: iamtest.KeyProtectResourceID, Account: iamtest.User.Account}
}

func TestParse(t *testing.T) {
	crn := "crn:v1:bluemix:public:kms:eu-de:a/acc:" + guidA + "::"
	tests := []struct {
		name  string
		req   Request
		env   map[string]string
		want  Ref
		cause string
	}{
		{"GUID", Request{InstanceID: " " + "AAAAAAAA-1111-4111-8111-111111111111"}, nil, Ref{Instance: kp.Instance{GUID: guidA}, From: "--instance-id"}, ""},
		{"GUID as --instance", Request{Instance: guidB}, nil, Ref{Instance: kp.Instance{GUID: guidB}, From: "--instance"}, ""},
		{"CRN", Request{Instance: crn}, nil, Ref{Instance: kp.Instance{GUID: guidA, CRN: crn, Region: "eu-de"}, From: "--instance"}, ""},
		{"name", Request{Instance: "kp-main"}, nil, Ref{Name: "kp-main", From: "--instance"}, ""},
		{"KP_INSTANCE_ID", Request{}, map[string]string{"KP_INSTANCE_ID": guidC}, Ref{Instance: kp.Instance{GUID: guidC}, From: "KP_INSTANCE_ID"}, ""},
		{"the flag beats KP_INSTANCE_ID", Request{Instance: "kp"}, map[string]string{"KP_INSTANCE_ID": guidC}, Ref{Name: "kp", From: "--instance"}, ""},
		{"nothing", Request{}, nil, Ref{}, ""},
		{"both", Request{InstanceID: guidA, Instance: "kp"}, nil, Ref{}, "usage_instance_both"},
		{"not a GUID", Request{InstanceID: "nope"}, nil, Ref{}, "kp_instance_id_invalid"},
		{"bad KP_INSTANCE_ID", Request{}, map[string]string{"KP_INSTANCE_ID": "x"}, Ref{}, "kp_instance_id_invalid"},
		{"another service's CRN", Request{Instance: "crn:v1:bluemix:public:cloud-object-storage:global:a/acc:" + guidA + "::"}, nil, Ref{}, "instance_crn_not_kp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, _, _ := resolver(t, nil, tt.env, "")
			ref, err := r.Parse(tt.req)
			if tt.cause != "" {
				if f, ok := failure.As(err); !ok || f.Cause != tt.cause || !f.Usage() {
					t.Fatalf("err = %v, want %s", err, tt.cause)
				}
				return
			}
			if err != nil || ref != tt.want {
				t.Fatalf("Parse = %+v, %v; want %+v", ref, err, tt.want)
			}
		})
	}
}

// TestCheck: the mistakes that need no network are found before a token
// is obtained.
func TestCheck(t *testing.T) {
	crn := Ref{Instance: kp.Instance{GUID: guidA, Region: "us-south"}}
	kpEndpoint := map[string]string{"KP_ENDPOINT": "https://kms.example"}
	tests := []struct {
		name  string
		s     Session
		env   map[string]string
		req   Request
		ref   Ref
		needs Needs
		cause string
		usage bool
	}{
		{"a named instance and a session region", session{region: "us-south"}, nil, Request{}, Ref{Name: "kp"}, Needs{Endpoint: true}, "", false},
		{"no region for the endpoint", nil, nil, Request{}, Ref{Instance: kp.Instance{GUID: guidA}}, Needs{Endpoint: true}, "kp_region_none", false},
		{"a CRN brings its region", nil, nil, Request{}, Ref{Instance: kp.Instance{GUID: guidA, Region: "eu-de"}}, Needs{Endpoint: true}, "", false},
		{"no region to look for the only one", nil, nil, Request{Endpoint: "https://kms.example"}, Ref{}, Needs{Instance: true}, "kp_region_none", false},
		{"an unknown region", session{region: "us-south"}, nil, Request{Region: "mars"}, Ref{}, Needs{}, "kp_region_unknown", true},
		// Regions are held to the table whatever gives the endpoint.
		{"an unknown region with --kp-endpoint", nil, nil, Request{Region: "mars-1", Endpoint: "https://kms.example"}, Ref{}, Needs{Endpoint: true}, "kp_region_unknown", true},
		{"an unknown region with KP_ENDPOINT", nil, kpEndpoint, Request{Region: "mars-1"}, Ref{}, Needs{Endpoint: true, Instance: true}, "kp_region_unknown", true},
		{"a known region in capitals", nil, nil, Request{Region: " EU-DE "}, Ref{}, Needs{Endpoint: true}, "", false},
		// A CRN's region is the instance's: --region cannot be another.
		{"a CRN and another --region", nil, nil, Request{Region: "eu-de"}, crn, Needs{Endpoint: true}, "instance_region_conflict", true},
		{"a CRN and its own --region", nil, nil, Request{Region: "US-South"}, crn, Needs{Endpoint: true}, "", false},
		{"a CRN, another --region and KP_ENDPOINT", nil, kpEndpoint, Request{Region: "eu-de"}, crn, Needs{Endpoint: true}, "instance_region_conflict", true},
		{"a CRN, another --region and --kp-endpoint", nil, nil, Request{Region: "eu-de", Endpoint: "https://kms.example"}, crn, Needs{Endpoint: true}, "", false},
		{"an endpoint in plain HTTP", nil, nil, Request{Endpoint: "http://kms.example"}, Ref{}, Needs{}, "endpoint_insecure", false},
		{"nothing needed", nil, nil, Request{}, Ref{}, Needs{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, _, _ := resolver(t, tt.s, tt.env, "")
			err := r.Check(tt.req, tt.ref, tt.needs)
			if tt.cause == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if f, ok := failure.As(err); !ok || f.Cause != tt.cause || f.Usage() != tt.usage {
				t.Fatalf("err = %v, want %s (usage %v)", err, tt.cause, tt.usage)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	s := session{region: "us-south", group: "g1", groupName: "default", account: iamtest.User.Account}
	list := []iamtest.RCInstance{
		instance(guidA, "kp-one", "us-south", "g1"),
		instance(guidB, "kp-eu", "eu-de", "g1"),
		instance(guidC, "kp-twin", "us-south", "g2"),
		instance("dddddddd-4444-4444-8444-444444444444", "kp-twin", "eu-de", "g2"),
	}
	tests := []struct {
		name     string
		req      Request
		needs    Needs
		guid     string
		endpoint string
		notice   bool
		cause    string
		rows     int
	}{
		{"the only one in the region and group", Request{}, Needs{Endpoint: true, Instance: true}, guidA, "https://us-south.kms.cloud.ibm.com", true, "", 0},
		{"by name, in its own region", Request{Instance: "kp-eu"}, Needs{Endpoint: true}, guidB, "https://eu-de.kms.cloud.ibm.com", false, "", 0},
		{"by name, told apart by --region", Request{Instance: "kp-twin", Region: "eu-de"}, Needs{}, "dddddddd-4444-4444-8444-444444444444", "https://eu-de.kms.cloud.ibm.com", false, "", 0},
		{"a name of two", Request{Instance: "kp-twin"}, Needs{}, "", "", false, "instance_name_several", 2},
		{"an unknown name", Request{Instance: "nope"}, Needs{}, "", "", false, "instance_name_not_found", 0},
		{"none in the region", Request{Region: "jp-tok"}, Needs{Instance: true}, "", "", false, "instance_none_group", 0},
		{"a GUID needs no lookup", Request{InstanceID: guidC}, Needs{Endpoint: true}, guidC, "https://us-south.kms.cloud.ibm.com", false, "", 0},
		// A name found in another region than --region: not the endpoint of
		// --region, unless the user gives the endpoint.
		{"by name, in another region than --region", Request{Instance: "kp-eu", Region: "us-south"}, Needs{Endpoint: true}, "", "", false, "instance_region_conflict", 0},
		{"by name, another region and --kp-endpoint", Request{Instance: "kp-eu", Region: "us-south", Endpoint: "https://kms.example"}, Needs{Endpoint: true},
			guidB, "https://kms.example", false, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, rc, tok, n := resolver(t, s, nil, t.TempDir(), list...)
			ref, err := r.Parse(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			tgt, err := r.Resolve(context.Background(), tt.req, ref, tok, tt.needs)
			if tt.cause != "" {
				f, ok := failure.As(err)
				if !ok || f.Cause != tt.cause {
					t.Fatalf("err = %v, want %s", err, tt.cause)
				}
				if tt.rows > 0 && (f.Table == nil || len(f.Table.Rows) != tt.rows) {
					t.Fatalf("table = %+v", f.Table)
				}
				return
			}
			if err != nil || tgt.InstanceID != tt.guid || tgt.Endpoint != tt.endpoint || (len(*n) > 0) != tt.notice {
				t.Fatalf("Resolve = %+v, %v (notices %v)", tgt, err, *n)
			}
			if ref.Given() && ref.Name == "" && rc.Count() != 0 {
				t.Fatal("a GUID was looked up")
			}
		})
	}
}

// TestLookAgain: a remembered instance is served from the cache, and
// looked up afresh, once, when Key Protect does not know it.
func TestLookAgain(t *testing.T) {
	s := session{region: "us-south", account: iamtest.User.Account}
	dir := t.TempDir()
	r, rc, tok, _ := resolver(t, s, nil, dir, instance(guidA, "kp-main", "us-south", "g1"))
	req := Request{Instance: "kp-main"}
	ref, _ := r.Parse(req)
	first, err := r.Resolve(context.Background(), req, ref, tok, Needs{Endpoint: true})
	if err != nil || first.InstanceID != guidA {
		t.Fatalf("first = %+v, %v", first, err)
	}
	asked := rc.Count()
	second, err := r.Resolve(context.Background(), req, ref, tok, Needs{Endpoint: true})
	if err != nil || second.InstanceID != guidA || rc.Count() != asked || second.remembered == nil {
		t.Fatalf("not served from the cache: %+v, %v (RC asked %d times)", second, err, rc.Count()-asked)
	}
	// The instance was replaced: same name, new GUID.
	rc.Replace(instance(guidB, "kp-main", "us-south", "g1"))
	next, changed, err := r.LookAgain(context.Background(), req, second, tok)
	if err != nil || !changed || next.InstanceID != guidB || next.remembered != nil {
		t.Fatalf("LookAgain = %+v, %v, %v", next, changed, err)
	}
	if _, changed, _ := r.LookAgain(context.Background(), req, next, tok); changed {
		t.Fatal("a target that was not remembered was looked up again")
	}
}

func TestOwned(t *testing.T) {
	s := session{region: "us-south", account: iamtest.User.Account}
	cos := iamtest.RCInstance{GUID: guidC, Name: "cos", Region: "us-south", ResourceGroup: "g1",
		ResourceID: "dff97f5c-bc5e-4455-b470-411c3edbe49c", Account: iamtest.User.Account}
	tests := []struct {
		name  string
		req   Request
		guid  string
		cause string
	}{
		{"by GUID", Request{InstanceID: guidA}, guidA, ""},
		{"by name", Request{Instance: "kp-main"}, guidA, ""},
		{"not in the account", Request{InstanceID: guidB}, "", "setup_instance_not_found"},
		{"not Key Protect", Request{InstanceID: guidC}, "", "setup_instance_not_kp"},
		{"a CRN of another region", Request{Instance: "crn:v1:bluemix:public:kms:eu-de:a/acc:" + guidA + "::"}, "", "setup_instance_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := instance(guidB, "kp-other", "us-south", "g1")
			other.Account = "another-account"
			r, _, tok, _ := resolver(t, s, nil, "", instance(guidA, "kp-main", "us-south", "g1"), other, cos)
			ref, err := r.Parse(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			guid, err := r.Owned(context.Background(), tt.req, ref, tok, iamtest.User.Account)
			if tt.cause != "" {
				if f, ok := failure.As(err); !ok || f.Cause != tt.cause {
					t.Fatalf("err = %v, want %s", err, tt.cause)
				}
				return
			}
			if err != nil || guid != tt.guid {
				t.Fatalf("Owned = %q, %v", guid, err)
			}
		})
	}
}

// TestAccess: verify's check, and its second look when Key Protect does
// not know a remembered instance.
func TestAccess(t *testing.T) {
	s := session{region: "us-south", account: iamtest.User.Account}
	r, rc, tok, _ := resolver(t, s, nil, t.TempDir(), instance(guidA, "kp-main", "us-south", "g1"))
	who := kp.Who{Identity: "user", IAMID: iamtest.User.IAMID}
	keyProtect := func(guids ...string) *iamtest.KeyProtect {
		k := iamtest.NewKeyProtect(rc.IAM())
		t.Cleanup(k.Close)
		for _, g := range guids {
			k.AddInstance(g, 2)
			k.Allow(g, iamtest.User.IAMID)
		}
		return k
	}
	both := keyProtect(guidA, guidB)
	req := Request{Instance: "kp-main", Endpoint: both.URL}
	ref, _ := r.Parse(req)
	tgt, err := r.Resolve(context.Background(), req, ref, tok, Needs{Endpoint: true})
	if err != nil {
		t.Fatal(err)
	}
	got, access, status, err := r.Access(context.Background(), req, tgt, tok, who)
	if err != nil || got.InstanceID != guidA || access.KeysListed != 1 || access.KeysVisible != 2 || status != 0 {
		t.Fatalf("Access = %+v %+v %d %v", got, access, status, err)
	}
	// Remembered, replaced at the Resource Controller and unknown to Key
	// Protect: one more look finds the new one, which is checked.
	req.Endpoint = keyProtect(guidB).URL
	tgt, _ = r.Resolve(context.Background(), req, ref, tok, Needs{Endpoint: true})
	if tgt.remembered == nil {
		t.Fatal("the instance was not remembered")
	}
	rc.Replace(instance(guidB, "kp-main", "us-south", "g1"))
	got, _, status, err = r.Access(context.Background(), req, tgt, tok, who)
	if err != nil || got.InstanceID != guidB || status != 0 {
		t.Fatalf("after the second look: %+v %d %v", got, status, err)
	}
	// Named by GUID, nothing is looked up again: Key Protect's answer stays.
	req = Request{InstanceID: guidA, Endpoint: req.Endpoint}
	ref, _ = r.Parse(req)
	tgt, _ = r.Resolve(context.Background(), req, ref, tok, Needs{Endpoint: true})
	if _, _, status, err = r.Access(context.Background(), req, tgt, tok, who); !failure.Is(err, failure.KindInstanceNotFound) || status == 0 {
		t.Fatalf("an unknown GUID: %d %v", status, err)
	}
}
