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
