package iamtest

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"
)

// Session describes a CLI login to write into a config folder.
type Session struct {
	IAMEndpoint        string
	PrivateIAMEndpoint string
	Private            bool
	AccessToken        string // without "Bearer "
	RefreshToken       string
	Region             string
	Locale             string
	Trace              string
	HTTPTimeout        int
	Account            string
	ResourceGroup      models.ResourceGroup
	// CRIType ("VPC", "PVS", "IKS", "OTHER") logs in as a compute resource
	// with the trusted profile Profile, as 'ibmcloud login --vpc-cri' does.
	CRIType string
	Profile models.Profile
}

// WriteSession writes a CLI config into dir (what IBMCLOUD_CONFIG_HOME
// names) through the SDK's own core_config setters, as 'ibmcloud login'
// would have left it.
func WriteSession(dir string, s Session) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var werr error
	cfg := core_config.NewCoreConfigFromPath(filepath.Join(dir, "config.json"), func(err error) { werr = err })
	api := "https://cloud.ibm.com"
	if s.Private {
		api = "https://private.cloud.ibm.com"
	}
	cfg.SetAPIEndpoint(api)
	cfg.SetCloudType("public")
	cfg.SetCloudName("bluemix")
	cfg.SetPrivateEndpointEnabled(s.Private)
	cfg.SetIAMEndpoints(models.Endpoints{PublicEndpoint: s.IAMEndpoint, PrivateEndpoint: s.PrivateIAMEndpoint})
	if s.Region != "" {
		cfg.SetRegion(models.Region{Name: s.Region})
	}
	if s.AccessToken != "" {
		cfg.SetIAMToken("Bearer " + s.AccessToken)
	}
	cfg.SetIAMRefreshToken(s.RefreshToken)
	if s.Account != "" {
		cfg.SetAccount(models.Account{GUID: s.Account, Name: "Key Protect Team"})
	}
	if s.CRIType != "" {
		cfg.SetIsLoggedInAsCRI(true)
		cfg.SetCRIType(s.CRIType)
		cfg.SetProfile(s.Profile)
	}
	if s.ResourceGroup.GUID != "" {
		cfg.SetResourceGroup(s.ResourceGroup)
	}
	if s.Locale != "" {
		cfg.SetLocale(s.Locale)
	}
	if s.Trace != "" {
		cfg.SetTrace(s.Trace)
	}
	if s.HTTPTimeout > 0 {
		cfg.SetHTTPTimeout(s.HTTPTimeout)
	}
	if werr != nil {
		return fmt.Errorf("writing session: %w", werr)
	}
	return nil
}
