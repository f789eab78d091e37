package cache

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/kp-token/kp-token/plugin/atomicfile"
	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/smallfile"
)

// FailureTTL is how long an outage seen by one process answers the others
// that waited for it: long enough for a burst of parallel callers, short
// enough that nobody is refused after IAM is back.
const FailureTTL = 10 * time.Second

// sharedFailure is what a failure file holds: the failure as message IDs
// and plain data, never a token or key.
type sharedFailure struct {
	At         int64          `json:"at"`
	Cause      string         `json:"cause"`
	CauseData  map[string]any `json:"cause_data,omitempty"`
	Reason     string         `json:"reason,omitempty"`
	ReasonData map[string]any `json:"reason_data,omitempty"`
	Remedy     string         `json:"remedy,omitempty"`
	RemedyData map[string]any `json:"remedy_data,omitempty"`
	Detail     string         `json:"detail,omitempty"`
}

func (c *Cache) failurePath(k Key) string { return filepath.Join(c.Dir, k.ID()+".failed") }

// StoreFailure remembers an outage for the processes waiting on k's lock.
func (c *Cache) StoreFailure(k Key, f *failure.Failure, now time.Time) error {
	data, err := json.Marshal(sharedFailure{At: now.Unix(), Cause: f.Cause, CauseData: f.CauseData,
		Reason: f.Reason, ReasonData: f.ReasonData, Remedy: f.Remedy, RemedyData: f.RemedyData, Detail: f.Detail})
	if err != nil {
		return err
	}
	return atomicfile.WriteNoSync(c.failurePath(k), data)
}

// LoadFailure returns an outage another process saw within FailureTTL.
func (c *Cache) LoadFailure(k Key, now time.Time) (*failure.Failure, bool) {
	data, err := smallfile.Read(c.failurePath(k), maxEntrySize)
	if err != nil {
		return nil, false
	}
	var s sharedFailure
	if json.Unmarshal(data, &s) != nil || s.Cause == "" {
		return nil, false
	}
	if age := now.Sub(time.Unix(s.At, 0)); age < 0 || age > FailureTTL {
		return nil, false
	}
	f := failure.New(s.Cause, s.CauseData).WithRemedy(s.Remedy, s.RemedyData).WithReason(s.Reason, s.ReasonData).WithDetail(s.Detail)
	return f, true
}

// ClearFailure forgets an outage once a token was obtained.
func (c *Cache) ClearFailure(k Key) { _ = os.Remove(c.failurePath(k)) }
