package kp

import "testing"

func TestValidInstanceID(t *testing.T) {
	for id, want := range map[string]bool{
		"0d2a5b8e-1111-4c4c-9d9d-123456789abc": true, "0D2A5B8E-1111-4C4C-9D9D-123456789ABC": true,
		"0d2a5b8e-1111-4c4c-9d9d-123456789ab": false, "0d2a5b8e_1111-4c4c-9d9d-123456789abc": false,
		"0d2a5b8e-1111-4c4c-9d9d-123456789abg": false, "": false, "my-instance": false,
	} {
		if got := ValidInstanceID(id); got != want {
			t.Errorf("ValidInstanceID(%q) = %v", id, got)
		}
	}
}

func TestParseCRN(t *testing.T) {
	i, ok := ParseCRN("crn:v1:bluemix:public:kms:eu-de:a/abc:0d2a5b8e-1111-4c4c-9d9d-123456789abc::")
	if !ok || i.GUID != "0d2a5b8e-1111-4c4c-9d9d-123456789abc" || i.Region != "eu-de" {
		t.Fatalf("ParseCRN = %+v, %v", i, ok)
	}
	for _, bad := range []string{"crn:v1:bluemix:public:cloud-object-storage:global:a/x:0d2a5b8e-1111-4c4c-9d9d-123456789abc::", "crn:v1:x", "kms"} {
		if _, ok := ParseCRN(bad); ok {
			t.Errorf("ParseCRN(%q) accepted", bad)
		}
	}
}

func TestRegionEndpoint(t *testing.T) {
	if u, _ := RegionEndpoint("eu-de", false); u != "https://eu-de.kms.cloud.ibm.com" {
		t.Error(u)
	}
	if u, _ := RegionEndpoint("jp-tok", true); u != "https://private.jp-tok.kms.cloud.ibm.com" {
		t.Error(u)
	}
	if _, err := RegionEndpoint("mars-1", false); err == nil {
		t.Error("unknown region accepted")
	}
}
