// Command kp-token is an IBM Cloud CLI plug-in that prints IAM access
// tokens for Key Protect API calls.
package main

import (
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	"github.com/kp-token/kp-token/plugin/kptoken"
	// Its init runs before the libraries' and sets up the process for them.
	_ "github.com/kp-token/kp-token/plugin/startup"
)

func main() {
	defer kptoken.RecoverConfigPanic()
	plugin.Start(kptoken.New())
}
