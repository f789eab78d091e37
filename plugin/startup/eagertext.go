//go:build !lazytext

package startup

const lazyText = false
