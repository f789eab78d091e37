package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/kp-token/kp-token/plugin/cache"
)

// exchangeVsCurl times what an IAM exchange adds to a run, for kp-token
// and for curl, in one interleaved loop of four commands per round:
//
//   - a cold 'get -q', its cache entry removed before it starts (the lock,
//     the API key exchange, the token's checks, the cache write), and a
//     cached 'get -q' (the same run answered from the entry);
//   - the page's curl exchange (curl), and the same curl reading a local
//     empty file instead (curlNothing: its start-up, no exchange).
//
// Each round yields what the exchange added to each: cold minus cached,
// curl minus curlNothing. Both exchanges meet the same server doing the
// same work (an API key grant).
//
// A command run right after itself starts faster than one run after the
// other program (its pages are warm), by as much as the exchange costs
// curl: an order where one side of a pair always follows itself would
// measure that instead. So every round runs kp-token's pair, then curl's,
// and each pair's order alternates (kp-token's every round, curl's every
// other round): each command follows the other program in half the rounds
// and its own in the other half.
func exchangeVsCurl(runs int, home string, kpBins []string, get func(path string, extra ...string) *exec.Cmd,
	iamURL, key, curlPath string, curl func(int) *exec.Cmd) (kp, curlAdds []time.Duration) {
	entry := filepath.Join(home, "plugins", "kp-token", "cache", cache.Key{Endpoint: iamURL, APIKey: key}.ID()+".json")
	if _, err := os.Stat(entry); err != nil {
		check(fmt.Errorf("exchange row: no cache entry where it should be: %v", err))
	}
	cold := func(i int) *exec.Cmd {
		check(os.Remove(entry))
		return get(kpBins[i%len(kpBins)])
	}
	cached := func(i int) *exec.Cmd { return get(kpBins[i%len(kpBins)]) }
	curlNothing := func(int) *exec.Cmd { return exec.Command(curlPath, "-s", "-f", "-o", os.DevNull, "file://"+os.DevNull) }
	cmds := []func(int) *exec.Cmd{cold, cached, curl, curlNothing}
	for i := range runs {
		order := []int{0, 1, 2, 3}
		if i%2 == 1 {
			order[0], order[1] = 1, 0
		}
		if i/2%2 == 1 {
			order[2], order[3] = 3, 2
		}
		var t [4]time.Duration
		for _, j := range order {
			t[j] = timed(cmds[j](i))
		}
		kp = append(kp, t[0]-t[1])
		curlAdds = append(curlAdds, t[2]-t[3])
	}
	return kp, curlAdds
}
