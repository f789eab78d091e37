package cmd

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/output"
)

// targetOptions say which Key Protect instance a token is for and where it
// is reached.
type targetOptions struct {
	InstanceID string
	Region     string
	Endpoint   string
}

func addTargetFlags(c *cobra.Command, d *Deps, o *targetOptions) {
	c.Flags().StringVar(&o.InstanceID, "instance-id", "", d.T.T("flag_instance_id"))
	c.Flags().StringVar(&o.Region, "region", "", d.T.T("flag_region"))
	c.Flags().StringVar(&o.Endpoint, "kp-endpoint", "", d.T.T("flag_kp_endpoint"))
	metavar(c, "instance-id", "ID")
	metavar(c, "region", "REGION")
	metavar(c, "kp-endpoint", "URL")
}

// instanceID is --instance-id, else KP_INSTANCE_ID; a value that is not a
// GUID is incorrect usage.
func (o *targetOptions) instanceID(d *Deps) (string, error) {
	id, from := strings.TrimSpace(o.InstanceID), "--instance-id"
	if id == "" {
		id, from = strings.TrimSpace(d.Getenv("KP_INSTANCE_ID")), "KP_INSTANCE_ID"
	}
	if id != "" && !kp.ValidInstanceID(id) {
		return "", failure.Usagef("kp_instance_id_invalid", map[string]any{"Value": output.SafeLine(id), "Flag": from})
	}
	return strings.ToLower(id), nil
}

// explicit reports whether the user named the endpoint or region, so that
// a failure to resolve it must be reported rather than passed over.
func (o *targetOptions) explicit(d *Deps) bool {
	return o.Region != "" || o.Endpoint != "" || d.Getenv("KP_ENDPOINT") != ""
}

// resolve returns the target: the instance (when given) and the endpoint.
// needEndpoint makes an endpoint that cannot be resolved a failure; without
// it the endpoint is left out quietly unless the user asked for one.
func (o *targetOptions) resolve(d *Deps, needEndpoint bool) (output.Target, error) {
	var t output.Target
	id, err := o.instanceID(d)
	if err != nil {
		return t, err
	}
	t.InstanceID = id
	req := kp.EndpointRequest{Flag: o.Endpoint, Env: d.Getenv("KP_ENDPOINT"), Region: o.Region}
	if d.Context != nil {
		req.SessionRegion = d.Context.CurrentRegion().Name
		req.Private = d.Context.IsPrivateEndpointEnabled()
	}
	url, _, err := kp.Endpoint(req)
	if err != nil {
		if needEndpoint || o.explicit(d) {
			return t, err
		}
		return t, nil
	}
	t.Endpoint = url
	return t, nil
}
