package cmd

import (
	"strings"
	"time"

	"github.com/kp-token/kp-token/plugin/output"
)

// ParseGet reads the arguments of 'get' without building the command
// tree, for the forms a script repeats in a loop: 'get' followed by long
// flags ('--name value' or '--name=value'), -q, and the switches --quiet,
// --no-cache and --vpc. Building Cobra's commands and flags was a quarter
// of a cached get's own start-up work (perf), and the plug-in is meant to
// start as fast as a plug-in can.
//
// Anything else returns false and goes to Cobra: help, a positional
// argument, '--', --file and --cr-token (checked when set), a switch with
// a value (--quiet=true), shorthand groups, a flag without its value, a
// duration Go cannot read, an unknown flag. Cobra's messages for those stay
// exactly as they were. TestParseGetAsCobra and FuzzParseGet hold every
// accepted command line to what Cobra would have filled in.
func ParseGet(args []string) (*GetOptions, bool) {
	if len(args) == 0 || args[0] != "get" {
		return nil, false
	}
	o := &GetOptions{}
	o.MinValidity, o.CacheWait = DefaultMinValidity, DefaultCacheWait
	o.formats = output.TokenFormats
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "-q" {
			o.Quiet = true
			continue
		}
		if !strings.HasPrefix(a, "--") {
			return nil, false
		}
		name, value, hasValue := strings.Cut(a[2:], "=")
		if sw := o.switchFlag(name); sw != nil {
			if hasValue {
				return nil, false
			}
			*sw = true
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return nil, false
			}
			i++
			value = args[i]
		}
		if !o.setValue(name, value) {
			return nil, false
		}
	}
	return o, true
}

func (o *GetOptions) switchFlag(name string) *bool {
	switch name {
	case "quiet":
		return &o.Quiet
	case "no-cache":
		return &o.NoCache
	case "vpc":
		return &o.VPC
	}
	return nil
}

func (o *GetOptions) setValue(name, value string) bool {
	var dst *string
	switch name {
	case "apikey":
		dst, o.APIKeySet = &o.APIKey, true
	case "output":
		dst = &o.Output
	case "shell":
		dst = &o.Shell
	case "profile":
		dst = &o.Profile
	case "account":
		dst = &o.Account
	case "instance":
		dst = &o.Instance
	case "instance-id":
		dst = &o.InstanceID
	case "region":
		dst = &o.Region
	case "kp-endpoint":
		dst = &o.Endpoint
	case "min-validity", "cache-wait":
		v, err := time.ParseDuration(value)
		if err != nil {
			return false
		}
		if name == "min-validity" {
			o.MinValidity = v
		} else {
			o.CacheWait = v
		}
		return true
	default:
		return false
	}
	*dst = value
	return true
}

// RunParsedGet runs 'get' on what ParseGet read, as Cobra would have run
// it: the root's check of the environment first.
func RunParsedGet(d *Deps, opts *GetOptions) error {
	if err := d.checkTimeout(); err != nil {
		return err
	}
	return RunGet(d, opts)
}
