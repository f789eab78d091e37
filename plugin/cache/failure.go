package cache

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/kp-token/kp-token/plugin/atomicfile"
	"github.com/kp-token/kp-token/plugin/failure"
)

// OutageTTL is how long an outage seen by one process answers the others
// that waited for it: long enough for a burst of parallel callers, short
// enough that nobody is refused after IAM is back.
const OutageTTL = 10 * time.Second

// sharedOutage is what an outage file holds: the outage as facts (its
// kind and plain data, no message ID), never a token or key.
type sharedOutage struct {
	At     int64          `json:"at"`
	Outage failure.Outage `json:"outage"`
}

func (c *Cache) outagePath(k Key) string { return filepath.Join(c.Dir, k.ID()+".failed") }

// StoreOutage remembers an outage for the processes waiting on k's lock.
func (c *Cache) StoreOutage(k Key, o failure.Outage, now time.Time) error {
	data, err := json.Marshal(sharedOutage{At: now.Unix(), Outage: o})
	if err != nil {
		return err
	}
	return atomicfile.WriteNoSync(c.outagePath(k), data)
}

// LoadOutage returns an outage another process saw within OutageTTL.
func (c *Cache) LoadOutage(k Key, now time.Time) (failure.Outage, bool) {
	data, err := readFile(c.outagePath(k))
	if err != nil {
		return failure.Outage{}, false
	}
	var s sharedOutage
	if json.Unmarshal(data, &s) != nil || !s.Outage.Kind.Outage() {
		return failure.Outage{}, false
	}
	if age := now.Sub(time.Unix(s.At, 0)); age < 0 || age > OutageTTL {
		return failure.Outage{}, false
	}
	return s.Outage, true
}

// ClearOutage forgets an outage once a token was obtained.
func (c *Cache) ClearOutage(k Key) { _ = os.Remove(c.outagePath(k)) }
