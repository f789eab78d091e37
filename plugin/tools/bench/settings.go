package main

import (
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// settingsRows measures what each of kp-token's speed settings pays,
// against the same sources built without it (a build tag each), side by
// side in one loop: a setting that stops paying shows here, and goes.
//
//   - plugin/startup (one P, the heap and the code mapped at start), off
//     with -tags untunedstart: a cached 'get -q';
//   - the settings for the exchange: plugin/startup's code mapping, off
//     with -tags lazytext (a cold run runs code a cached one does not:
//     the HTTP client's, the cache write's); httpclient's oneShot (a token
//     exchange on a connection of its own), off with -tags pooledtoken;
//     the cache entry written without reflection, off with -tags
//     reflectentry: what the IAM exchange adds to a run, as the exchange
//     row measures it.
func settingsRows(runs int, home, iamURL, key string, kpBins []string, get func(path string, extra ...string) *exec.Cmd) (string, bool) {
	untuned := buildCopies(home, ".", "untunedstart", "kp-token-untuned")
	lazy := buildCopies(home, ".", "lazytext", "kp-token-lazytext")
	pooled := buildCopies(home, ".", "pooledtoken", "kp-token-pooled")
	reflected := buildCopies(home, ".", "reflectentry", "kp-token-reflectentry")
	for i := range copies {
		for _, bins := range [][]string{untuned, lazy, pooled, reflected} {
			mustRun(get(bins[i]))
		}
	}
	tuned, without := interleave(runs, func(i int) *exec.Cmd { return get(kpBins[i%copies]) },
		func(i int) *exec.Cmd { return get(untuned[i%copies]) })

	cold, cached := coldCached(home, iamURL, key, kpBins, get)
	poolCold, poolCached := coldCached(home, iamURL, key, pooled, get)
	reflCold, reflCached := coldCached(home, iamURL, key, reflected, get)
	lazyCold, lazyCached := coldCached(home, iamURL, key, lazy, get)
	var own, pool, own2, refl, own3, unmapped []time.Duration
	for i := range differenceRounds * runs {
		own = append(own, warmPair(i, cold, cached, i%2 == 1))
		pool = append(pool, warmPair(i, poolCold, poolCached, i%2 == 0))
		own2 = append(own2, warmPair(i, cold, cached, i%2 == 0))
		refl = append(refl, warmPair(i, reflCold, reflCached, i%2 == 1))
		own3 = append(own3, warmPair(i, cold, cached, i%2 == 1))
		unmapped = append(unmapped, warmPair(i, lazyCold, lazyCached, i%2 == 0))
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\n| speed setting | kp-token median | built without it | ratio (medians) | pays |\n| --- | --- | --- | --- | --- |\n")
	ok := true
	row := func(name string, with, without []time.Duration) {
		ratio := float64(median(with)) / float64(median(without))
		ok = ok && ratio < 1
		fmt.Fprintf(&b, "| %s | %s | %s | %.2fx | %s |\n", name, ms(median(with)), ms(median(without)), ratio, yes(ratio < 1))
	}
	row("start-up settings (`plugin/startup`; without: `-tags untunedstart`): `get -q` from the cache", tuned, without)
	row("the code mapped at start (`plugin/startup`; without: `-tags lazytext`): the IAM exchange", own3, unmapped)
	row("a connection per token exchange (`httpclient` oneShot; without: `-tags pooledtoken`): the IAM exchange", own, pool)
	row("the cache entry written without reflection (`cache`; without: `-tags reflectentry`): the IAM exchange", own2, refl)
	return b.String(), ok
}
