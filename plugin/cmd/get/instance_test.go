package get_test

import (
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestInstanceFromSession(t *testing.T) {
	t.Run("the only one in the targeted region and group", func(t *testing.T) {
		h := cmdtest.New(t)
		rc := h.WithRC("")
		rc.Add(cmdtest.KPInstance(cmdtest.KPGUIDSouth, "kp-one", "us-south", cmdtest.GroupID),
			cmdtest.KPInstance(cmdtest.KPGUIDEU, "kp-eu", "eu-de", cmdtest.GroupID),      // other region
			cmdtest.KPInstance(cmdtest.KPGUIDSouth2, "kp-other-group", "us-south", "g2"), // other group
			iamtest.RCInstance{GUID: cmdtest.COSGUID, Name: "kp-one", Region: "us-south", ResourceGroup: cmdtest.GroupID, ResourceID: "dff97f5c-bc5e-4455-b470-411c3edbe49c", Account: iamtest.User.Account})
		r := h.Run("", "get", "--output", "header")
		if r.Code != 0 || !strings.HasSuffix(r.Stdout, "\nbluemix-instance: "+cmdtest.KPGUIDSouth+"\n") ||
			!strings.Contains(r.Stderr, "Using the Key Protect instance kp-one ("+cmdtest.KPGUIDSouth+") in us-south, the only one in the region and the resource group default.") {
			t.Fatalf("got:\n%s", r)
		}
		// Remembered: a loop of calls makes one Resource Controller request.
		for i := 0; i < 3; i++ {
			if r := h.Run("", "get", "--output", "header", "-q"); r.Code != 0 || r.Stderr != "" || !strings.Contains(r.Stdout, cmdtest.KPGUIDSouth) {
				t.Fatalf("repeat:\n%s", r)
			}
		}
		if rc.Count() != 1 {
			t.Fatalf("%d Resource Controller requests for 4 calls", rc.Count())
		}
		if r := h.Run("", "cache-delete", "--all", "-q"); r.Code != 0 {
			t.Fatalf("cache-delete:\n%s", r)
		}
		h.Run("", "get", "--output", "header")
		if rc.Count() != 2 {
			t.Fatalf("cache-delete --all did not forget the instance (%d requests)", rc.Count())
		}
	})
	t.Run("a resolution is not served for another Resource Controller", func(t *testing.T) {
		h := cmdtest.New(t)
		rc := h.WithRC("")
		rc.Add(cmdtest.KPInstance(cmdtest.KPGUIDSouth, "kp-one", "us-south", cmdtest.GroupID))
		other := iamtest.NewResourceController(h.IAM)
		t.Cleanup(other.Close)
		other.Add(cmdtest.KPInstance(cmdtest.KPGUIDSouth2, "kp-two", "us-south", cmdtest.GroupID))
		for _, name := range []string{"", "kp-one"} {
			args := []string{"get", "--output", "header", "-q"}
			if name != "" {
				args = append(args, "--instance", name)
			}
			if r := h.Run("", args...); r.Code != 0 || !strings.Contains(r.Stdout, cmdtest.KPGUIDSouth) {
				t.Fatalf("%v:\n%s", args, r)
			}
		}
		h.Env["RESOURCE_CONTROLLER_URL"] = other.URL
		if r := h.Run("", "get", "--output", "header", "-q"); r.Code != 0 || !strings.Contains(r.Stdout, cmdtest.KPGUIDSouth2) || other.Count() != 1 {
			t.Fatalf("the first Resource Controller's answer was served (%d requests to the second):\n%s", other.Count(), r)
		}
		// By name: the second one does not know kp-one, and says so.
		if r := h.Run("", "get", "--output", "header", "-q", "--instance", "kp-one"); r.Code == 0 || other.Count() != 2 {
			t.Fatalf("kp-one was served from the first Resource Controller (%d requests to the second):\n%s", other.Count(), r)
		}
		// Each keeps its own entry.
		h.Env["RESOURCE_CONTROLLER_URL"] = rc.URL
		if r := h.Run("", "get", "--output", "header", "-q"); r.Code != 0 || !strings.Contains(r.Stdout, cmdtest.KPGUIDSouth) || rc.Count() != 2 {
			t.Fatalf("back on the first (%d requests):\n%s", rc.Count(), r)
		}
	})
	t.Run("verify and exec with no instance flag", func(t *testing.T) {
		h := cmdtest.New(t)
		rc := h.WithRC("")
		kp := h.WithKP()
		kp.AddInstance(cmdtest.KPGUIDSouth, 0)
		kp.Allow(cmdtest.KPGUIDSouth, iamtest.User.IAMID)
		rc.Add(cmdtest.KPInstance(cmdtest.KPGUIDSouth, "kp-one", "us-south", cmdtest.GroupID))
		h.Env["KP_ENDPOINT"] = kp.URL
		if r := h.Run("", "verify"); r.Code != 0 || !strings.Contains(r.Stderr, "Instance:  "+cmdtest.KPGUIDSouth) {
			t.Fatalf("verify:\n%s", r)
		}
		if r := h.Run("", "exec", "-q", "--", "sh", "-c", `printf %s "$KP_INSTANCE_ID"`); r.Code != 0 || r.Stdout != cmdtest.KPGUIDSouth {
			t.Fatalf("exec:\n%s", r)
		}
	})
	t.Run("a remembered instance Key Protect does not know is looked up again once", func(t *testing.T) {
		h := cmdtest.New(t)
		rc := h.WithRC("")
		kp := h.WithKP()
		kp.AddInstance(cmdtest.KPGUIDSouth2, 0)
		kp.Allow(cmdtest.KPGUIDSouth2, iamtest.User.IAMID)
		h.Env["KP_ENDPOINT"] = kp.URL
		rc.Add(cmdtest.KPInstance(cmdtest.KPGUIDSouth, "kp-one", "us-south", cmdtest.GroupID))
		if r := h.Run("", "get", "--output", "header"); r.Code != 0 {
			t.Fatalf("get:\n%s", r)
		}
		// The instance was deleted and another created in its place.
		rc.Replace(cmdtest.KPInstance(cmdtest.KPGUIDSouth2, "kp-new", "us-south", cmdtest.GroupID))
		r := h.Run("", "verify")
		if r.Code != 0 || !strings.Contains(r.Stderr, "Instance:  "+cmdtest.KPGUIDSouth2) || rc.Count() != 2 {
			t.Fatalf("verify did not look again (RC requests %d):\n%s", rc.Count(), r)
		}
	})
	t.Run("a plain get and --instance-id never look", func(t *testing.T) {
		h := cmdtest.New(t)
		rc := h.WithRC("")
		rc.Add(cmdtest.KPInstance(cmdtest.KPGUIDSouth, "kp-one", "us-south", cmdtest.GroupID))
		for _, args := range [][]string{{"get"}, {"get", "--output", "json"}, {"get", "--output", "header", "--instance-id", cmdtest.KPGUIDSouth2}} {
			if r := h.Run("", args...); r.Code != 0 {
				t.Fatalf("%v:\n%s", args, r)
			}
		}
		if rc.Count() != 0 {
			t.Fatalf("%d Resource Controller requests", rc.Count())
		}
	})
}

func TestInstanceByNameOrCRN(t *testing.T) {
	h := cmdtest.New(t)
	rc := h.WithRC("")
	rc.Add(cmdtest.KPInstance(cmdtest.KPGUIDEU, "kp-eu", "eu-de", cmdtest.GroupID),
		cmdtest.KPInstance(cmdtest.KPGUIDSouth, "twin", "us-south", cmdtest.GroupID), cmdtest.KPInstance(cmdtest.KPGUIDSouth2, "twin", "us-east", "g2"),
		iamtest.RCInstance{GUID: cmdtest.COSGUID, Name: "kp-eu", Region: "eu-de", ResourceGroup: cmdtest.GroupID, ResourceID: "dff97f5c-bc5e-4455-b470-411c3edbe49c", Account: iamtest.User.Account})
	t.Run("a name: the instance's region wins over the target", func(t *testing.T) {
		r := h.Run("", "get", "--output", "json", "--instance", "kp-eu")
		m := cmdtest.JSONOf(t, r)
		if m["instance_id"] != cmdtest.KPGUIDEU || m["kp_endpoint"] != "https://eu-de.kms.cloud.ibm.com" || m["instance_name"] != "kp-eu" || m["instance_region"] != "eu-de" {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("--region is not the instance's: a usage failure naming both", func(t *testing.T) {
		for _, args := range [][]string{
			{"--instance", "kp-eu", "--region", "us-south"},
			{"--instance", cmdtest.KPInstance(cmdtest.KPGUIDEU, "kp-eu", "eu-de", cmdtest.GroupID).CRN(), "--region", "us-south"},
		} {
			for _, env := range []map[string]string{nil, {"KP_ENDPOINT": "https://kms.example.com"}} {
				r := h.RunEnv(env, "", append([]string{"get", "--output", "env"}, args...)...)
				cmdtest.ExpectFailure(t, r, 2, "is in the region eu-de, not in us-south (--region).",
					"Pass --region eu-de or leave --region out; to reach the instance through another endpoint, pass --kp-endpoint URL.")
			}
		}
	})
	t.Run("--kp-endpoint still wins", func(t *testing.T) {
		m := cmdtest.JSONOf(t, h.Run("", "get", "--output", "json", "--instance", "kp-eu", "--kp-endpoint", "https://kms.example.com"))
		if m["kp_endpoint"] != "https://kms.example.com" {
			t.Fatalf("--kp-endpoint: %v", m)
		}
		m = cmdtest.JSONOf(t, h.Run("", "get", "--output", "json", "--instance", "kp-eu", "--region", "us-south", "--kp-endpoint", "https://kms.example.com"))
		if m["kp_endpoint"] != "https://kms.example.com" || m["instance_id"] != cmdtest.KPGUIDEU {
			t.Fatalf("--region with --kp-endpoint: %v", m)
		}
	})
	t.Run("a region Key Protect does not run in, whatever gives the endpoint", func(t *testing.T) {
		before := h.IAM.Count() + rc.Count()
		for _, tt := range []struct {
			env  map[string]string
			args []string
		}{
			{nil, []string{"--region", "mars-1", "--output", "env"}},
			{nil, []string{"--region", "mars-1", "--kp-endpoint", "https://kms.example.com", "--output", "env"}},
			{map[string]string{"KP_ENDPOINT": "https://kms.example.com"}, []string{"--region", "mars-1", "--output", "env"}},
			{map[string]string{"KP_ENDPOINT": "https://kms.example.com"}, []string{"--region", "mars-1", "--instance", "kp-eu"}},
		} {
			r := h.RunEnv(tt.env, "", append([]string{"get"}, tt.args...)...)
			cmdtest.ExpectFailure(t, r, 2, "Key Protect is not available in the region mars-1. Known regions: us-south,", "Pass --region with one of these regions, or leave --region out.")
			if strings.Contains(r.Stderr, "tiered-pricing") {
				t.Fatalf("the failure suggests creating an instance in mars-1:\n%s", r)
			}
		}
		if h.IAM.Count()+rc.Count() != before {
			t.Fatal("a bad --region reached IAM or the Resource Controller")
		}
	})
	t.Run("a CRN needs no lookup", func(t *testing.T) {
		before := rc.Count()
		crn := cmdtest.KPInstance(cmdtest.KPGUIDEU, "kp-eu", "eu-de", cmdtest.GroupID).CRN()
		m := cmdtest.JSONOf(t, h.Run("", "get", "--output", "json", "--instance", crn))
		if m["instance_id"] != cmdtest.KPGUIDEU || m["kp_endpoint"] != "https://eu-de.kms.cloud.ibm.com" || rc.Count() != before {
			t.Fatalf("got %v (RC requests %d)", m, rc.Count()-before)
		}
	})
	t.Run("a GUID in --instance needs no lookup", func(t *testing.T) {
		before := rc.Count()
		m := cmdtest.JSONOf(t, h.Run("", "get", "--output", "json", "--instance", cmdtest.KPGUIDSouth2))
		if m["instance_id"] != cmdtest.KPGUIDSouth2 || rc.Count() != before {
			t.Fatalf("got %v", m)
		}
	})
	t.Run("same-named instances", func(t *testing.T) {
		r := h.Run("", "get", "--output", "header", "--instance", "twin")
		cmdtest.ExpectFailure(t, r, 1, "2 Key Protect instances are named twin:", "--instance CRN")
		if !strings.Contains(r.Stderr, cmdtest.KPGUIDSouth+"  us-south") || !strings.Contains(r.Stderr, cmdtest.KPGUIDSouth2+"  us-east   g2") {
			t.Fatalf("the instances are not listed:\n%s", r)
		}
		m := cmdtest.JSONOf(t, h.Run("", "get", "--output", "json", "--instance", "twin", "--region", "us-east"))
		if m["instance_id"] != cmdtest.KPGUIDSouth2 {
			t.Fatalf("--region did not choose: %v", m)
		}
	})
	for _, tt := range []struct {
		name          string
		args          []string
		Code          int
		cause, remedy string
	}{
		{"a name not found", []string{"--instance", "nope"}, 1, "No Key Protect instance named nope was found in the account.", "ibmcloud resource service-instances --service-name kms"},
		{"a CRN of another service", []string{"--instance", "crn:v1:bluemix:public:cloud-object-storage:global:a/x:" + cmdtest.COSGUID + "::"}, 2, "is not the CRN of a Key Protect instance", "Incorrect Usage"},
		{"both flags", []string{"--instance", "kp-eu", "--instance-id", cmdtest.KPGUIDEU}, 2, "Give either --instance-id or --instance, not both.", "Incorrect Usage"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmdtest.ExpectFailure(t, h.Run("", append([]string{"get", "--output", "header"}, tt.args...)...), tt.Code, tt.cause, tt.remedy)
		})
	}
}

func TestInstanceDiscoveryFailures(t *testing.T) {
	tests := []struct {
		locale                    string
		several, none, noneRemedy string
	}{
		{"en_US", "2 Key Protect instances were found in the region us-south:", "No Key Protect instance was found in the region us-south and the resource group default.",
			"ibmcloud resource service-instance-create NAME kms tiered-pricing us-south"},
		{"fr_FR", "2 instances Key Protect ont été trouvées dans la région us-south", "Aucune instance Key Protect n'a été trouvée dans la région us-south et le groupe de ressources default.",
			"ibmcloud resource service-instance-create NAME kms tiered-pricing us-south"},
		{"ko_KR", "us-south 지역에서 Key Protect 인스턴스 2개를 찾았습니다.", "us-south 지역과 default 리소스 그룹에서 Key Protect 인스턴스를 찾을 수 없습니다.",
			"ibmcloud resource service-instance-create NAME kms tiered-pricing us-south"},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			h := cmdtest.New(t)
			rc := h.WithRC(tt.locale)
			r := h.Run("", "get", "--output", "env")
			if r.Code != 1 || !strings.Contains(r.Stderr, tt.none) || !strings.Contains(r.Stderr, tt.noneRemedy) || !strings.Contains(r.Stderr, "ibmcloud target") || r.Stdout != "" {
				t.Fatalf("none:\n%s", r)
			}
			rc.Add(cmdtest.KPInstance(cmdtest.KPGUIDSouth, "kp-a", "us-south", cmdtest.GroupID), cmdtest.KPInstance(cmdtest.KPGUIDSouth2, "kp-b", "us-south", cmdtest.GroupID))
			r = h.Run("", "verify")
			if r.Code != 1 || !strings.Contains(r.Stderr, tt.several) || !strings.Contains(r.Stderr, "kp-a") || !strings.Contains(r.Stderr, cmdtest.KPGUIDSouth2) ||
				!strings.Contains(r.Stderr, "--instance NAME") {
				t.Fatalf("several:\n%s", r)
			}
		})
	}
}
