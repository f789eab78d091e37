package target

import (
	"context"
	"fmt"
	"strings"

	"github.com/kp-token/kp-token/plugin/cache"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// Settings is the plug-in's own configuration: the SDK's PluginConfig
// (PluginContext.PluginConfig()), a JSON file in the plug-in's folder.
// 'instances use' remembers instances there.
type Settings interface {
	Get(key string) interface{}
	Set(key string, value interface{}) error
	Erase(key string) error
}

// Where an instance came from, in the order that decides: a flag, then
// KP_INSTANCE_ID, then the one 'instances use' remembered for the account
// and region, then the only one in the region (and resource group).
const (
	fromInstanceID = "--instance-id"
	fromInstance   = "--instance"
	fromEnv        = "KP_INSTANCE_ID"
)

// settingsKey is where the instance remembered for an account and region
// is kept: one key each, so that forgetting one is the SDK's Erase.
func settingsKey(account, region string) string {
	return "instance/" + account + "/" + region
}

// account is the account a token works in: its own claim, else the
// session's.
func (r *Resolver) account(t token.Token) string {
	if c, err := token.Decode(t.AccessToken); err == nil && c.Info.Accounts.AccountID != "" {
		return c.Info.Accounts.AccountID
	}
	if r.Session != nil {
		return r.Session.CurrentAccount().GUID
	}
	return ""
}

// remembered reads the instance 'instances use' remembered for the account
// and region; ok is false when there is none. The file is the user's to
// edit and its GUID reaches headers and eval'ed lines: anything but what
// 'instances use' writes is refused, never used.
func (r *Resolver) remembered(account, region string) (inst kp.Instance, ok bool, err error) {
	if r.Settings == nil {
		return kp.Instance{}, false, nil
	}
	v, err := r.readSetting(settingsKey(account, region))
	if err != nil || v == nil {
		return kp.Instance{}, false, err
	}
	m, _ := v.(map[string]interface{})
	guid, _ := m["guid"].(string)
	name, nameOK := m["name"].(string)
	if m["name"] == nil {
		nameOK = true
	}
	if !kp.ValidInstanceID(guid) || !nameOK {
		shown := fmt.Sprint(v)
		if kp.ValidInstanceID(guid) {
			shown = fmt.Sprint(m["name"])
		} else if guid != "" {
			shown = guid
		}
		data := map[string]any{"Region": region, "Path": r.SettingsPath, "Value": truncate(shown)}
		return kp.Instance{}, false, failure.New("instance_remembered_invalid", data).
			WithRemedy("instance_remembered_invalid_remedy", data)
	}
	return kp.Instance{GUID: strings.ToLower(guid), Name: name, Region: region}, true, nil
}

// readSetting is Settings.Get, whose file the SDK reads on first use and
// panics on when it cannot: that is a failure here, not a crash.
func (r *Resolver) readSetting(key string) (v interface{}, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = failure.New("settings_unreadable", map[string]any{"Path": r.SettingsPath}).
				WithRemedy("settings_remedy", map[string]any{"Path": r.SettingsPath}).WithDetail(fmt.Sprint(p))
		}
	}()
	return r.Settings.Get(key), nil
}

// writeSetting is Settings.Set (value non-nil) or Erase, with the SDK's
// panics and errors turned into a failure.
func (r *Resolver) writeSetting(key string, value interface{}) (err error) {
	fail := func(detail string) error {
		return failure.New("settings_write_failed", map[string]any{"Path": r.SettingsPath}).
			WithRemedy("settings_remedy", map[string]any{"Path": r.SettingsPath}).WithDetail(detail)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fail(fmt.Sprint(p))
		}
	}()
	if r.Settings == nil {
		return fail("no plug-in configuration")
	}
	if value == nil {
		err = r.Settings.Erase(key)
	} else {
		err = r.Settings.Set(key, value)
	}
	if err != nil {
		return fail(err.Error())
	}
	return nil
}

func truncate(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// discover is the instance of a command that named none: the one
// remembered for the account and the region searched, else the only one
// there (and in the targeted resource group). It tells the user which and
// why.
func (r *Resolver) discover(ctx context.Context, req Request, t token.Token) (kp.Instance, *cache.InstanceKey, error) {
	region := r.searchRegion(req)
	inst, ok, err := r.remembered(r.account(t), region)
	if err != nil {
		return kp.Instance{}, nil, err
	}
	if ok {
		r.Notify.Notice("instance_using_remembered", map[string]any{"Name": output.SafeLine(inst.Name), "ID": inst.GUID, "Region": region})
		return inst, nil, nil
	}
	inst, key, err := r.lookup(ctx, req, t, "", false)
	if err != nil {
		return inst, key, err
	}
	// The name and region are the Resource Controller's (or a cache
	// entry's) words: one safe line.
	data := map[string]any{"Name": output.SafeLine(inst.Name), "ID": inst.GUID, "Region": output.SafeLine(inst.Region)}
	if r.Session != nil && r.Session.CurrentResourceGroup().GUID != "" {
		data["Group"] = output.SafeLine(r.Session.CurrentResourceGroup().Name)
		r.Notify.Notice("instance_using_group", data)
	} else {
		r.Notify.Notice("instance_using", data)
	}
	return inst, key, nil
}

// announce tells the user which instance was used when the command line
// does not show it: one found by the name --instance gave, or the GUID in
// KP_INSTANCE_ID. A GUID or CRN typed in a flag goes without saying.
func (r *Resolver) announce(ref Ref, inst kp.Instance) {
	if ref.Name != "" {
		r.Notify.Notice("instance_using_named", map[string]any{"Name": output.SafeLine(inst.Name), "ID": inst.GUID,
			"Region": output.SafeLine(inst.Region), "Flag": ref.From})
		return
	}
	if ref.From == fromEnv {
		r.Notify.Notice("instance_using_id", map[string]any{"ID": inst.GUID, "Flag": ref.From})
	}
}

// Use remembers the Key Protect instance arg names (a name, CRN or GUID)
// for the token's account and the instance's region, once the Resource
// Controller confirms the account holds it; region, when given (--region,
// else the region the CLI targets), must be the instance's own: an
// instance is remembered for the region it serves.
func (r *Resolver) Use(ctx context.Context, arg, region string, t token.Token) (kp.Instance, error) {
	ref, err := r.Parse(Request{Instance: arg})
	if err != nil {
		return kp.Instance{}, err
	}
	account := r.account(t)
	inst, err := r.confirm(ctx, ref, t, account)
	if err != nil {
		return kp.Instance{}, err
	}
	if want := r.searchRegion(Request{Region: region}); want != "" && want != inst.Region {
		data := map[string]any{"Name": output.SafeLine(inst.Name), "InstanceRegion": output.SafeLine(inst.Region), "Region": want}
		return kp.Instance{}, failure.Usagef("instances_use_other_region", data).WithRemedy("instances_use_other_region_remedy", data)
	}
	if !kp.IsRegion(inst.Region) {
		data := map[string]any{"Region": output.SafeLine(inst.Region), "Known": strings.Join(kp.Regions, ", ")}
		return kp.Instance{}, failure.New("kp_region_unknown", data).WithRemedy("instances_remedy", nil)
	}
	value := map[string]interface{}{"guid": inst.GUID, "name": inst.Name}
	return inst, r.writeSetting(settingsKey(account, inst.Region), value)
}

// Forget forgets the instance remembered for the token's account and the
// region (--region, else the one the CLI targets); found is false when
// none was.
func (r *Resolver) Forget(region string, t token.Token) (account, where string, found bool, err error) {
	account, where = r.account(t), r.searchRegion(Request{Region: region})
	if where == "" {
		return account, "", false, failure.New("kp_region_none", nil).WithRemedy("kp_region_none_remedy", nil)
	}
	key := settingsKey(account, where)
	v, err := r.readSetting(key)
	if err != nil || v == nil {
		return account, where, false, err
	}
	return account, where, true, r.writeSetting(key, nil)
}

// Account is the account a token works in, as Use and Forget key it.
func (r *Resolver) Account(t token.Token) string { return r.account(t) }

// confirm is the instance ref names, as the Resource Controller knows it:
// a Key Protect instance of the account, not deleted.
func (r *Resolver) confirm(ctx context.Context, ref Ref, t token.Token, account string) (kp.Instance, error) {
	private := r.Session != nil && r.Session.IsPrivateEndpointEnabled()
	url, err := kp.ResourceControllerURL(r.Getenv, private)
	if err != nil {
		return kp.Instance{}, err
	}
	f := &kp.Finder{URL: url, Token: t.AccessToken, Client: r.HTTPClient(r.Timeout), Timeout: r.Timeout}
	if ref.Name != "" {
		found, err := f.List(ref.Name, "")
		data := map[string]any{"Name": ref.Name, "Count": len(found)}
		switch {
		case err != nil:
			return kp.Instance{}, err
		case len(found) == 0:
			return kp.Instance{}, failure.New("instance_name_not_found", data).WithRemedy("instances_remedy", nil)
		case len(found) > 1:
			several := failure.New("instance_name_several", data).WithRemedy("instances_use_several_remedy", nil)
			several.Table = instanceTable(found)
			return kp.Instance{}, several
		}
		return found[0], nil
	}
	data := map[string]any{"Instance": ref.Instance.GUID, "Account": account}
	rec, found, err := f.Get(ctx, ref.Instance.GUID)
	switch {
	case err != nil:
		return kp.Instance{}, err
	case !found || rec.Gone() || rec.Account != account ||
		(ref.Instance.Region != "" && !strings.EqualFold(rec.Region, ref.Instance.Region)):
		return kp.Instance{}, failure.New("instances_use_not_found", data).WithRemedy("instances_remedy", nil)
	case !rec.IsKeyProtect():
		return kp.Instance{}, failure.New("instances_use_not_kp", data).WithRemedy("instances_remedy", nil)
	}
	return rec.Instance, nil
}
