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
// A command run right after another program starts slower than one run
// after itself (its pages are cold), by as much as the exchange costs
// curl, and a pair where one side paid that in some rounds and the other
// side in the others has no stable median. So each pair runs warm, as a
// script's calls do: an untimed run of the same program (a cached 'get
// -q', curlNothing) goes first, then the pair, in an order that
// alternates (kp-token's every round, curl's every other round).
func exchangeVsCurl(runs int, home string, kpBins []string, get func(path string, extra ...string) *exec.Cmd,
	iamURL, key, curlPath string, curl func(int) *exec.Cmd) (kp, curlAdds []time.Duration) {
	cold, cached := coldCached(home, iamURL, key, kpBins, get)
	curlNothing := func(int) *exec.Cmd { return exec.Command(curlPath, "-s", "-f", "-o", os.DevNull, "file://"+os.DevNull) }
	for i := range runs {
		kp = append(kp, warmPair(i, cold, cached, i%2 == 1))
		curlAdds = append(curlAdds, warmPair(i, curl, curlNothing, i/2%2 == 1))
	}
	return kp, curlAdds
}

// coldCached is a 'get -q' of bins[i%len(bins)] whose cache entry is
// removed before it starts, and the same answered from the entry.
func coldCached(home, iamURL, key string, bins []string, get func(path string, extra ...string) *exec.Cmd) (cold, cached func(int) *exec.Cmd) {
	entry := filepath.Join(home, "plugins", "kp-token", "cache", cache.Key{Endpoint: iamURL, APIKey: key}.ID()+".json")
	if _, err := os.Stat(entry); err != nil {
		check(fmt.Errorf("exchange row: no cache entry where it should be: %v", err))
	}
	cold = func(i int) *exec.Cmd {
		check(os.Remove(entry))
		return get(bins[i%len(bins)])
	}
	cached = func(i int) *exec.Cmd { return get(bins[i%len(bins)]) }
	return cold, cached
}

// warmPair times a(i) minus b(i), after an untimed b(i), b first when swap.
func warmPair(i int, a, b func(int) *exec.Cmd, swap bool) time.Duration {
	mustRun(b(i)) // warm
	if swap {
		tb := timed(b(i))
		return timed(a(i)) - tb
	}
	ta := timed(a(i))
	return ta - timed(b(i))
}
