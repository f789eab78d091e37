package tokendir

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/token"
)

// clock is a fake clock whose timers fire at once, moving the clock to
// their end: a run of the keeper takes no time, however long the tokens.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

type note struct {
	kind, id string
	data     map[string]any
}

type notes struct {
	mu   sync.Mutex
	list []note
}

func (n *notes) Notice(id string, data map[string]any) { n.add("notice", id, data) }
func (n *notes) Warn(id string, data map[string]any)   { n.add("warn", id, data) }
func (n *notes) add(kind, id string, data map[string]any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, note{kind, id, data})
}

func (n *notes) ids() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var ids []string
	for _, x := range n.list {
		ids = append(ids, x.kind+" "+x.id)
	}
	return ids
}

// keeper is a Keeper on a fresh Dir and a fake clock at start; renew
// answers the renewals.
func keeper(t *testing.T, start time.Time, minValidity time.Duration, renew func(ctx context.Context, now time.Time) (token.Token, error)) (*Keeper, *clock, *notes) {
	t.Helper()
	d, err := Create(filepath.Join(t.TempDir(), "exec"), start)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Remove() })
	c := &clock{now: start}
	n := &notes{}
	k := &Keeper{Dir: d, InstanceID: instance, MinValidity: minValidity, Now: c.Now, After: c.After, Notify: n,
		Renew: func(ctx context.Context) (token.Token, error) { return renew(ctx, c.Now()) }}
	return k, c, n
}

func fileToken(t *testing.T, d *Dir) string {
	t.Helper()
	b, err := os.ReadFile(d.TokenFile())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestKeeperRenewsBeforeMinValidity: ten hours of one-hour tokens, each
// renewed when it comes within --min-validity of its expiry, not before
// and not after, and written to the files.
func TestKeeperRenewsBeforeMinValidity(t *testing.T) {
	start := time.Unix(1_900_000_000, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var at []time.Time
	var k *Keeper
	k, c, n := keeper(t, start, 5*time.Minute, func(_ context.Context, now time.Time) (token.Token, error) {
		if len(at) > 0 && fileToken(t, k.Dir) != "Bearer "+jwt(at[len(at)-1].Add(time.Hour), 0).AccessToken {
			t.Errorf("renewal %d: the files do not hold the last token", len(at))
		}
		at = append(at, now)
		if len(at) == 10 {
			cancel()
		}
		return jwt(now.Add(time.Hour), 0), nil
	})
	first := jwt(start.Add(time.Hour), 0)
	if err := k.Dir.Write(first, instance); err != nil {
		t.Fatal(err)
	}
	k.Run(ctx, first)
	for i, got := range at {
		// Each token lives an hour from its renewal; the next renewal
		// comes 55 minutes later.
		if want := start.Add(time.Duration(i+1) * 55 * time.Minute); !got.Equal(want) {
			t.Fatalf("renewal %d at %v, want %v", i, got.Sub(start), want.Sub(start))
		}
	}
	if len(at) != 10 || len(n.ids()) != 0 {
		t.Fatalf("%d renewals, notes %v", len(at), n.ids())
	}
	// The keeper looks at the wall clock at least once a minute: a machine
	// that slept through a renewal renews when it wakes.
	for _, d := range c.sleeps {
		if d > time.Minute {
			t.Fatalf("slept %v at once", d)
		}
	}
}

// TestKeeperRetriesUntilExpiry: renewals that keep failing are said and
// tried again with backoff (1s, 2s, 4s ... at most a minute apart), the
// last at the moment the token expires; then the keeper says it stopped,
// and returns without touching the files.
func TestKeeperRetriesUntilExpiry(t *testing.T) {
	start := time.Unix(1_900_000_000, 0)
	var at []time.Duration
	outage := failure.New("iam_unavailable", nil).WithKind(failure.KindUnavailable)
	k, _, n := keeper(t, start, 5*time.Minute, func(_ context.Context, now time.Time) (token.Token, error) {
		at = append(at, now.Sub(start))
		return token.Token{}, outage
	})
	first := jwt(start.Add(5*time.Minute), 0)
	if err := k.Dir.Write(first, instance); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		k.Run(context.Background(), first)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the keeper did not stop once the token had expired")
	}
	s := time.Second
	want := []time.Duration{0, 1 * s, 3 * s, 7 * s, 15 * s, 31 * s, 63 * s, 123 * s, 183 * s, 243 * s, 300 * s}
	if !slices.Equal(at, want) {
		t.Fatalf("attempts at %v, want %v", at, want)
	}
	ids := n.ids()
	if len(ids) != len(want) || ids[len(ids)-1] != "warn exec_renew_stopped" || slices.Index(ids, "warn exec_renew_stopped") != len(ids)-1 {
		t.Fatalf("notes %v", ids)
	}
	for i, x := range n.list[:len(n.list)-1] {
		if x.id != "exec_renew_failed" || x.data["Cause"] != error(outage) {
			t.Fatalf("note %d: %+v", i, x)
		}
	}
	// What the warnings say: the next attempt and what is left.
	if w := n.list[1].data; w["Retry"] != failure.Duration(2*s) || w["Left"] != failure.Duration(299*s) {
		t.Fatalf("second warning: %v", w)
	}
	if got := fileToken(t, k.Dir); got != "Bearer "+first.AccessToken {
		t.Fatalf("the files changed: %q", got)
	}
}

// TestKeeperRecovers: after failures, a renewal that works is said, and
// the next renewal is due from the new token.
func TestKeeperRecovers(t *testing.T) {
	start := time.Unix(1_900_000_000, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var at []time.Duration
	k, _, n := keeper(t, start, 5*time.Minute, func(_ context.Context, now time.Time) (token.Token, error) {
		at = append(at, now.Sub(start))
		switch len(at) {
		case 1, 2:
			return token.Token{}, errors.New("no route to host")
		case 4:
			cancel()
		}
		return jwt(now.Add(time.Hour), 0), nil
	})
	first := jwt(start.Add(time.Hour), 0)
	k.Run(ctx, first)
	m := time.Minute
	want := []time.Duration{55 * m, 55*m + 1*time.Second, 55*m + 3*time.Second, 110*m + 3*time.Second}
	if !slices.Equal(at, want) {
		t.Fatalf("attempts at %v, want %v", at, want)
	}
	if ids := n.ids(); !slices.Equal(ids, []string{"warn exec_renew_failed", "warn exec_renew_failed", "notice exec_renewed"}) {
		t.Fatalf("notes %v", ids)
	}
	if got, want := fileToken(t, k.Dir), "Bearer "+jwt(start.Add(55*m+3*time.Second+time.Hour), 0).AccessToken; got != want {
		t.Fatal("the files do not hold the renewed token")
	}
}

// TestKeeperStopsWithItsContext: the command ended; the keeper returns at
// once, during a wait as during a retry.
func TestKeeperStopsWithItsContext(t *testing.T) {
	start := time.Now()
	d, err := Create(filepath.Join(t.TempDir(), "exec"), start)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Remove()
	calls := 0
	k := &Keeper{Dir: d, InstanceID: instance, MinValidity: time.Minute, Now: time.Now, After: time.After, Notify: &notes{},
		Renew: func(context.Context) (token.Token, error) { calls++; return token.Token{}, errors.New("down") }}
	for _, tok := range []token.Token{jwt(start.Add(time.Hour), 0), jwt(start.Add(30*time.Second), 0)} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			k.Run(ctx, tok)
		}()
		time.Sleep(50 * time.Millisecond)
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the keeper outlived its context")
		}
	}
	if calls != 1 {
		t.Fatalf("%d renewals, want the one of the token already due", calls)
	}
}
