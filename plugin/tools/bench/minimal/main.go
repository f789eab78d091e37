// Command minimal is the yardstick for kp-token's start-up cost: a plug-in
// on the same two libraries (the SDK's plugin.Start, go-sdk-core linked in)
// whose Run reads the session's IAM endpoint and prints a constant through
// the SDK's terminal UI, as the plug-in guide has plug-ins print. make bench
// times a cached 'kp-token get -q' against it.
package main

import (
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/terminal"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"
	"github.com/IBM/go-sdk-core/v5/core"
)

type minimal struct{}

func (minimal) GetMetadata() plugin.PluginMetadata {
	return plugin.PluginMetadata{Name: "kp-token"}
}

func (minimal) Run(ctx plugin.PluginContext, _ []string) {
	_ = ctx.IAMEndpoint()
	terminal.NewStdUI().Print("Bearer constant")
}

// linked keeps go-sdk-core in the binary, as it is in kp-token's.
var linked = core.NewIamAuthenticatorBuilder

func main() {
	_ = linked
	plugin.Start(minimal{})
}
