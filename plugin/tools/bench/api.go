package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// benchInstance is the Key Protect instance of the rows that call Key
// Protect (api, the header file).
const benchInstance = "0d2a5b8e-1111-4c4c-9d9d-123456789abc"

// apiVsCurl times 'kp-token api /api/v2/keys' with a cached token against
// curl making the same request with the token already in hand (the two
// headers in a file, as 'get --output header' writes them), on a local
// Key Protect-compatible server, interleaved. Both write the answer to
// /dev/null; kp-token's extra is its start-up, the cache read and the
// target's resolution.
func apiVsCurl(runs int, iam *iamtest.Server, home string, kpBins []string, keyFile string, env []string, curl string) (api, curlTimes []time.Duration) {
	kp := iamtest.NewKeyProtect(iam)
	defer kp.Close()
	kp.AddInstance(benchInstance, 20)
	kp.Allow(benchInstance, iamtest.ServiceID.IAMID)
	target := []string{"--apikey", "@" + keyFile, "--instance-id", benchInstance, "--kp-endpoint", kp.URL}
	apiCmd := func(i int) *exec.Cmd {
		c := exec.Command(kpBins[i%len(kpBins)], append([]string{"api", "/api/v2/keys"}, target...)...)
		c.Env = env
		return c
	}
	headers := filepath.Join(home, "headers")
	get := exec.Command(kpBins[0], append([]string{"get", "--output", "header"}, target...)...)
	get.Env = env
	out, err := get.Output()
	check(err)
	check(os.WriteFile(headers, out, 0o600))
	curlCmd := func(int) *exec.Cmd {
		return exec.Command(curl, "-s", "-f", "-o", os.DevNull, "-H", "@"+headers, kp.URL+"/api/v2/keys")
	}
	for i := range len(kpBins) {
		mustRun(apiCmd(i)) // the cache is warm, and so is each copy
	}
	mustRun(curlCmd(0))
	if n := len(kp.Requests()); n != len(kpBins)+1 {
		check(fmt.Errorf("api warm-up: Key Protect saw %d requests", n))
	}
	return interleave(runs, apiCmd, curlCmd)
}
