// Package startup sets, before any other package of kp-token or its
// libraries initializes, what a short-lived command-line process needs
// from the Go runtime: one processor, and on Linux the heap's first pages
// and the executable's code mapped in one call each rather than one fault
// at a time. main imports it for its init alone.
//
// It must import nothing but the runtime, syscall and unsafe. Go
// initializes, at each step, the first package in import-path order whose
// imports are all initialized: with no other imports this one is ready,
// and runs, before go-sdk-core's and the SDK's dependencies build their
// tables (go-playground/validator, go-openapi/strfmt, the SDK's catalogs,
// gojq), which is most of a run's heap. TestStartupInitializesFirst
// (package kptoken) holds the order on the real binary.
//
// `make bench` shows what the settings pay: its "speed setting" rows time
// a cached `get -q` against the same sources built with -tags
// untunedstart, which leaves them all out, and the IAM exchange against
// those built with -tags lazytext, which leaves out the code's mapping.
package startup

import (
	"runtime"
	"syscall"
)

func init() {
	if !tuned {
		return
	}
	oneProcessor()
	prefaultHeap()
	mapText()
}

// oneProcessor runs the process on one P unless GOMAXPROCS says otherwise.
// A run does one thing at a time: its goroutines (the signal relay, the
// HTTP client's, the SDK's) mostly hand work to each other, and with a
// second P each hand-off wakes a thread on another CPU to pick it up.
// Processes the plug-in starts (exec's command) get the environment as it
// was, not this setting.
func oneProcessor() {
	if v, ok := syscall.Getenv("GOMAXPROCS"); ok && v != "" {
		return
	}
	runtime.GOMAXPROCS(1)
}
