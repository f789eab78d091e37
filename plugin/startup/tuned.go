//go:build !untunedstart

package startup

const tuned = true
