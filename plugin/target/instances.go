package target

import (
	"context"
	"sort"
	"strings"

	"github.com/kp-token/kp-token/plugin/kp"
	"github.com/kp-token/kp-token/plugin/output"
	"github.com/kp-token/kp-token/plugin/token"
)

// Listed is an instance of the account as 'instances' shows it.
type Listed struct {
	kp.Instance
	// GroupName is the resource group's name, "" when it could not be read.
	GroupName string
	// Default marks the instance commands use when none is named.
	Default bool
}

// Listing is every Key Protect instance of the account, sorted by name,
// with the one commands use in the targeted region and resource group
// marked.
type Listing struct {
	Instances []Listed
	// More is true when the account holds more than were listed.
	More bool
	// Legend says which instance is marked and why, as a message ID and
	// its data ("" when there is nothing to say).
	Legend     string
	LegendData map[string]any
	// Problem is why no instance could be marked although commands would
	// look for one: a remembered value or KP_INSTANCE_ID that they refuse.
	Problem error
}

// Instances lists every Key Protect instance of the account of t, in
// every region and resource group, with their resource groups' names
// (each group asked for once; a name that cannot be read is told through
// Notify and left empty) and the one commands would use marked.
func (r *Resolver) Instances(ctx context.Context, t token.Token) (Listing, error) {
	private := r.Session != nil && r.Session.IsPrivateEndpointEnabled()
	url, err := kp.ResourceControllerURL(r.Getenv, private)
	if err != nil {
		return Listing{}, err
	}
	f := &kp.Finder{URL: url, Token: t.AccessToken, Client: r.HTTPClient(r.Timeout), Timeout: r.Timeout}
	all, more, err := f.All()
	if err != nil {
		return Listing{}, err
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if x, y := strings.ToLower(a.Name), strings.ToLower(b.Name); x != y {
			return x < y
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.GUID < b.GUID
	})
	names := r.groupNames(ctx, url, t, all)
	l := Listing{More: more, Instances: make([]Listed, len(all))}
	for i, inst := range all {
		l.Instances[i] = Listed{Instance: inst, GroupName: names[inst.ResourceGroup]}
	}
	r.mark(&l, t)
	return l, nil
}

// groupNames asks the Resource Manager, on the Resource Controller's host,
// for the name of each resource group the instances are in, once per
// group. A group it refuses is told and left out; once it does not answer
// at all, the remaining groups are not asked (each would wait as long).
func (r *Resolver) groupNames(ctx context.Context, url string, t token.Token, list []kp.Instance) map[string]string {
	g := &kp.Groups{URL: url, Token: t.AccessToken, Client: r.HTTPClient(r.Timeout), Timeout: r.Timeout}
	names := map[string]string{}
	asked := map[string]bool{}
	for _, inst := range list {
		id := inst.ResourceGroup
		if id == "" || asked[id] {
			continue
		}
		asked[id] = true
		name, status, err := g.Name(ctx, id)
		switch {
		case err == nil:
			names[id] = name
		case status == 0:
			r.Notify.Notice("instances_groups_unreachable", map[string]any{"URL": url})
			return names
		default:
			r.Notify.Notice("instances_group_unread", map[string]any{"ID": output.SafeLine(id), "Status": status})
		}
	}
	return names
}

// mark marks the instance commands would use with no instance named, in
// the targeted region and resource group: KP_INSTANCE_ID's, else the one
// remembered for the account and region, else the only one there.
func (r *Resolver) mark(l *Listing, t token.Token) {
	// set marks guid, or, when the account has no such instance, says
	// so with absent.
	set := func(guid, legend, absent string, data map[string]any) {
		l.Legend, l.LegendData = absent, data
		for i := range l.Instances {
			if l.Instances[i].GUID == guid {
				l.Instances[i].Default = true
				l.Legend = legend
			}
		}
	}
	ref, err := r.Parse(Request{})
	switch {
	case err != nil:
		l.Problem = err
		return
	case ref.Given():
		set(ref.Instance.GUID, "instances_mark_env", "instances_mark_env_absent", map[string]any{"ID": ref.Instance.GUID})
		return
	}
	region := r.searchRegion(Request{})
	if region == "" || len(l.Instances) == 0 {
		return
	}
	inst, ok, err := r.remembered(r.account(t), region)
	switch {
	case err != nil:
		l.Problem = err
		return
	case ok:
		set(inst.GUID, "instances_mark_remembered", "instances_mark_remembered_absent", map[string]any{"ID": inst.GUID, "Region": region})
		return
	}
	group, groupName := "", ""
	if r.Session != nil {
		group, groupName = r.Session.CurrentResourceGroup().GUID, r.Session.CurrentResourceGroup().Name
	}
	var found []kp.Instance
	for _, i := range l.Instances {
		if i.Region == region && (group == "" || i.ResourceGroup == group) {
			found = append(found, i.Instance)
		}
	}
	data := map[string]any{"Region": region, "Group": output.SafeLine(groupName), "Count": len(found)}
	switch {
	case len(found) == 1 && group != "":
		set(found[0].GUID, "instances_mark_only_group", "", data)
	case len(found) == 1:
		set(found[0].GUID, "instances_mark_only", "", data)
	case len(found) > 1:
		l.Legend, l.LegendData = "instances_mark_none", data
	}
}
