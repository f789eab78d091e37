// Package cache keeps API-key tokens between runs so that scripts calling
// 'kp-token get' many times, in parallel, cost IAM one request per hour.
//
// An entry is one JSON file per (IAM endpoint, SHA-256 of the API key,
// scope), mode 0600, never seen half-written, so readers need no lock (one
// that finds no entry waits for the lock, as for an old one). Writers take
// a cross-process file lock (flock on Unix, on a file opened without
// following symlinks) on a sibling .lock file: the first process renews,
// the others wait and read what it wrote. The API key itself is never
// written; its hash names the entry.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/kp-token/kp-token/plugin/atomicfile"
	"github.com/kp-token/kp-token/plugin/privatefs"
	"github.com/kp-token/kp-token/plugin/token"
)

// version is the entry format; entries of another version are ignored.
const version = 1

// maxEntrySize bounds what is read from an entry file.
const maxEntrySize = 256 << 10

// Key identifies an entry.
type Key struct {
	Endpoint string
	APIKey   string
	Scope    string
	// Source is the kind of credential and the trusted profile for tokens
	// that do not come from an API key alone ("cr-token Profile-...");
	// empty for API keys.
	Source string
}

func (k Key) keyHash() string {
	sum := sha256.Sum256([]byte(k.APIKey))
	return hex.EncodeToString(sum[:])
}

// ID is the entry's file name stem: a hash of the whole key.
func (k Key) ID() string {
	id := k.Endpoint + "\x00" + k.keyHash() + "\x00" + k.Scope
	if k.Source != "" {
		id += "\x00" + k.Source
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// Entry is what an entry file holds.
type Entry struct {
	Version  int         `json:"version"`
	Endpoint string      `json:"iam_endpoint"`
	KeyHash  string      `json:"apikey_sha256"`
	Scope    string      `json:"scope"`
	Source   string      `json:"source,omitempty"`
	Stored   int64       `json:"stored_at"`
	Token    token.Token `json:"token"`
}

// Status is the outcome of a Load.
type Status int

const (
	Missing Status = iota
	Found
	Damaged // corrupt, truncated, foreign, another version, or unreadable
)

// Cache is a folder of entries.
type Cache struct {
	Dir string
}

// Open creates the folder (0700) if needed. An existing folder is used
// only if it is a plain folder owned by this user; looser modes are
// tightened to 0700 first.
func Open(dir string) (*Cache, error) {
	if err := privatefs.Dir(dir); err != nil {
		return nil, err
	}
	return &Cache{Dir: dir}, nil
}

func (c *Cache) path(k Key) string { return filepath.Join(c.Dir, k.ID()+".json") }
func (c *Cache) lockPath(k Key) string {
	return filepath.Join(c.Dir, k.ID()+".lock")
}

// Load reads k's entry. Anything but a well-formed entry for exactly k is
// Damaged, never a token.
func (c *Cache) Load(k Key) (Entry, Status) {
	data, err := readFile(c.path(k))
	if errors.Is(err, fs.ErrNotExist) {
		return Entry{}, Missing
	}
	if err != nil {
		return Entry{}, Damaged
	}
	e, err := Parse(data, k)
	if err != nil {
		return Entry{}, Damaged
	}
	return e, Found
}

var errDamaged = errors.New("damaged cache entry")

// Parse checks an entry file's content against the key it should belong to.
func Parse(data []byte, k Key) (Entry, error) {
	if len(data) > maxEntrySize {
		return Entry{}, errDamaged
	}
	e, ok := decodeEntry(data)
	if !ok {
		return Entry{}, errDamaged
	}
	if e.Version != version || e.Endpoint != k.Endpoint || e.KeyHash != k.keyHash() || e.Scope != k.Scope || e.Source != k.Source {
		return Entry{}, errDamaged
	}
	// A planted entry must not put a quote or a line into an eval'ed line:
	// the token is a Bearer JWT like IAM's, or the entry is damaged.
	if e.Token.Normalize() != nil {
		return Entry{}, errDamaged
	}
	// The access token must be a token whose exp matches the entry, so a
	// tampered expiry cannot keep a dead token alive.
	t := e.Token
	if t.AccessToken == "" || t.Expiration <= 0 {
		return Entry{}, errDamaged
	}
	exp, err := token.ExpiryClaim(t.AccessToken)
	if err != nil || exp != t.Expiration {
		return Entry{}, errDamaged
	}
	return e, nil
}

// Store writes k's entry with mode 0600, for a caller that holds k's
// lock: never half-written, and missing for a moment while it is
// replaced, which a reader without the lock takes for a reason to wait
// for it (atomicfile's Locked).
func (c *Cache) Store(k Key, t token.Token, now time.Time) error {
	data, err := encodeEntry(Entry{
		Version: version, Endpoint: k.Endpoint, KeyHash: k.keyHash(), Scope: k.Scope, Source: k.Source,
		Stored: now.Unix(), Token: t,
	})
	if err != nil {
		return err
	}
	return atomicfile.WriteWith(c.path(k), data, atomicfile.Options{NoSync: true, Locked: true})
}

// Lock takes k's cross-process lock, waiting until ctx ends. It always
// tries once, so an expired ctx means "do not wait", not "do not lock".
func (c *Cache) Lock(ctx context.Context, k Key) (unlock func(), err error) {
	l, err := privatefs.OpenLock(c.lockPath(k), true)
	if err != nil {
		return nil, err
	}
	for {
		ok, err := l.TryLock()
		if err != nil {
			l.Close()
			return nil, err
		}
		if ok {
			return l.Release, nil
		}
		select {
		case <-ctx.Done():
			l.Close()
			return nil, context.DeadlineExceeded
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Delete removes k's entry and reports what it held.
func (c *Cache) Delete(k Key) (Entry, bool, error) {
	e, st := c.Load(k)
	err := os.Remove(c.path(k))
	if errors.Is(err, fs.ErrNotExist) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, err
	}
	c.removeLock(c.lockPath(k))
	if st != Found {
		e = Entry{Endpoint: k.Endpoint}
	}
	return e, true, nil
}

// DeleteAll removes every entry (and every lock nobody holds).
func (c *Cache) DeleteAll() ([]Entry, error) {
	names, err := filepath.Glob(filepath.Join(c.Dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var removed []Entry
	for _, name := range names {
		var e Entry
		if data, err := readFile(name); err == nil {
			_ = json.Unmarshal(data, &e)
		}
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, err
		}
		removed = append(removed, e)
	}
	locks, _ := filepath.Glob(filepath.Join(c.Dir, "*.lock"))
	for _, l := range locks {
		c.removeLock(l)
	}
	// Remembered instance resolutions go too: "forget everything", and
	// so do temporary files an interrupted write left (they hold tokens).
	if err := os.RemoveAll(c.instanceDir()); err != nil {
		return removed, err
	}
	temps, _ := filepath.Glob(filepath.Join(c.Dir, atomicfile.TempPattern))
	failed, _ := filepath.Glob(filepath.Join(c.Dir, "*.failed"))
	temps = append(temps, failed...)
	for _, t := range temps {
		_ = os.Remove(t)
	}
	return removed, nil
}

// removeLock deletes a lock file only when no process holds it; removing a
// held one would let a newcomer lock a fresh file beside the holder.
func (c *Cache) removeLock(path string) {
	l, err := privatefs.OpenLock(path, true)
	if err != nil {
		_ = os.Remove(path) // a symlink or worse: it is not ours to keep
		return
	}
	if ok, err := l.TryLock(); err == nil && ok {
		_ = os.Remove(path)
		l.Release()
		return
	}
	l.Close()
}
