package kptoken

import (
	"strconv"
	"strings"

	sdk "github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"
	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/plugin/cmdutil"
)

// Metadata builds the SDK metadata from root, a tree built for help, so
// that help, metadata and behaviour cannot drift apart.
func Metadata(root *cobra.Command, version string) sdk.PluginMetadata {
	md := sdk.PluginMetadata{
		Name:                     Name,
		Version:                  parseVersion(version),
		MinCliVersion:            sdk.VersionType{Major: 2, Minor: 0, Build: 0},
		PrivateEndpointSupported: true,
		IsCobraPlugin:            true,
		Namespaces:               []sdk.Namespace{{Name: cmdutil.Namespace, Description: root.Short}},
	}
	for _, c := range root.Commands() {
		if c.Hidden {
			continue
		}
		md.Commands = append(md.Commands, sdk.Command{
			Namespace:   cmdutil.Namespace,
			Name:        c.Name(),
			Aliases:     c.Aliases,
			Description: c.Short,
			Usage:       cmdutil.UsageLine(c),
			Flags:       sdk.ConvertCobraFlagsToPluginFlags(c),
		})
	}
	return md
}

func parseVersion(v string) sdk.VersionType {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	parts := strings.SplitN(v, ".", 3)
	nums := [3]int{}
	for i := range parts {
		nums[i], _ = strconv.Atoi(parts[i])
	}
	return sdk.VersionType{Major: nums[0], Minor: nums[1], Build: nums[2]}
}
