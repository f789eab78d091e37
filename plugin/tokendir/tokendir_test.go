package tokendir

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/privatefs"
	"github.com/kp-token/kp-token/plugin/token"
)

const instance = "0d2a5b8e-1111-4c4c-9d9d-123456789abc"

// jwt is a token whose exp claim is exp, padded to size bytes or more so
// that a torn read of it shows.
func jwt(exp time.Time, size int) token.Token {
	enc := base64.RawURLEncoding
	pad := strings.Repeat("x", max(0, size))
	payload := enc.EncodeToString([]byte(fmt.Sprintf(`{"exp":%d,"pad":"%s"}`, exp.Unix(), pad)))
	return token.Token{AccessToken: "eyJhbGciOiJSUzI1NiJ9." + payload + ".c2ln", TokenType: "Bearer", Expiration: exp.Unix()}
}

func headersOf(t token.Token) string {
	return "Authorization: Bearer " + t.AccessToken + "\nbluemix-instance: " + instance + "\n"
}

func perm(t *testing.T, path string) fs.FileMode {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestCreateWriteRemove(t *testing.T) {
	base := filepath.Join(t.TempDir(), "plugins", "kp-token", "exec")
	now := time.Now()
	d, err := Create(base, now)
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt(now.Add(time.Hour), 10)
	if err := d.Write(tok, instance); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(d.TokenFile()); string(got) != "Bearer "+tok.AccessToken {
		t.Fatalf("token file %q", got)
	}
	if got, _ := os.ReadFile(d.HeadersFile()); string(got) != headersOf(tok) {
		t.Fatalf("headers file %q", got)
	}
	if filepath.Dir(d.Path) != base {
		t.Fatalf("%s is not in %s", d.Path, base)
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]fs.FileMode{base: 0o700, d.Path: 0o700, d.TokenFile(): 0o600, d.HeadersFile(): 0o600} {
			if got := perm(t, path); got != want {
				t.Errorf("%s: mode %v, want %v", path, got, want)
			}
		}
	}
	if err := d.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(d.Path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the directory stayed: %v", err)
	}
	if err := d.Remove(); err != nil {
		t.Fatalf("a second Remove: %v", err)
	}
	if err := d.Write(tok, instance); err == nil {
		t.Fatal("Write after Remove recreated the files")
	}
	if _, err := os.Lstat(d.Path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Write after Remove: %v", err)
	}
}

// TestReadersSeeWholeFiles hammers both files with readers while they are
// replaced by tokens of very different sizes: every read is one whole
// token that was written, never a mix or a part.
func TestReadersSeeWholeFiles(t *testing.T) {
	d, err := Create(filepath.Join(t.TempDir(), "exec"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Remove()
	var written sync.Map // "Bearer ..." -> its headers
	next := func(i int) token.Token {
		tok := jwt(time.Now().Add(time.Hour), (i%7)*20000)
		written.Store("Bearer "+tok.AccessToken, headersOf(tok))
		return tok
	}
	if err := d.Write(next(0), instance); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var reads atomic.Int64
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				b, err := os.ReadFile(d.TokenFile())
				if err != nil {
					errs <- err
					return
				}
				if _, ok := written.Load(string(b)); !ok {
					errs <- fmt.Errorf("token file: a read of %d bytes is no token that was written", len(b))
					return
				}
				h, err := os.ReadFile(d.HeadersFile())
				if err != nil {
					errs <- err
					return
				}
				found := false
				written.Range(func(_, v any) bool { found = v.(string) == string(h); return !found })
				if !found {
					errs <- fmt.Errorf("headers file: a read of %d bytes is no headers that were written", len(h))
					return
				}
				reads.Add(1)
			}
		}()
	}
	for i := 1; i <= 300; i++ {
		if err := d.Write(next(i), instance); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if reads.Load() == 0 {
		t.Fatal("no read happened during the renewals")
	}
}

func TestUnsafeBase(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	dir := t.TempDir()
	elsewhere := filepath.Join(dir, "elsewhere")
	if err := os.Mkdir(elsewhere, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "exec")
	if err := os.Symlink(elsewhere, link); err != nil {
		t.Fatal(err)
	}
	_, err := Create(link, time.Now())
	f, ok := failure.As(err)
	var unsafe *privatefs.UnsafeError
	if !ok || f.Cause != "exec_files_dir_failed" || !errors.As(err, &unsafe) {
		t.Fatalf("a symlinked folder was used: %v", err)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Fatalf("the link was followed: %v", entries)
	}

	loose := filepath.Join(dir, "loose")
	if err := os.Mkdir(loose, 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := Create(loose, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Remove()
	if got := perm(t, loose); got != 0o700 {
		t.Fatalf("a loose folder kept mode %v", got)
	}
}

// killed is a run's directory as kill -9 leaves it: its token written, its
// lock released by the kernel, nothing removed.
func killed(t *testing.T, base string, exp time.Time) string {
	t.Helper()
	// Made as Create makes it, without Create's own sweep.
	if err := openBase(base); err != nil {
		t.Fatal(err)
	}
	path, err := os.MkdirTemp(base, prefix+"*")
	if err != nil {
		t.Fatal(err)
	}
	l, err := privatefs.CreateLock(filepath.Join(path, lockName))
	if err != nil {
		t.Fatal(err)
	}
	d := &Dir{Path: path, lock: l}
	if err := d.Write(jwt(exp, 0), instance); err != nil {
		t.Fatal(err)
	}
	d.lock.Release()
	return d.Path
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func TestSweep(t *testing.T) {
	now := time.Now()
	base := filepath.Join(t.TempDir(), "exec")

	live, err := Create(base, now)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Remove()
	if err := live.Write(jwt(now.Add(-time.Hour), 0), instance); err != nil {
		t.Fatal(err)
	}
	expired := killed(t, base, now.Add(-time.Second))
	valid := killed(t, base, now.Add(time.Minute))

	// A run killed before it wrote its token, just now and long ago.
	newborn, err := os.MkdirTemp(base, prefix+"*")
	if err != nil {
		t.Fatal(err)
	}
	stillborn, err := os.MkdirTemp(base, prefix+"*")
	if err != nil {
		t.Fatal(err)
	}
	old := now.Add(-2 * newbornGrace)
	if err := os.Chtimes(stillborn, old, old); err != nil {
		t.Fatal(err)
	}
	// Not a run's: another name, a plain file.
	other := filepath.Join(base, "keep-me")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(base, prefix+"file")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	removed := Sweep(base, now)
	slices.Sort(removed)
	want := []string{expired, stillborn}
	slices.Sort(want)
	if !slices.Equal(removed, want) {
		t.Fatalf("removed %v, want %v", removed, want)
	}
	for _, p := range []string{live.Path, valid, newborn, other, plain} {
		if !exists(p) {
			t.Errorf("%s was removed", p)
		}
	}
	for _, p := range want {
		if exists(p) {
			t.Errorf("%s stayed", p)
		}
	}
	// Once its token has expired, the killed run's directory goes too; the
	// live run's never does.
	removed = Sweep(base, now.Add(2*time.Minute))
	slices.Sort(removed)
	want = []string{valid, newborn}
	slices.Sort(want)
	if !slices.Equal(removed, want) {
		t.Fatalf("later: removed %v, want %v", removed, want)
	}
	if !exists(live.Path) {
		t.Fatal("a live run's directory was removed")
	}
}

func TestSweepFollowsNoSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	now := time.Now()
	dir := t.TempDir()
	base := filepath.Join(dir, "exec")
	// Someone else's directory, expired token and all, reached through a
	// link named like a run.
	victim := filepath.Join(dir, "victim")
	victimRun := killed(t, filepath.Join(dir, "victims"), now.Add(-time.Hour))
	if err := os.Rename(victimRun, victim); err != nil {
		t.Fatal(err)
	}
	if err := openBase(base); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(base, prefix+"link")); err != nil {
		t.Fatal(err)
	}
	// A run's directory whose token file is a link to an expired token
	// elsewhere: the link is not read, and not followed when removed.
	linked := killed(t, base, now.Add(time.Hour))
	outside := filepath.Join(dir, "outside-token")
	if err := os.WriteFile(outside, []byte("Bearer "+jwt(now.Add(-time.Hour), 0).AccessToken), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(linked, TokenName)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(linked, TokenName)); err != nil {
		t.Fatal(err)
	}

	if removed := Sweep(base, now); len(removed) != 0 {
		t.Fatalf("removed %v", removed)
	}
	if !exists(filepath.Join(victim, TokenName)) || !exists(outside) {
		t.Fatal("a link was followed")
	}
	// A token file that cannot be read counts as none: the directory goes
	// once it is old, and the link with it, not its target.
	old := now.Add(-2 * newbornGrace)
	if err := os.Chtimes(linked, old, old); err != nil {
		t.Fatal(err)
	}
	if removed := Sweep(base, now); !slices.Equal(removed, []string{linked}) {
		t.Fatalf("removed %v", removed)
	}
	if !exists(outside) || !exists(filepath.Join(victim, TokenName)) {
		t.Fatal("a link's target was removed")
	}
}

// TestCreateSweeps: a new run removes what killed runs left.
func TestCreateSweeps(t *testing.T) {
	now := time.Now()
	base := filepath.Join(t.TempDir(), "exec")
	left := killed(t, base, now.Add(-time.Second))
	d, err := Create(base, now)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Remove()
	if exists(left) {
		t.Fatal("the leftover of a killed run stayed")
	}
}
