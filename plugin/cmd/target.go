package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// targetOptions say which Key Protect instance a token is for and where it
// is reached.
type targetOptions struct {
	InstanceID string
	Instance   string
	Region     string
	Endpoint   string
}

func addTargetFlags(c *cobra.Command, d *Deps, o *targetOptions) {
	addInstanceFlags(c, d, o)
	c.Flags().StringVar(&o.Region, "region", "", "flag_region")
	c.Flags().StringVar(&o.Endpoint, "kp-endpoint", "", "flag_kp_endpoint")
}

func addInstanceFlags(c *cobra.Command, d *Deps, o *targetOptions) {
	c.Flags().StringVar(&o.InstanceID, "instance-id", "", "flag_instance_id")
	c.Flags().StringVar(&o.Instance, "instance", "", "flag_instance")
}

// targetNeeds say what the output cannot do without.
type targetNeeds struct {
	endpoint bool // KP_ENDPOINT or a Key Protect call
	instance bool // bluemix-instance: look for the instance if none is named
}

// instanceRef is the instance as named, before any lookup.
type instanceRef struct {
	inst kp.Instance // GUID, and the region for a CRN
	name string      // a name to look up
}

func (r instanceRef) given() bool { return r.inst.GUID != "" || r.name != "" }

// parse reads --instance-id, --instance and KP_INSTANCE_ID without any
// network call: a GUID is used as is, a CRN gives the GUID and region, and
// anything else is a name to look up.
func (o *targetOptions) parse(d *Deps) (instanceRef, error) {
	id, inst := strings.TrimSpace(o.InstanceID), strings.TrimSpace(o.Instance)
	if id != "" && inst != "" {
		return instanceRef{}, failure.Usagef("usage_instance_both", nil)
	}
	from := "--instance-id"
	if id == "" && inst == "" {
		id, from = strings.TrimSpace(d.Getenv("KP_INSTANCE_ID")), "KP_INSTANCE_ID"
	}
	switch {
	case id != "":
		if !kp.ValidInstanceID(id) {
			return instanceRef{}, failure.Usagef("kp_instance_id_invalid", map[string]any{"Value": output.SafeLine(id), "Flag": from})
		}
		return instanceRef{inst: kp.Instance{GUID: strings.ToLower(id)}}, nil
	case kp.ValidInstanceID(inst):
		return instanceRef{inst: kp.Instance{GUID: strings.ToLower(inst)}}, nil
	case strings.HasPrefix(inst, "crn:"):
		i, ok := kp.ParseCRN(inst)
		if !ok {
			return instanceRef{}, failure.Usagef("instance_crn_not_kp", map[string]any{"Value": output.SafeLine(inst)})
		}
		return instanceRef{inst: i}, nil
	}
	return instanceRef{name: inst}, nil
}

// explicit reports whether the user named the endpoint or region, which
// then win over the instance's region.
func (o *targetOptions) explicit(d *Deps) bool {
	return o.Region != "" || o.Endpoint != "" || d.Getenv("KP_ENDPOINT") != ""
}

func (o *targetOptions) endpointRequest(d *Deps, instanceRegion string) kp.EndpointRequest {
	req := kp.EndpointRequest{Flag: o.Endpoint, Env: d.Getenv("KP_ENDPOINT"), Region: o.Region, InstanceRegion: instanceRegion}
	if d.Context != nil {
		req.SessionRegion = d.Context.CurrentRegion().Name
		req.Private = d.Context.IsPrivateEndpointEnabled()
	}
	return req
}

// searchRegion is the region instances are looked for in.
func (o *targetOptions) searchRegion(d *Deps) string {
	if r := strings.TrimSpace(o.Region); r != "" {
		return strings.ToLower(r)
	}
	if d.Context != nil {
		return d.Context.CurrentRegion().Name
	}
	return ""
}

// preflight finds, before any token is obtained, the mistakes that need no
// network to see: an endpoint or region the user gave that is not valid,
// or no region at all where one is needed.
func (o *targetOptions) preflight(d *Deps, ref instanceRef, need targetNeeds) error {
	if o.explicit(d) {
		if _, _, err := kp.Endpoint(o.endpointRequest(d, "")); err != nil {
			return err
		}
	}
	discover := need.instance && !ref.given()
	if (need.endpoint || discover) && ref.name == "" && ref.inst.Region == "" && !o.explicit(d) && o.searchRegion(d) == "" {
		return failure.New("kp_region_none", nil).WithRemedy("kp_region_none_remedy", nil)
	}
	if discover && o.searchRegion(d) == "" {
		return failure.New("kp_region_none", nil).WithRemedy("kp_region_none_remedy", nil)
	}
	return nil
}

// tokenFor obtains the token and the target in the order that keeps
// mistakes free of network calls: the instance flags and the endpoint are
// checked first, then before runs (exec looks its command up there), then
// the token is obtained and any lookup made with it.
func tokenFor(d *Deps, p *output.Printer, src *sourceOptions, tgt *targetOptions, need targetNeeds, before func() error) (token.Token, resolved, instanceRef, error) {
	ref, err := tgt.parse(d)
	if err != nil {
		return token.Token{}, resolved{}, ref, err
	}
	if err := tgt.preflight(d, ref, need); err != nil {
		return token.Token{}, resolved{}, ref, err
	}
	if before != nil {
		if err := before(); err != nil {
			return token.Token{}, resolved{}, ref, err
		}
	}
	t, err := obtainToken(d, p, src)
	if err != nil {
		return token.Token{}, resolved{}, ref, err
	}
	target, err := tgt.resolve(d, p, ref, t, need)
	return t, target, ref, err
}

// resolved is a target and, when it came from the cache, the key to forget
// if Key Protect does not know it.
type resolved struct {
	output.Target
	cached *cache.InstanceKey
}

// resolve returns the target: the instance (named, looked up by name, or the
// only one in the targeted region and resource group when need.instance)
// and the endpoint. t is the token the lookup uses.
func (o *targetOptions) resolve(d *Deps, p *output.Printer, ref instanceRef, t token.Token, need targetNeeds) (resolved, error) {
	var res resolved
	inst := ref.inst
	var err error
	switch {
	case ref.name != "":
		inst, res.cached, err = o.lookup(d, t, ref.name, false)
	case !ref.given() && need.instance:
		inst, res.cached, err = o.lookup(d, t, "", false)
		if err == nil {
			// The name and region are the Resource Controller's (or a
			// cache entry's) words: one safe line.
			p.Notice(d.T.T("instance_using", map[string]any{"Name": output.SafeLine(inst.Name), "ID": inst.GUID, "Region": output.SafeLine(inst.Region)}))
		}
	}
	if err != nil {
		return res, err
	}
	res.InstanceID, res.InstanceName, res.Region = inst.GUID, inst.Name, inst.Region
	url, _, err := kp.Endpoint(o.endpointRequest(d, inst.Region))
	if err != nil {
		if need.endpoint || o.explicit(d) {
			return res, err
		}
		return res, nil
	}
	res.Endpoint = url
	return res, nil
}

// lookup finds a Key Protect instance with the Resource Controller: by name
// in the account (in --region when given), or with no name the only one in
// the targeted region and resource group. Results are remembered in the
// cache folder; fresh skips the cache.
func (o *targetOptions) lookup(d *Deps, t token.Token, name string, fresh bool) (kp.Instance, *cache.InstanceKey, error) {
	key := cache.InstanceKey{Name: name, Region: strings.ToLower(strings.TrimSpace(o.Region))}
	if c, err := token.Decode(t.AccessToken); err == nil {
		key.Account = c.Info.Accounts.AccountID
	}
	if key.Account == "" && d.Context != nil {
		key.Account = d.Context.CurrentAccount().GUID
	}
	group := ""
	if name == "" {
		key.Region = o.searchRegion(d)
		if d.Context != nil {
			key.ResourceGroup = d.Context.CurrentResourceGroup().GUID
			group = d.Context.CurrentResourceGroup().Name
		}
	}
	private := d.Context != nil && d.Context.IsPrivateEndpointEnabled()
	url, err := kp.ResourceControllerURL(d.Getenv, private)
	if err != nil {
		return kp.Instance{}, nil, err
	}
	key.ResourceController = url
	c, cacheErr := d.openCache()
	if cacheErr == nil && !fresh {
		if inst, ok := c.LoadInstance(key, d.Now()); ok {
			return inst, &key, nil
		}
	}
	f := &kp.Finder{URL: url, Token: t.AccessToken, Client: d.HTTPClient(d.Timeout()), Timeout: d.Timeout()}
	all, err := f.List(name, key.ResourceGroup)
	if err != nil {
		return kp.Instance{}, nil, err
	}
	// Instances are searched in the region; a name is searched in the
	// whole account, and --region only tells same-named instances apart.
	var found []kp.Instance
	for _, i := range all {
		if key.Region == "" || i.Region == key.Region {
			found = append(found, i)
		}
	}
	if name != "" && len(found) == 0 {
		found = all
	}
	data := map[string]any{"Name": name, "Region": key.Region, "Group": group, "Count": len(found)}
	switch {
	case len(found) == 1:
		if cacheErr == nil {
			_ = c.StoreInstance(key, found[0], d.Now())
		}
		return found[0], &key, nil
	case len(found) == 0 && name != "":
		return kp.Instance{}, nil, failure.New("instance_name_not_found", data).WithRemedy("instance_list_remedy", nil)
	case len(found) == 0:
		id := "instance_none"
		if group != "" {
			id = "instance_none_group"
		}
		return kp.Instance{}, nil, failure.New(id, data).WithRemedy("instance_none_remedy", data)
	}
	f2 := failure.New("instance_several", data).WithRemedy("instance_several_remedy", nil)
	if name != "" {
		f2 = failure.New("instance_name_several", data).WithRemedy("instance_name_several_remedy", nil)
	}
	f2.Extra = instanceTable(d, found)
	return kp.Instance{}, nil, f2
}

// instanceTable lists instances, one per line: name, GUID, region and
// resource group.
func instanceTable(d *Deps, list []kp.Instance) string {
	rows := [][2]string{}
	for _, i := range list {
		rows = append(rows, [2]string{output.SafeLine(i.Name), fmt.Sprintf("%s  %s  %s", i.GUID, i.Region, i.ResourceGroup)})
	}
	var b strings.Builder
	writeRows(&b, append([][2]string{{d.T.T("label_name"), d.T.T("instance_columns")}}, rows...))
	return strings.TrimSuffix(b.String(), "\n")
}
