package kptoken_test

import (
	"strings"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

const (
	kpGUIDSouth  = "aaaaaaaa-1111-4111-8111-111111111111"
	kpGUIDSouth2 = "bbbbbbbb-2222-4222-8222-222222222222"
	kpGUIDEU     = "cccccccc-3333-4333-8333-333333333333"
	cosGUID      = "dddddddd-4444-4444-8444-444444444444"
	groupID      = "0be5ad401ae913d8ff665d92680664ed"
)

// withRC adds a Resource Controller and logs in with a targeted region
// (us-south) and resource group.
func (h *host) withRC(locale string) *iamtest.ResourceController {
	h.t.Helper()
	rc := h.rc
	h.loginUser(time.Hour, func(s *iamtest.Session) {
		s.ResourceGroup = models.ResourceGroup{GUID: groupID, Name: "default"}
		s.Locale = locale
	})
	return rc
}

func kpInstance(guid, name, region, group string) iamtest.RCInstance {
	return iamtest.RCInstance{GUID: guid, Name: name, Region: region, ResourceGroup: group,
		ResourceID: iamtest.KeyProtectResourceID, Account: iamtest.User.Account}
}

func TestInstanceFromSession(t *testing.T) {
	t.Run("the only one in the targeted region and group", func(t *testing.T) {
		h := newHost(t)
		rc := h.withRC("")
		rc.Add(kpInstance(kpGUIDSouth, "kp-one", "us-south", groupID),
			kpInstance(kpGUIDEU, "kp-eu", "eu-de", groupID),              // other region
			kpInstance(kpGUIDSouth2, "kp-other-group", "us-south", "g2"), // other group
			iamtest.RCInstance{GUID: cosGUID, Name: "kp-one", Region: "us-south", ResourceGroup: groupID, ResourceID: "dff97f5c-bc5e-4455-b470-411c3edbe49c", Account: iamtest.User.Account})
		r := h.run("", "get", "--output", "header")
		if r.code != 0 || !strings.HasSuffix(r.stdout, "\nbluemix-instance: "+kpGUIDSouth+"\n") ||
			!strings.Contains(r.stderr, "Using the Key Protect instance kp-one ("+kpGUIDSouth+") in us-south.") {
			t.Fatalf("got:\n%s", r)
		}
		// Remembered: a loop of calls makes one Resource Controller request.
		for i := 0; i < 3; i++ {
			if r := h.run("", "get", "--output", "header", "-q"); r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, kpGUIDSouth) {
				t.Fatalf("repeat:\n%s", r)
			}
		}
		if rc.Count() != 1 {
			t.Fatalf("%d Resource Controller requests for 4 calls", rc.Count())
		}
		if r := h.run("", "cache-delete", "--all", "-q"); r.code != 0 {
			t.Fatalf("cache-delete:\n%s", r)
		}
		h.run("", "get", "--output", "header")
		if rc.Count() != 2 {
			t.Fatalf("cache-delete --all did not forget the instance (%d requests)", rc.Count())
		}
	})
	t.Run("a resolution is not served for another Resource Controller", func(t *testing.T) {
		h := newHost(t)
		rc := h.withRC("")
		rc.Add(kpInstance(kpGUIDSouth, "kp-one", "us-south", groupID))
		other := iamtest.NewResourceController(h.iam)
		t.Cleanup(other.Close)
		other.Add(kpInstance(kpGUIDSouth2, "kp-two", "us-south", groupID))
		for _, name := range []string{"", "kp-one"} {
			args := []string{"get", "--output", "header", "-q"}
			if name != "" {
				args = append(args, "--instance", name)
			}
			if r := h.run("", args...); r.code != 0 || !strings.Contains(r.stdout, kpGUIDSouth) {
				t.Fatalf("%v:\n%s", args, r)
			}
		}
		h.env["RESOURCE_CONTROLLER_URL"] = other.URL
		if r := h.run("", "get", "--output", "header", "-q"); r.code != 0 || !strings.Contains(r.stdout, kpGUIDSouth2) || other.Count() != 1 {
			t.Fatalf("the first Resource Controller's answer was served (%d requests to the second):\n%s", other.Count(), r)
		}
		// By name: the second one does not know kp-one, and says so.
		if r := h.run("", "get", "--output", "header", "-q", "--instance", "kp-one"); r.code == 0 || other.Count() != 2 {
			t.Fatalf("kp-one was served from the first Resource Controller (%d requests to the second):\n%s", other.Count(), r)
		}
		// Each keeps its own entry.
		h.env["RESOURCE_CONTROLLER_URL"] = rc.URL
		if r := h.run("", "get", "--output", "header", "-q"); r.code != 0 || !strings.Contains(r.stdout, kpGUIDSouth) || rc.Count() != 2 {
			t.Fatalf("back on the first (%d requests):\n%s", rc.Count(), r)
		}
	})
	t.Run("verify and exec with no instance flag", func(t *testing.T) {
		h := newHost(t)
		rc := h.withRC("")
		kp := h.withKP()
		kp.AddInstance(kpGUIDSouth, 0)
		kp.Allow(kpGUIDSouth, iamtest.User.IAMID)
		rc.Add(kpInstance(kpGUIDSouth, "kp-one", "us-south", groupID))
		h.env["KP_ENDPOINT"] = kp.URL
		if r := h.run("", "verify"); r.code != 0 || !strings.Contains(r.stdout, kpGUIDSouth) {
			t.Fatalf("verify:\n%s", r)
		}
		if r := h.run("", "exec", "-q", "--", "sh", "-c", `printf %s "$KP_INSTANCE_ID"`); r.code != 0 || r.stdout != kpGUIDSouth {
			t.Fatalf("exec:\n%s", r)
		}
	})
	t.Run("a remembered instance Key Protect does not know is looked up again once", func(t *testing.T) {
		h := newHost(t)
		rc := h.withRC("")
		kp := h.withKP()
		kp.AddInstance(kpGUIDSouth2, 0)
		kp.Allow(kpGUIDSouth2, iamtest.User.IAMID)
		h.env["KP_ENDPOINT"] = kp.URL
		rc.Add(kpInstance(kpGUIDSouth, "kp-one", "us-south", groupID))
		if r := h.run("", "get", "--output", "header"); r.code != 0 {
			t.Fatalf("get:\n%s", r)
		}
		// The instance was deleted and another created in its place.
		rc.Replace(kpInstance(kpGUIDSouth2, "kp-new", "us-south", groupID))
		r := h.run("", "verify")
		if r.code != 0 || !strings.Contains(r.stdout, kpGUIDSouth2) || rc.Count() != 2 {
			t.Fatalf("verify did not look again (RC requests %d):\n%s", rc.Count(), r)
		}
	})
	t.Run("a plain get and --instance-id never look", func(t *testing.T) {
		h := newHost(t)
		rc := h.withRC("")
		rc.Add(kpInstance(kpGUIDSouth, "kp-one", "us-south", groupID))
		for _, args := range [][]string{{"get"}, {"get", "--output", "json"}, {"get", "--output", "header", "--instance-id", kpGUIDSouth2}} {
			if r := h.run("", args...); r.code != 0 {
				t.Fatalf("%v:\n%s", args, r)
			}
		}
		if rc.Count() != 0 {
			t.Fatalf("%d Resource Controller requests", rc.Count())
		}
	})
}

func TestInstanceByNameOrCRN(t *testing.T) {
	h := newHost(t)
	rc := h.withRC("")
	rc.Add(kpInstance(kpGUIDEU, "kp-eu", "eu-de", groupID),
		kpInstance(kpGUIDSouth, "twin", "us-south", groupID), kpInstance(kpGUIDSouth2, "twin", "us-east", "g2"),
		iamtest.RCInstance{GUID: cosGUID, Name: "kp-eu", Region: "eu-de", ResourceGroup: groupID, ResourceID: "dff97f5c-bc5e-4455-b470-411c3edbe49c", Account: iamtest.User.Account})
	t.Run("a name: the instance's region wins over the target", func(t *testing.T) {
		r := h.run("", "get", "--output", "json", "--instance", "kp-eu")
		m := jsonOf(t, r)
		if m["instance_id"] != kpGUIDEU || m["kp_endpoint"] != "https://eu-de.kms.cloud.ibm.com" || m["instance_name"] != "kp-eu" || m["instance_region"] != "eu-de" {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("--kp-endpoint and --region still win", func(t *testing.T) {
		m := jsonOf(t, h.run("", "get", "--output", "json", "--instance", "kp-eu", "--region", "eu-gb"))
		if m["kp_endpoint"] != "https://eu-gb.kms.cloud.ibm.com" || m["instance_id"] != kpGUIDEU {
			t.Fatalf("--region: %v", m)
		}
		m = jsonOf(t, h.run("", "get", "--output", "json", "--instance", "kp-eu", "--kp-endpoint", "https://kms.example.com"))
		if m["kp_endpoint"] != "https://kms.example.com" {
			t.Fatalf("--kp-endpoint: %v", m)
		}
	})
	t.Run("a CRN needs no lookup", func(t *testing.T) {
		before := rc.Count()
		crn := kpInstance(kpGUIDEU, "kp-eu", "eu-de", groupID).CRN()
		m := jsonOf(t, h.run("", "get", "--output", "json", "--instance", crn))
		if m["instance_id"] != kpGUIDEU || m["kp_endpoint"] != "https://eu-de.kms.cloud.ibm.com" || rc.Count() != before {
			t.Fatalf("got %v (RC requests %d)", m, rc.Count()-before)
		}
	})
	t.Run("a GUID in --instance needs no lookup", func(t *testing.T) {
		before := rc.Count()
		m := jsonOf(t, h.run("", "get", "--output", "json", "--instance", kpGUIDSouth2))
		if m["instance_id"] != kpGUIDSouth2 || rc.Count() != before {
			t.Fatalf("got %v", m)
		}
	})
	t.Run("same-named instances", func(t *testing.T) {
		r := h.run("", "get", "--output", "header", "--instance", "twin")
		expectFailure(t, r, 1, "2 Key Protect instances are named twin:", "--instance CRN")
		if !strings.Contains(r.stderr, kpGUIDSouth+"  us-south") || !strings.Contains(r.stderr, kpGUIDSouth2+"  us-east  g2") {
			t.Fatalf("the instances are not listed:\n%s", r)
		}
		m := jsonOf(t, h.run("", "get", "--output", "json", "--instance", "twin", "--region", "us-east"))
		if m["instance_id"] != kpGUIDSouth2 {
			t.Fatalf("--region did not choose: %v", m)
		}
	})
	for _, tt := range []struct {
		name          string
		args          []string
		code          int
		cause, remedy string
	}{
		{"a name not found", []string{"--instance", "nope"}, 1, "No Key Protect instance named nope was found in the account.", "ibmcloud resource service-instances --service-name kms"},
		{"a CRN of another service", []string{"--instance", "crn:v1:bluemix:public:cloud-object-storage:global:a/x:" + cosGUID + "::"}, 2, "is not the CRN of a Key Protect instance", "Incorrect Usage"},
		{"both flags", []string{"--instance", "kp-eu", "--instance-id", kpGUIDEU}, 2, "Give either --instance-id or --instance, not both.", "Incorrect Usage"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			expectFailure(t, h.run("", append([]string{"get", "--output", "header"}, tt.args...)...), tt.code, tt.cause, tt.remedy)
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
			h := newHost(t)
			rc := h.withRC(tt.locale)
			r := h.run("", "get", "--output", "env")
			if r.code != 1 || !strings.Contains(r.stderr, tt.none) || !strings.Contains(r.stderr, tt.noneRemedy) || !strings.Contains(r.stderr, "ibmcloud target") || r.stdout != "" {
				t.Fatalf("none:\n%s", r)
			}
			rc.Add(kpInstance(kpGUIDSouth, "kp-a", "us-south", groupID), kpInstance(kpGUIDSouth2, "kp-b", "us-south", groupID))
			r = h.run("", "verify")
			if r.code != 1 || !strings.Contains(r.stderr, tt.several) || !strings.Contains(r.stderr, "kp-a") || !strings.Contains(r.stderr, kpGUIDSouth2) ||
				!strings.Contains(r.stderr, "--instance NAME") {
				t.Fatalf("several:\n%s", r)
			}
		})
	}
}
