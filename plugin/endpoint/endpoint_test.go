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

// TestCheckServiceOutputIsInert: what CheckService returns is printed in
// eval'ed lines (KP_ENDPOINT=...): it holds no quote of any shell, no space
// and no control character, whatever the URL given was.
func TestCheckServiceOutputIsInert(t *testing.T) {
	tests := []struct {
		name, raw, want, wantErr string
	}{
		{"plain", "https://kms.example/", "https://kms.example", ""},
		{"port and path", "https://kms.example:8443/api/", "https://kms.example:8443/api", ""},
		{"encoded PowerShell quotes stay encoded", "https://kms.example/%E2%80%99;calc;%E2%80%99", "https://kms.example/%E2%80%99%3Bcalc%3B%E2%80%99", ""},
		{"encoded newline stays encoded", "https://kms.example/%0a", "https://kms.example/%0a", ""},
		{"encoded slash stays encoded", "https://kms.example/a%2Fb", "https://kms.example/a%2Fb", ""},
		{"an ASCII quote is encoded", "https://kms.example/it's", "https://kms.example/it%27s", ""},
		{"a raw curly quote is encoded", "https://kms.example/x\u2019y", "https://kms.example/x%E2%80%99y", ""},
		{"dollar and parentheses are encoded", "https://kms.example/$(id)", "https://kms.example/%24%28id%29", ""},
		{"IPv6 loopback", "http://[::1]:9/", "http://[::1]:9", ""},
		{"an empty port is the scheme's", "https://kms.example:/api", "https://kms.example/api", ""},
		{"a quote in the host", "https://kms'$(id).example", "", "endpoint_invalid"},
		{"an encoded curly quote in the host", "https://kms%E2%80%99.example", "", "endpoint_invalid"},
		{"a raw curly quote in the host", "https://kms\u2019.example", "", "endpoint_invalid"},
		{"an IPv6 zone", "https://[fe80::1%25eth0]:9", "", "endpoint_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckService(tt.raw, "Key Protect", "KP_ENDPOINT")
			if tt.wantErr != "" {
				if f, ok := failure.As(err); !ok || f.Cause != tt.wantErr {
					t.Fatalf("CheckService(%q) = %q, %v; want failure %s", tt.raw, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CheckService(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
		})
	}
}

// TestRemedyFollowsTheSource: an endpoint is changed where it came from,
// and the remedy says how: unset a variable, leave out an option, or log
// in again with the API endpoint the CLI configuration's IAM endpoint
// comes from (it has no setting of its own to unset). The source is named
// by the catalog (the CLI configuration) or by its own name, never by
// English text.
func TestRemedyFollowsTheSource(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "IAM_ENDPOINT" {
				return v
			}
			return ""
		}
	}
	check := func(raw, from string) func() error {
		return func() error { _, err := CheckService(raw, failure.ServiceKeyProtect, from); return err }
	}
	tests := []struct {
		name   string
		run    func() error
		source any
		remedy string
	}{
		{"CLI configuration", func() error { _, err := IAM(env(""), session{url: "http://iam.example.com"}); return err },
			failure.Msg("source_cli_config"), "endpoint_invalid_remedy_config"},
		{"environment variable", func() error { _, err := IAM(env("ftp://iam.example.com"), nil); return err },
			failure.Name("IAM_ENDPOINT"), "endpoint_invalid_remedy"},
		{"option", check("http://kms.example", "--kp-endpoint"), failure.Name("--kp-endpoint"), "endpoint_invalid_remedy_option"},
		{"variable of a service", check("https://", "KP_ENDPOINT"), failure.Name("KP_ENDPOINT"), "endpoint_invalid_remedy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := failure.As(tt.run())
			if !ok || f.Remedy != tt.remedy || f.CauseData["Source"] != tt.source || f.RemedyData["Source"] != tt.source {
				t.Fatalf("failure = %+v; want remedy %s and source %#v", f, tt.remedy, tt.source)
			}
			if _, ok := f.CauseData["Service"].(failure.Service); !ok {
				t.Fatalf("the service is %#v, not a failure.Service", f.CauseData["Service"])
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
				if !ok || f.Cause != tt.wantErr || f.CauseData["Source"] != failure.Name("IBMCLOUD_CR_VPC_URL") {
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
