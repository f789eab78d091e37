package endpoint

import (
	"testing"

	"github.com/kp-token/kp-token/plugin/failure"
)

type session struct {
	url     string
	private bool
}

func (s session) IAMEndpoint() string            { return s.url }
func (s session) IsPrivateEndpointEnabled() bool { return s.private }

func TestIAM(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		s       Session
		want    string
		wantErr string
	}{
		{"default", "", nil, DefaultIAM, ""},
		{"session public", "", session{url: "https://iam.cloud.ibm.com"}, "https://iam.cloud.ibm.com", ""},
		{"session private", "", session{url: "https://private.iam.cloud.ibm.com", private: true}, "https://private.iam.cloud.ibm.com", ""},
		{"private without endpoint never falls back", "", session{private: true}, "", "endpoint_private_unknown"},
		{"env wins over session", "https://iam.test.cloud.ibm.com/", session{url: "https://iam.cloud.ibm.com"}, "https://iam.test.cloud.ibm.com", ""},
		{"env with token path", "https://iam.test.cloud.ibm.com/identity/token", nil, "https://iam.test.cloud.ibm.com", ""},
		{"http loopback allowed", "http://127.0.0.1:8080", nil, "http://127.0.0.1:8080", ""},
		{"http localhost allowed", "http://localhost:1", nil, "http://localhost:1", ""},
		{"http ipv6 loopback allowed", "http://[::1]:9", nil, "http://[::1]:9", ""},
		{"http remote refused", "http://iam.cloud.ibm.com", nil, "", "endpoint_insecure"},
		{"http private range refused", "http://10.0.0.1", nil, "", "endpoint_insecure"},
		{"ftp refused", "ftp://iam.cloud.ibm.com", nil, "", "endpoint_invalid"},
		{"no host", "https://", nil, "", "endpoint_invalid"},
		{"credentials in URL refused", "https://u:p@iam.cloud.ibm.com", nil, "", "endpoint_invalid"},
		{"session http remote refused", "", session{url: "http://iam.example.com"}, "", "endpoint_insecure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := IAM(func(k string) string {
				if k == "IAM_ENDPOINT" {
					return tt.env
				}
				return ""
			}, tt.s)
			if tt.wantErr != "" {
				f, ok := failure.As(err)
				if !ok || f.Cause != tt.wantErr {
					t.Fatalf("err = %v, want failure %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("IAM() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	tests := []struct {
		raw, want, wantErr string
	}{
		{"https://api.metadata.cloud.ibm.com", "https://api.metadata.cloud.ibm.com", ""},
		{"https://metadata.example/", "https://metadata.example", ""},
		{"http://169.254.169.254", "http://169.254.169.254", ""},
		{"http://169.254.169.254:80/", "http://169.254.169.254:80", ""},
		{"http://api.metadata.cloud.ibm.com", "http://api.metadata.cloud.ibm.com", ""},
		{"http://API.Metadata.Cloud.IBM.com", "http://API.Metadata.Cloud.IBM.com", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"http://localhost:1/base%2Fpath/", "http://localhost:1/base%2Fpath", ""},
		{"http://evil.example", "", "vpc_metadata_url_insecure"},
		{"http://169.254.169.254.evil.example", "", "vpc_metadata_url_insecure"},
		{"http://api.metadata.cloud.ibm.com.evil.example", "", "vpc_metadata_url_insecure"},
		{"http://169.254.169.253", "", "vpc_metadata_url_insecure"},
		{"http://10.0.0.1", "", "vpc_metadata_url_insecure"},
		{"ftp://169.254.169.254", "", "vpc_metadata_url_invalid"},
		{"169.254.169.254", "", "vpc_metadata_url_invalid"},
		{"http://u:p@169.254.169.254", "", "vpc_metadata_url_invalid"},
		{"http://169.254.169.254/?x=1", "", "vpc_metadata_url_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := Metadata(tt.raw, "IBMCLOUD_CR_VPC_URL")
			if tt.wantErr != "" {
				f, ok := failure.As(err)
				if !ok || f.Cause != tt.wantErr || f.CauseData["Source"] != "IBMCLOUD_CR_VPC_URL" {
					t.Fatalf("err = %v, want failure %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Metadata() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
