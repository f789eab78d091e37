//go:build !unix

package token

// crTokenFile gives go-sdk-core's ContainerAuthenticator, which reads the
// compute resource token only from a path, a guarded temporary copy:
// Windows has no /dev/fd for a pipe to stand in.
func crTokenFile(tok string) (name string, done func(), err error) {
	return crTokenTemp(tok)
}
