//go:build untunedstart

package startup

// tuned is false in the build `make bench` compares kp-token with.
const tuned = false
