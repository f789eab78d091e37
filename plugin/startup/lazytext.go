//go:build lazytext

package startup

// lazyText is true in the build `make bench` compares the text mapping
// with (text_linux.go).
const lazyText = true
