package main

import (
	"fmt"
	"os/exec"
	"strconv"
	"time"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

// headerFileRequests is how many Key Protect requests each loop makes.
const headerFileRequests = 1000

// headerFileLoops is a long job's two ways of calling Key Protect: curl
// reading the headers from KP_HEADERS_FILE inside one 'exec', and the same
// loop asking 'get --output header' before each request.
type headerFileLoops struct {
	inExec, withGet           time.Duration
	inExecIAM, withGetIAM, kp int
}

// benchHeaderFile runs both loops, one after the other, against a local
// Key Protect, with the token already cached (a running job's case).
func benchHeaderFile(bin, curl string, env []string, iam *iamtest.Server, keyFile string) headerFileLoops {
	kp := iamtest.NewKeyProtect(iam)
	defer kp.Close()
	kp.AddInstance(benchInstance, 3)
	kp.Allow(benchInstance, iamtest.ServiceID.IAMID)
	n := strconv.Itoa(headerFileRequests)
	loop := func(request string) string {
		return `i=0; while [ $i -lt ` + n + ` ]; do ` + request + ` || exit 1; i=$((i+1)); done`
	}
	curlKP := `"$CURL" -s -f -o /dev/null`

	inExec := exec.Command(bin, "exec", "--apikey", "@"+keyFile, "--instance-id", benchInstance, "--kp-endpoint", kp.URL, "--",
		"sh", "-c", loop(curlKP+` -H @"$KP_HEADERS_FILE" "$KP_ENDPOINT/api/v2/keys"`))
	inExec.Env = append(env, "CURL="+curl)
	withGet := exec.Command("sh", "-c", loop(`"$KP_TOKEN" get --apikey @"$KEY" --instance-id `+benchInstance+` --output header | `+
		curlKP+` -H @- "$KP_URL/api/v2/keys"`))
	withGet.Env = append(env, "CURL="+curl, "KP_TOKEN="+bin, "KEY="+keyFile, "KP_URL="+kp.URL)

	var r headerFileLoops
	before := iam.Count()
	r.inExec = timed(inExec)
	r.inExecIAM = iam.Count() - before
	before = iam.Count()
	r.withGet = timed(withGet)
	r.withGetIAM = iam.Count() - before
	r.kp = len(kp.Requests())
	if r.kp != 2*headerFileRequests {
		check(fmt.Errorf("Key Protect saw %d requests, want %d", r.kp, 2*headerFileRequests))
	}
	return r
}

// table is the loops' rows, the difference the README shows.
func (r headerFileLoops) table() string {
	per := func(d time.Duration) string { return ms(d / headerFileRequests) }
	sec := func(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
	n := strconv.Itoa(headerFileRequests)
	if len(n) > 3 {
		n = n[:len(n)-3] + "," + n[len(n)-3:]
	}
	return "\n| a job of " + n + " Key Protect requests (curl) | total | per request | IAM requests |\n| --- | --- | --- | --- |\n" +
		fmt.Sprintf("| `curl -H @\"$KP_HEADERS_FILE\"` inside one `exec` | %s | %s | %d |\n", sec(r.inExec), per(r.inExec), r.inExecIAM) +
		fmt.Sprintf("| `get --output header \\| curl -H @-` for each request | %s | %s | %d |\n", sec(r.withGet), per(r.withGet), r.withGetIAM) +
		fmt.Sprintf("| `get` each time vs one `exec` | %.2fx | | |\n", float64(r.withGet)/float64(r.inExec))
}
