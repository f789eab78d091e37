//go:build tunedminimal

package main

// Built with -tags tunedminimal, the minimal plug-in carries kp-token's
// start-up settings: against it, the start-up row reads what kp-token's
// own work costs, the settings' gain set aside.
import _ "github.com/kp-token/kp-token/plugin/startup"
