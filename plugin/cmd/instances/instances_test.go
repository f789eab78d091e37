package instances_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/cmdutil"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

const (
	groupTokyo = "2be5ad401ae913d8ff665d92680664ed"
	groupOps   = "3be5ad401ae913d8ff665d92680664ed"
	guidTokyo  = "eeeeeeee-5555-4555-8555-555555555555"
	guidOther  = "ffffffff-6666-4666-8666-666666666666"
)

// account is a host logged in with us-south and the "default" group
// targeted, whose account holds Key Protect instances in three regions
// and three groups, another service's instance, and whose neighbour's
// instance the Resource Controller must not list; pages hold two.
func account(t *testing.T) (*cmdtest.Host, *iamtest.ResourceController) {
	h := cmdtest.New(t)
	rc := h.WithRC("")
	cos := iamtest.RCInstance{GUID: cmdtest.COSGUID, Name: "a-bucket", Region: "us-south", ResourceGroup: cmdtest.GroupID,
		ResourceID: "dff97f5c-bc5e-4455-b470-411c3edbe49c", Account: iamtest.User.Account}
	neighbour := cmdtest.KPInstance(guidOther, "theirs", "us-south", cmdtest.GroupID)
	neighbour.Account = "ffffffffffffffffffffffffffffffff"
	rc.Add(cmdtest.KPInstance(cmdtest.KPGUIDEU, "kp-eu", "eu-de", groupOps), cos,
		cmdtest.KPInstance(cmdtest.KPGUIDSouth, "kp-prod", "us-south", cmdtest.GroupID), neighbour,
		cmdtest.KPInstance(guidTokyo, "키-관리", "jp-tok", groupTokyo),
		cmdtest.KPInstance(cmdtest.KPGUIDSouth2, "kp-test", "us-south", groupOps))
	rc.SetPaging(2, "")
	rc.RM.AddGroup(iamtest.ResourceGroup{ID: cmdtest.GroupID, Name: "default", Account: iamtest.User.Account},
		iamtest.ResourceGroup{ID: groupOps, Name: "ops", Account: iamtest.User.Account},
		iamtest.ResourceGroup{ID: groupTokyo, Name: "東京", Account: iamtest.User.Account})
	return h, rc
}

var guidColumn = regexp.MustCompile(`GUID|[0-9a-f]{8}-[0-9a-f]{4}-`)

func TestInstancesTable(t *testing.T) {
	h, rc := account(t)
	r := h.Run("", "instances")
	want := "" +
		"   NAME     GUID                                  REGION    RESOURCE GROUP\n" +
		"   kp-eu    " + cmdtest.KPGUIDEU + "  eu-de     ops\n" +
		"*  kp-prod  " + cmdtest.KPGUIDSouth + "  us-south  default\n" +
		"   kp-test  " + cmdtest.KPGUIDSouth2 + "  us-south  ops\n" +
		"   키-관리  " + guidTokyo + "  jp-tok    東京\n"
	if r.Code != 0 || r.Stdout != want ||
		r.Stderr != "* marks the instance that commands use in the region us-south and the resource group default: the only one there.\n" {
		t.Fatalf("got:\n%s\nwant stdout:\n%s", r, want)
	}
	// Columns line up on the screen: each GUID starts at the same display
	// column, whatever the width of the name's letters.
	for _, line := range strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n") {
		loc := guidColumn.FindStringIndex(line)
		if loc == nil || cmdutil.DisplayWidth(line[:loc[0]]) != 12 {
			t.Errorf("GUID column not aligned: %q", line)
		}
	}
	// Each group was asked for once, on the Resource Controller's host.
	if asked := strings.Join(rc.RM.Requests(), " "); asked != groupOps+" "+cmdtest.GroupID+" "+groupTokyo {
		t.Fatalf("groups asked: %s", asked)
	}

	t.Run("-q and IBMCLOUD_QUIET keep the table and hide the legend", func(t *testing.T) {
		for _, env := range []map[string]string{nil, {"IBMCLOUD_QUIET": "true"}} {
			args := []string{"instances"}
			if env == nil {
				args = append(args, "-q")
			}
			if r := h.RunEnv(env, "", args...); r.Code != 0 || r.Stdout != want || r.Stderr != "" {
				t.Fatalf("%v %v:\n%s", env, args, r)
			}
		}
	})
	t.Run("stdout reads the same in every language", func(t *testing.T) {
		h.LoginUser(3600e9, func(s *iamtest.Session) {
			s.ResourceGroup.GUID, s.ResourceGroup.Name, s.Locale = cmdtest.GroupID, "default", "fr_FR"
		})
		r := h.Run("", "instances")
		if r.Code != 0 || r.Stdout != want || !strings.HasPrefix(r.Stderr, "* signale l'instance qu'utilisent les commandes dans la région us-south") {
			t.Fatalf("fr_FR:\n%s", r)
		}
	})
}

func TestInstancesJSON(t *testing.T) {
	h, _ := account(t)
	r := h.Run("", "instances", "--output", "json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || r.Code != 0 {
		t.Fatalf("not a JSON array: %v\n%s", err, r)
	}
	if len(list) != 4 {
		t.Fatalf("%d instances:\n%s", len(list), r.Stdout)
	}
	want := map[string]any{"name": "kp-prod", "guid": cmdtest.KPGUIDSouth,
		"crn": cmdtest.KPInstance(cmdtest.KPGUIDSouth, "kp-prod", "us-south", cmdtest.GroupID).CRN(), "region": "us-south",
		"resource_group_id": cmdtest.GroupID, "resource_group_name": "default", "default": true}
	got := list[1]
	if len(got) != len(want) {
		t.Fatalf("fields: %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s = %v, want %v", k, got[k], v)
		}
	}
	for i, inst := range list {
		if inst["default"] != (i == 1) {
			t.Fatalf("default on %v", inst)
		}
	}

	t.Run("none", func(t *testing.T) {
		h := cmdtest.New(t)
		h.WithRC("")
		r := h.Run("", "instances", "--output", "json")
		if r.Code != 0 || r.Stdout != "[]\n" || r.Stderr != "No Key Protect instance was found in the account.\n" {
			t.Fatalf("got:\n%s", r)
		}
		if r := h.Run("", "instances"); r.Code != 0 || r.Stdout != "" || r.Stderr != "No Key Protect instance was found in the account.\n" {
			t.Fatalf("table:\n%s", r)
		}
	})
}

// TestInstancesGroupNames: a group whose name cannot be read shows its ID
// and a notice, not a failure; server text is made safe for the terminal.
func TestInstancesGroupNames(t *testing.T) {
	h, rc := account(t)
	rc.RM.Fail(groupOps, iamtest.Reply{Status: http.StatusForbidden, ContentType: "application/json",
		Body: `{"message":"You are not authorized","status_code":403,"error_code":"RG-Forbidden"}`})
	rc.RM.AddGroup(iamtest.ResourceGroup{ID: groupTokyo, Name: "tokyo\x1b]0;pwned\a\nFAILED", Account: iamtest.User.Account})
	rc.Add(cmdtest.KPInstance("abababab-7777-4777-8777-777777777777", "kp\x1b[31mred\r\nOK", "au-syd", groupTokyo))
	r := h.Run("", "instances")
	if r.Code != 0 || strings.ContainsAny(r.Stdout+r.Stderr, "\x1b\a\r") {
		t.Fatalf("got:\n%q", r)
	}
	lines := strings.Split(r.Stdout, "\n")
	if !strings.Contains(lines[1], `kp\x1b[31mred\r\nOK`) || !strings.HasSuffix(lines[1], `tokyo\x1b]0;pwned\a\nFAILED`) ||
		!strings.HasSuffix(lines[2], "eu-de     "+groupOps) {
		t.Fatalf("table:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stderr, "The name of the resource group "+groupOps+" could not be read (HTTP 403): its ID is shown instead.\n") {
		t.Fatalf("no notice:\n%s", r)
	}
	if asked := strings.Count(strings.Join(rc.RM.Requests(), " "), groupOps); asked != 1 {
		t.Fatalf("the refused group was asked for %d times", asked)
	}
}

// TestInstancesFailures: the Resource Controller's refusal is FAILED; no
// session is FAILED, with nothing on stdout.
func TestInstancesFailures(t *testing.T) {
	h := cmdtest.New(t)
	r := h.Run("", "instances")
	if r.Code != 1 || r.Stdout != "" || !strings.HasPrefix(r.Stderr, "FAILED\n") {
		t.Fatalf("logged out:\n%s", r)
	}
	h.WithRC("")
	h.Env["RESOURCE_CONTROLLER_URL"] = "http://user:pw@rc.example"
	r = h.Run("", "instances", "--output", "json")
	if r.Code == 0 || r.Stdout != "" || !strings.HasPrefix(r.Stderr, "FAILED\n") || !strings.Contains(r.Stderr, "RESOURCE_CONTROLLER_URL") {
		t.Fatalf("bad RESOURCE_CONTROLLER_URL:\n%s", r)
	}
	h.Env["RESOURCE_CONTROLLER_URL"] = h.IAM.URL // answers 404 to Resource Controller paths
	r = h.Run("", "instances")
	if r.Code != 1 || r.Stdout != "" || !strings.Contains(r.Stderr, "refused the request (HTTP 404)") {
		t.Fatalf("refused:\n%s", r)
	}
}
