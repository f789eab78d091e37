// Package target decides where a token is used: the Key Protect instance
// (--instance-id, --instance, KP_INSTANCE_ID; a GUID, a CRN, or a name to
// look up with the Resource Controller; else the one 'instances use'
// remembered in the plug-in's settings, or the only instance in the
// targeted region and resource group) and its endpoint. Lookups are
// remembered in the cache folder; verify looks again when Key Protect does
// not know a remembered one. It also lists the account's instances.
package target

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// Request is the target as the user named it: the options of get, exec
// and verify (setup takes the instance ones).
type Request struct {
	InstanceID string
	Instance   string
	Region     string
	Endpoint   string
}

// Needs say what the output cannot do without.
type Needs struct {
	Endpoint bool // KP_ENDPOINT or a Key Protect call
	Instance bool // bluemix-instance: look for the instance if none is named
}

// Ref is the instance as named, before any lookup.
type Ref struct {
	Instance kp.Instance // GUID, and the region for a CRN
	Name     string      // a name to look up
	From     string      // the flag or variable that named it
}

// Given reports whether an instance was named at all.
func (r Ref) Given() bool { return r.Instance.GUID != "" || r.Name != "" }

// Target is where the token is used.
type Target struct {
	output.Target
	ref Ref
	// remembered is the cache entry the instance came from.
	remembered *cache.InstanceKey
}

// Session is the CLI's targeting as a Resolver uses it (the SDK's
// PluginContext).
type Session interface {
	CurrentRegion() models.Region
	CurrentAccount() models.Account
	CurrentResourceGroup() models.ResourceGroup
	IsPrivateEndpointEnabled() bool
}

// Cache remembers resolved instances (package cache).
type Cache interface {
	LoadInstance(cache.InstanceKey, time.Time) (kp.Instance, bool)
	StoreInstance(cache.InstanceKey, kp.Instance, time.Time) error
	ForgetInstance(cache.InstanceKey)
}

// Notifier is told, as a message ID and its data, which instance was
// found for the user.
type Notifier interface {
	Notice(id string, data map[string]any)
}

// Resolver resolves targets for one run.
type Resolver struct {
	Getenv func(string) string
	// Session is the CLI's targeting; nil outside a CLI session.
	Session    Session
	HTTPClient func(timeout time.Duration) *http.Client
	Timeout    time.Duration
	// OpenCache opens the cache of resolutions; without one every lookup
	// asks the Resource Controller.
	OpenCache func() (Cache, error)
	// Settings is the plug-in's own configuration, at SettingsPath; nil
	// outside a CLI session.
	Settings     Settings
	SettingsPath string
	Now          func() time.Time
	Notify       Notifier
}

// With obtains the token (with obtain) and the target in the order that
// keeps mistakes free of network calls: the instance options and the
// endpoint are checked first, then before runs (exec looks its command up
// there), then the token is obtained and any lookup made with it.
func (r *Resolver) With(ctx context.Context, req Request, needs Needs, before func() error,
	obtain func(context.Context) (token.Token, error)) (token.Token, Target, error) {
	ref, err := r.Parse(req)
	if err != nil {
		return token.Token{}, Target{}, err
	}
	if err := r.Check(req, ref, needs); err != nil {
		return token.Token{}, Target{}, err
	}
	if before != nil {
		if err := before(); err != nil {
			return token.Token{}, Target{}, err
		}
	}
	t, err := obtain(ctx)
	if err != nil {
		return token.Token{}, Target{}, err
	}
	target, err := r.Resolve(ctx, req, ref, t, needs)
	return t, target, err
}

// Parse reads --instance-id, --instance and KP_INSTANCE_ID without any
// network call: a GUID is used as is, a CRN gives the GUID and region, and
// anything else is a name to look up.
func (r *Resolver) Parse(req Request) (Ref, error) {
	id, inst := strings.TrimSpace(req.InstanceID), strings.TrimSpace(req.Instance)
	if id != "" && inst != "" {
		return Ref{}, failure.Usagef("usage_instance_both", nil)
	}
	from := fromInstanceID
	if id == "" && inst == "" {
		id, from = strings.TrimSpace(r.Getenv(fromEnv)), fromEnv
	}
	switch {
	case id != "":
		if !kp.ValidInstanceID(id) {
			return Ref{}, failure.Usagef("kp_instance_id_invalid", map[string]any{"Value": output.SafeLine(id), "Flag": from})
		}
		return Ref{Instance: kp.Instance{GUID: strings.ToLower(id)}, From: from}, nil
	case kp.ValidInstanceID(inst):
		return Ref{Instance: kp.Instance{GUID: strings.ToLower(inst)}, From: fromInstance}, nil
	case strings.HasPrefix(inst, "crn:"):
		i, ok := kp.ParseCRN(inst)
		if !ok {
			return Ref{}, failure.Usagef("instance_crn_not_kp", map[string]any{"Value": output.SafeLine(inst)})
		}
		return Ref{Instance: i, From: fromInstance}, nil
	case inst == "":
		return Ref{}, nil
	}
	return Ref{Name: inst, From: fromInstance}, nil
}

// Check finds, before any token is obtained, the mistakes that need no
// network to see: an endpoint or region the user gave that is not valid,
// or no region at all where one is needed.
func (r *Resolver) Check(req Request, ref Ref, needs Needs) error {
	if err := checkRegion(req, ref.Instance); err != nil {
		return err
	}
	if r.explicit(req) {
		if _, _, err := kp.Endpoint(r.endpointRequest(req, "")); err != nil {
			return err
		}
	}
	discover := needs.Instance && !ref.Given()
	if (needs.Endpoint || discover) && ref.Name == "" && ref.Instance.Region == "" && !r.explicit(req) && r.searchRegion(req) == "" {
		return failure.New("kp_region_none", nil).WithRemedy("kp_region_none_remedy", nil)
	}
	if discover && r.searchRegion(req) == "" {
		return failure.New("kp_region_none", nil).WithRemedy("kp_region_none_remedy", nil)
	}
	return nil
}

// Resolve returns the target: the instance (named, looked up by name, or
// the only one in the targeted region and resource group when
// needs.Instance) and the endpoint. t is the token the lookup uses.
func (r *Resolver) Resolve(ctx context.Context, req Request, ref Ref, t token.Token, needs Needs) (Target, error) {
	res := Target{ref: ref}
	inst := ref.Instance
	var err error
	switch {
	case ref.Name != "":
		inst, res.remembered, err = r.lookup(ctx, req, t, ref.Name, false)
	case !ref.Given() && needs.Instance:
		inst, res.remembered, err = r.discover(ctx, req, t)
	}
	if err == nil {
		err = checkRegion(req, inst)
	}
	if err != nil {
		return res, err
	}
	if ref.Given() && needs.Instance {
		r.announce(ref, inst)
	}
	res.InstanceID, res.InstanceName, res.Region = inst.GUID, inst.Name, inst.Region
	url, _, err := kp.Endpoint(r.endpointRequest(req, inst.Region))
	if err != nil {
		if needs.Endpoint || r.explicit(req) {
			return res, err
		}
		return res, nil
	}
	res.Endpoint = url
	return res, nil
}

// LookAgain is for a remembered instance Key Protect does not know: it
// forgets it and looks once more, without the cache. changed is false when
// the target did not come from the cache, or the Resource Controller names
// the same instance again.
func (r *Resolver) LookAgain(ctx context.Context, req Request, tgt Target, t token.Token) (Target, bool, error) {
	if tgt.remembered == nil {
		return tgt, false, nil
	}
	if c, err := r.OpenCache(); err == nil {
		c.ForgetInstance(*tgt.remembered)
	}
	inst, _, err := r.lookup(ctx, req, t, tgt.ref.Name, true)
	if err == nil {
		err = checkRegion(req, inst)
	}
	if err != nil {
		return tgt, false, err
	}
	if inst.GUID == tgt.InstanceID {
		return tgt, false, nil
	}
	next := tgt
	next.remembered = nil
	next.InstanceID = inst.GUID
	if url, _, err := kp.Endpoint(r.endpointRequest(req, inst.Region)); err == nil {
		next.Endpoint = url
	}
	return next, true, nil
}

// Lookup finds a Key Protect instance by name with the Resource
// Controller (setup's --instance NAME).
func (r *Resolver) Lookup(ctx context.Context, req Request, t token.Token, name string) (kp.Instance, error) {
	inst, _, err := r.lookup(ctx, req, t, name, false)
	return inst, err
}

// checkRegion holds --region to the regions Key Protect runs in, whatever
// gives the endpoint (--kp-endpoint or KP_ENDPOINT win over it, but it
// still chooses where instances are looked for), and to the region of the
// instance when it is known (a CRN, a lookup): the instance's endpoint
// would not be --region's, and a token sent to another region's endpoint
// fails there. An explicit --kp-endpoint says the user reaches the
// instance through an endpoint of their choosing.
func checkRegion(req Request, inst kp.Instance) error {
	region := strings.ToLower(strings.TrimSpace(req.Region))
	switch {
	case region == "":
		return nil
	case !kp.IsRegion(region):
		return failure.Usagef("kp_region_unknown", map[string]any{"Region": region, "Known": strings.Join(kp.Regions, ", ")}).
			WithRemedy("kp_region_unknown_flag_remedy", nil)
	case inst.Region == "" || strings.EqualFold(inst.Region, region) || strings.TrimSpace(req.Endpoint) != "":
		return nil
	}
	name := inst.Name
	if name == "" {
		name = inst.GUID
	}
	// The instance's name and region are the Resource Controller's words
	// (or a CRN's): one safe line, and one shell word in the command shown.
	return failure.Usagef("instance_region_conflict", map[string]any{"Instance": output.SafeLine(name), "InstanceRegion": output.SafeLine(inst.Region), "Region": region}).
		WithRemedy("instance_region_conflict_remedy", map[string]any{"InstanceRegion": output.ShellWord(inst.Region)})
}

// explicit reports whether the user named the endpoint or region, which
// then win over the instance's region.
func (r *Resolver) explicit(req Request) bool {
	return req.Region != "" || req.Endpoint != "" || r.Getenv("KP_ENDPOINT") != ""
}

func (r *Resolver) endpointRequest(req Request, instanceRegion string) kp.EndpointRequest {
	er := kp.EndpointRequest{Flag: req.Endpoint, Env: r.Getenv("KP_ENDPOINT"), Region: req.Region, InstanceRegion: instanceRegion}
	if r.Session != nil {
		er.SessionRegion = r.Session.CurrentRegion().Name
		er.Private = r.Session.IsPrivateEndpointEnabled()
	}
	return er
}

// searchRegion is the region instances are looked for in.
func (r *Resolver) searchRegion(req Request) string {
	if region := strings.TrimSpace(req.Region); region != "" {
		return strings.ToLower(region)
	}
	if r.Session != nil {
		return r.Session.CurrentRegion().Name
	}
	return ""
}

// lookup finds a Key Protect instance with the Resource Controller: by
// name in the account (in --region when given), or with no name the only
// one in the targeted region and resource group. Results are remembered in
// the cache folder; fresh skips the cache.
func (r *Resolver) lookup(ctx context.Context, req Request, t token.Token, name string, fresh bool) (kp.Instance, *cache.InstanceKey, error) {
	key := cache.InstanceKey{Name: name, Region: strings.ToLower(strings.TrimSpace(req.Region))}
	if c, err := token.Decode(t.AccessToken); err == nil {
		key.Account = c.Info.Accounts.AccountID
	}
	if key.Account == "" && r.Session != nil {
		key.Account = r.Session.CurrentAccount().GUID
	}
	group := ""
	if name == "" {
		key.Region = r.searchRegion(req)
		if r.Session != nil {
			key.ResourceGroup = r.Session.CurrentResourceGroup().GUID
			group = r.Session.CurrentResourceGroup().Name
		}
	}
	private := r.Session != nil && r.Session.IsPrivateEndpointEnabled()
	url, err := kp.ResourceControllerURL(r.Getenv, private)
	if err != nil {
		return kp.Instance{}, nil, err
	}
	key.ResourceController = url
	c, cacheErr := r.OpenCache()
	if cacheErr == nil && !fresh {
		if inst, ok := c.LoadInstance(key, r.Now()); ok {
			return inst, &key, nil
		}
	}
	f := &kp.Finder{URL: url, Token: t.AccessToken, Client: r.HTTPClient(r.Timeout), Timeout: r.Timeout}
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
			_ = c.StoreInstance(key, found[0], r.Now())
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
	several := failure.New("instance_several", data).WithRemedy("instance_several_remedy", nil)
	if name != "" {
		several = failure.New("instance_name_several", data).WithRemedy("instance_name_several_remedy", nil)
	}
	several.Table = instanceTable(found)
	return kp.Instance{}, nil, several
}

// instanceTable lists instances, one per line: name, GUID, region and
// resource group, each in its column.
func instanceTable(list []kp.Instance) *failure.Table {
	t := &failure.Table{Header: []string{"label_name", "instance_col_guid", "instance_col_region", "instance_col_group"}}
	for _, i := range list {
		t.Rows = append(t.Rows, []string{output.SafeLine(i.Name), i.GUID, output.SafeLine(i.Region), output.SafeLine(i.ResourceGroup)})
	}
	return t
}
