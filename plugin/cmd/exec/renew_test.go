package exec_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/token"
)

// waitForFile polls until path exists and returns its content.
func waitForFile(t *testing.T, path string, done <-chan struct{}) (string, bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil {
			return strings.TrimSpace(string(b)), true
		}
		select {
		case <-done:
			return "", false
		default:
		}
	}
	return "", false
}

// tokenSet is the distinct tokens seen, by anyone.
type tokenSet struct {
	mu sync.Mutex
	m  map[string]bool
}

func (s *tokenSet) add(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]bool{}
	}
	s.m[tok] = true
}

func (s *tokenSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// readFiles reads the two files once and checks they are whole: the
// headers of 'get --output header' and the 'Bearer ...' value, of a token
// IAM signed that has not expired.
func readFiles(h *cmdtest.Host, headersFile string) (string, error) {
	hb, err := os.ReadFile(headersFile)
	if err != nil {
		return "", err
	}
	tb, err := os.ReadFile(filepath.Join(filepath.Dir(headersFile), "token"))
	if err != nil {
		return "", err
	}
	bearer, ok := strings.CutPrefix(string(tb), "Bearer ")
	if !ok || !h.IAM.Verify(bearer) {
		return "", fmt.Errorf("token file: %d bytes that are not a whole 'Bearer ...' value", len(tb))
	}
	lines := strings.Split(string(hb), "\n")
	if len(lines) != 3 || lines[2] != "" || !strings.HasPrefix(lines[0], "Authorization: Bearer ") ||
		lines[1] != "bluemix-instance: "+cmdtest.InstanceID || !h.IAM.Verify(strings.TrimPrefix(lines[0], "Authorization: Bearer ")) {
		return "", fmt.Errorf("headers file: %d bytes that are not two whole header lines", len(hb))
	}
	exp, err := token.ExpiryClaim(bearer)
	if err != nil || time.Now().After(time.Unix(exp, 0)) {
		return "", fmt.Errorf("the files hold a token that has expired (exp %d, now %d)", exp, time.Now().Unix())
	}
	return bearer, nil
}

// TestExecKeepsTheFilesFresh runs a job for several lifetimes of
// short-lived tokens (4 s, renewed within 2 s of their expiry) while
// parallel 'get's share the cache: the command sees each new token in
// KP_ACCESS_TOKEN_FILE before the old one expires; a reader hammering both
// files sees only whole files of valid tokens; IAM makes exactly one
// exchange per token lifetime, whoever asks; and the files are gone when
// the command ends.
func TestExecKeepsTheFilesFresh(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	h := cmdtest.New(t)
	h.IAM.TTL = 4 * time.Second
	key := "@" + h.Write("key", cmdtest.ServiceKey)
	out := t.TempDir()
	// The command writes down where its files are, then the token in its
	// file every 200 ms for 7 seconds.
	script := `printf '%s\n' "$KP_HEADERS_FILE" > "$OUT/path.tmp" && mv "$OUT/path.tmp" "$OUT/path"
i=0; while [ $i -lt 35 ]; do cat "$KP_ACCESS_TOKEN_FILE" >> "$OUT/seen"; echo >> "$OUT/seen"; sleep 0.2; i=$((i+1)); done`
	done := make(chan struct{})
	var result cmdtest.Result
	go func() {
		defer close(done)
		result = h.RunEnv(map[string]string{"OUT": out}, "", "exec", "--apikey", key, "--min-validity", "2s",
			"--instance-id", cmdtest.InstanceID, "--kp-endpoint", "http://127.0.0.1:9", "--", "sh", "-c", script)
	}()

	files, gets := &tokenSet{}, &tokenSet{}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	// Parallel callers of the same key and --min-validity.
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				case <-time.After(50 * time.Millisecond):
				}
				r := h.Run("", "get", "--apikey", key, "--min-validity", "2s", "-q")
				if r.Code != 0 {
					errs <- fmt.Errorf("a parallel get: %s", r)
					return
				}
				gets.add(strings.TrimPrefix(strings.TrimSpace(r.Stdout), "Bearer "))
			}
		}()
	}
	// A reader hammering both files.
	headersFile, ok := waitForFile(t, filepath.Join(out, "path"), done)
	var reads atomic.Int64
	if ok {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				tok, err := readFiles(h, headersFile)
				if errors.Is(err, fs.ErrNotExist) {
					return // the command has ended
				}
				if err != nil {
					errs <- err
					return
				}
				files.add(tok)
				reads.Add(1)
			}
		}()
	}
	<-done
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if !ok || result.Code != 0 {
		t.Fatalf("exec:\n%s", result)
	}

	seen, _ := os.ReadFile(filepath.Join(out, "seen"))
	distinct := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(seen)), "\n") {
		tok, ok := strings.CutPrefix(line, "Bearer ")
		if !ok || !h.IAM.Verify(tok) {
			t.Fatalf("the command read %q from KP_ACCESS_TOKEN_FILE", line)
		}
		distinct[tok] = true
		files.add(tok)
	}
	if len(distinct) < 3 {
		t.Fatalf("the command saw %d tokens in 7 s of 4 s tokens renewed 2 s before their expiry", len(distinct))
	}
	// Every token IAM issued went through the files, the parallel callers'
	// too: one exchange per token lifetime, whoever asked. A renewal that
	// ended with the command is in the cache only.
	issued := files.len()
	if last := cmdtest.ReadEntryToken(t, h.EntryPath(cmdtest.ServiceKey)); !files.m[last] {
		files.add(last)
		issued++
	}
	for tok := range gets.m {
		if !files.m[tok] {
			t.Fatal("a parallel get had a token the files never held: the renewal did not share the cache")
		}
	}
	if n := h.IAM.Count(); n != issued {
		t.Fatalf("IAM made %d exchanges for %d tokens", n, issued)
	}
	if reads.Load() == 0 {
		t.Fatal("the reader read nothing")
	}
	if _, err := os.Stat(filepath.Dir(headersFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the files stayed after the command ended: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(h.PluginDir(), "exec", "*")); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

// TestExecRenewalFailureWarns: IAM fails the first two renewals; each is
// said on stderr (with IAM's reason, and no secret), retried, and the
// third works; the command never notices.
func TestExecRenewalFailureWarns(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	h := cmdtest.New(t)
	h.IAM.TTL = 6 * time.Second
	key := "@" + h.Write("key", cmdtest.ServiceKey)
	out := t.TempDir()
	// The command waits (10 s at most) for a new token in its file.
	script := `first=$(cat "$KP_ACCESS_TOKEN_FILE"); : > "$OUT/started"
i=0; while [ "$(cat "$KP_ACCESS_TOKEN_FILE")" = "$first" ]; do
  i=$((i+1)); [ $i -lt 100 ] || exit 3; sleep 0.1
done
echo renewed`
	done := make(chan struct{})
	var r cmdtest.Result
	go func() {
		defer close(done)
		r = h.RunEnv(map[string]string{"OUT": out}, "", "exec", "--apikey", key, "--min-validity", "4s",
			"--instance-id", cmdtest.InstanceID, "--kp-endpoint", "http://127.0.0.1:9", "--", "sh", "-c", script)
	}()
	if _, ok := waitForFile(t, filepath.Join(out, "started"), done); ok {
		bad := iamtest.Reply{Status: 400, ContentType: "text/plain", Body: "bad"}
		h.IAM.Script(bad, bad)
	}
	<-done
	if r.Code != 0 || r.Stdout != "renewed\n" {
		t.Fatalf("the command did not live through the failed renewals to see a new token:\n%s", r)
	}
	if n := strings.Count(r.Stderr, "could not be renewed: IAM at "+h.IAM.URL+" sent a reply that is not an IAM token response (HTTP 400)"); n != 2 {
		t.Fatalf("want two warnings with IAM's reason:\n%s", r)
	}
	if !strings.Contains(r.Stderr, "Next attempt in 1 second") || !strings.Contains(r.Stderr, "Next attempt in 2 seconds") ||
		!strings.Contains(r.Stderr, "KP_ACCESS_TOKEN_FILE was renewed; it expires in") {
		t.Fatalf("want the backoff and the recovery said:\n%s", r)
	}
	if n := h.IAM.Count(); n != 4 {
		t.Fatalf("IAM saw %d requests: want the first exchange, two failures and the renewal", n)
	}
	cmdtest.AssertNoSecrets(t, "stderr", r.Stderr, cmdtest.ServiceKey)
}
