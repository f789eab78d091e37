package target

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

const (
	group1 = "0be5ad401ae913d8ff665d92680664ed"
	group2 = "1be5ad401ae913d8ff665d92680664ed"
	group3 = "2be5ad401ae913d8ff665d92680664ed"
)

// noticed records the notices with their data.
type noticed struct {
	ids  []string
	data []map[string]any
}

func (n *noticed) Notice(id string, data map[string]any) {
	n.ids, n.data = append(n.ids, id), append(n.data, data)
}

// TestInstances: every Key Protect instance of the account, sorted by
// name, with its group's name, each group asked for once; a group the
// Resource Manager refuses is told and keeps its ID, and once it does not
// answer at all no other group is asked.
func TestInstances(t *testing.T) {
	cos := instance("dddddddd-4444-4444-8444-444444444444", "a-bucket", "us-south", group1)
	cos.ResourceID = "dff97f5c-bc5e-4455-b470-411c3edbe49c"
	list := []iamtest.RCInstance{
		instance(guidC, "zeta", "jp-tok", group3), instance(guidA, "Alpha", "us-south", group1), cos,
		instance(guidB, "beta", "eu-de", group2), instance("eeeeeeee-5555-4555-8555-555555555555", "beta", "au-syd", group1),
	}
	s := session{region: "us-south", group: group1, groupName: "Default", account: account}
	r, rc, tok, _ := resolver(t, s, nil, "", list...)
	n := &noticed{}
	r.Notify = n
	rc.SetPaging(2, "")
	rc.RM.AddGroup(iamtest.ResourceGroup{ID: group1, Name: "Default", Account: account}, iamtest.ResourceGroup{ID: group3, Name: "tokyo", Account: account})
	rc.RM.Fail(group2, iamtest.Reply{Status: http.StatusForbidden, ContentType: "application/json", Body: `{"message":"no","status_code":403}`})

	l, err := r.Instances(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, i := range l.Instances {
		got = append(got, strings.Join([]string{i.Name, i.Region, i.ResourceGroup, i.GroupName}, "/"))
	}
	want := "Alpha/us-south/" + group1 + "/Default beta/au-syd/" + group1 + "/Default beta/eu-de/" + group2 + "/ zeta/jp-tok/" + group3 + "/tokyo"
	if strings.Join(got, " ") != want || l.More {
		t.Fatalf("Instances =\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	if asked := strings.Join(rc.RM.Requests(), " "); asked != group1+" "+group2+" "+group3 {
		t.Fatalf("groups asked: %s", asked)
	}
	if strings.Join(n.ids, " ") != "instances_group_unread" || n.data[0]["ID"] != group2 || n.data[0]["Status"] != http.StatusForbidden {
		t.Fatalf("notices %v %v", n.ids, n.data)
	}
	if !l.Instances[0].Default || l.Legend != "instances_mark_only_group" {
		t.Fatalf("mark: %+v, %s", l.Instances[0], l.Legend)
	}

	t.Run("no answer stops the lookups", func(t *testing.T) {
		r, rc, tok, _ := resolver(t, s, nil, "", list...)
		n := &noticed{}
		r.Notify = n
		rc.RM.Fail(group1, iamtest.Reply{Reset: true})
		l, err := r.Instances(context.Background(), tok)
		if err != nil || len(l.Instances) != 4 {
			t.Fatalf("Instances = %+v, %v", l, err)
		}
		for _, id := range rc.RM.Requests() {
			if id != group1 {
				t.Fatalf("asked for %s after no answer: %v", id, rc.RM.Requests())
			}
		}
		if strings.Join(n.ids, " ") != "instances_groups_unreachable" || n.data[0]["URL"] != rc.URL {
			t.Fatalf("notices %v %v", n.ids, n.data)
		}
	})
}

// TestInstancesMark: the marked instance is the one commands would use
// with no instance named, and the legend says why.
func TestInstancesMark(t *testing.T) {
	list := []iamtest.RCInstance{
		instance(guidA, "kp-one", "us-south", group1), instance(guidB, "kp-eu", "eu-de", group1),
		instance(guidC, "kp-two", "eu-de", group2),
	}
	rememberEU := map[string]interface{}{settingsKey(account, "eu-de"): map[string]interface{}{"guid": guidC}}
	gone := map[string]interface{}{settingsKey(account, "eu-de"): map[string]interface{}{"guid": "99999999-1111-4111-8111-111111111111"}}
	hostile := map[string]interface{}{settingsKey(account, "eu-de"): map[string]interface{}{"guid": "x'; rm -rf ~; '"}}
	tests := []struct {
		name     string
		s        session
		env      map[string]string
		settings map[string]interface{}
		marked   string
		legend   string
		problem  string
	}{
		{"the only one in the region and group", session{region: "us-south", group: group1}, nil, nil, guidA, "instances_mark_only_group", ""},
		{"the only one in the region", session{region: "us-south"}, nil, nil, guidA, "instances_mark_only", ""},
		{"several in the region", session{region: "eu-de"}, nil, nil, "", "instances_mark_none", ""},
		{"the only one in the group of a region of several", session{region: "eu-de", group: group2}, nil, nil, guidC, "instances_mark_only_group", ""},
		{"none in the region", session{region: "jp-tok"}, nil, nil, "", "", ""},
		{"no region targeted", session{}, nil, nil, "", "", ""},
		{"remembered", session{region: "eu-de"}, nil, rememberEU, guidC, "instances_mark_remembered", ""},
		{"remembered for another region", session{region: "us-south", group: group1}, nil, rememberEU, guidA, "instances_mark_only_group", ""},
		{"remembered and gone", session{region: "eu-de"}, nil, gone, "", "instances_mark_remembered_absent", ""},
		{"remembered and hostile", session{region: "eu-de"}, nil, hostile, "", "", "instance_remembered_invalid"},
		{"KP_INSTANCE_ID", session{region: "eu-de"}, map[string]string{"KP_INSTANCE_ID": guidA}, rememberEU, guidA, "instances_mark_env", ""},
		{"KP_INSTANCE_ID of none", session{region: "eu-de"}, map[string]string{"KP_INSTANCE_ID": "99999999-1111-4111-8111-111111111111"}, nil, "", "instances_mark_env_absent", ""},
		{"KP_INSTANCE_ID refused", session{region: "eu-de"}, map[string]string{"KP_INSTANCE_ID": "nope"}, nil, "", "", "kp_instance_id_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, tok, _ := resolver(t, tt.s, tt.env, "", list...)
			r.Notify = &noticed{}
			if tt.settings != nil {
				r.Settings = &settings{data: tt.settings}
			}
			l, err := r.Instances(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			marked := ""
			for _, i := range l.Instances {
				if i.Default {
					if marked != "" {
						t.Fatal("two instances marked")
					}
					marked = i.GUID
				}
			}
			if marked != tt.marked || l.Legend != tt.legend || (tt.problem == "") != (l.Problem == nil) || (tt.problem != "" && !isCause(l.Problem, tt.problem)) {
				t.Fatalf("marked %q, legend %q, problem %v", marked, l.Legend, l.Problem)
			}
		})
	}
}

// TestInstancesPrivate: with private endpoints and no
// RESOURCE_CONTROLLER_URL, the listing and the group names both go to the
// private Resource Controller host, never the public one.
func TestInstancesPrivate(t *testing.T) {
	r, _, tok, _ := resolver(t, session{region: "us-south", private: true}, nil, "")
	r.Getenv = func(string) string { return "" }
	r.Notify = &noticed{}
	var hosts []string
	r.HTTPClient = func(time.Duration) *http.Client {
		return &http.Client{Transport: roundTrip(func(req *http.Request) (*http.Response, error) {
			hosts = append(hosts, req.URL.Scheme+"://"+req.URL.Host)
			body := `{"id":"` + group1 + `","name":"Default"}`
			if strings.HasPrefix(req.URL.Path, "/v2/resource_instances") {
				body = `{"rows_count":1,"resources":[{"guid":"` + guidA + `","name":"kp","region_id":"us-south","resource_group_id":"` + group1 + `","resource_id":"` + iamtest.KeyProtectResourceID + `"}]}`
			}
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
		})}
	}
	l, err := r.Instances(context.Background(), tok)
	if err != nil || len(l.Instances) != 1 || l.Instances[0].GroupName != "Default" {
		t.Fatalf("Instances = %+v, %v", l, err)
	}
	if strings.Join(hosts, " ") != "https://private.resource-controller.cloud.ibm.com https://private.resource-controller.cloud.ibm.com" {
		t.Fatalf("hosts asked: %v", hosts)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
