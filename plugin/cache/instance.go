package cache

import (
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
	"github.com/kp-token/kp-token/plugin/kp"
)

// InstanceTTL is how long a resolved instance is trusted. Instances are
// rarely replaced; 'verify' looks again at once when Key Protect does not
// know a remembered one.
const InstanceTTL = 24 * time.Hour

// InstanceKey is what a resolution depended on: the Resource Controller
// asked (what one RESOURCE_CONTROLLER_URL answered is never served for
// another), the account, the region and resource group searched, and the
// name (empty for "the only one").
type InstanceKey struct {
	ResourceController, Account, Region, ResourceGroup, Name string
}

func (k InstanceKey) id() string {
	sum := sha256.Sum256([]byte("instance\x00" + k.ResourceController + "\x00" + k.Account + "\x00" + k.Region + "\x00" + k.ResourceGroup + "\x00" + k.Name))
	return hex.EncodeToString(sum[:])
}

type instanceEntry struct {
	Version  int         `json:"version"`
	Key      InstanceKey `json:"key"`
	Stored   int64       `json:"stored_at"`
	Instance kp.Instance `json:"instance"`
}

func (c *Cache) instanceDir() string { return filepath.Join(c.Dir, "instances") }
func (c *Cache) instancePath(k InstanceKey) string {
	return filepath.Join(c.instanceDir(), k.id()+".json")
}

// LoadInstance returns a remembered resolution that is still fresh.
func (c *Cache) LoadInstance(k InstanceKey, now time.Time) (kp.Instance, bool) {
	data, err := readFile(c.instancePath(k))
	if err != nil {
		return kp.Instance{}, false
	}
	var e instanceEntry
	if json.Unmarshal(data, &e) != nil || e.Version != version || e.Key != k || !kp.ValidInstanceID(e.Instance.GUID) {
		return kp.Instance{}, false
	}
	age := now.Sub(time.Unix(e.Stored, 0))
	if age < 0 || age > InstanceTTL {
		return kp.Instance{}, false
	}
	return e.Instance, true
}

// StoreInstance remembers a resolution.
func (c *Cache) StoreInstance(k InstanceKey, inst kp.Instance, now time.Time) error {
	if err := os.MkdirAll(c.instanceDir(), 0o700); err != nil {
		return err
	}
	data, err := json.Marshal(instanceEntry{Version: version, Key: k, Stored: now.Unix(), Instance: inst})
	if err != nil {
		return err
	}
	return atomicfile.WriteNoSync(c.instancePath(k), data)
}

// ForgetInstance drops a remembered resolution.
func (c *Cache) ForgetInstance(k InstanceKey) { _ = os.Remove(c.instancePath(k)) }

// DeleteInstances forgets every remembered lookup and returns what each
// held, in file order (a zero Instance for an unreadable one), so that
// 'cache-delete --all' can say what it removed. The folder goes too, with
// any temporary file an interrupted write left.
func (c *Cache) DeleteInstances() ([]kp.Instance, error) {
	names, err := filepath.Glob(filepath.Join(c.instanceDir(), "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var removed []kp.Instance
	for _, name := range names {
		var e instanceEntry
		if data, err := readFile(name); err == nil {
			_ = json.Unmarshal(data, &e)
		}
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, err
		}
		removed = append(removed, e.Instance)
	}
	return removed, os.RemoveAll(c.instanceDir())
}
