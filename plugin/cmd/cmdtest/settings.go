package cmdtest

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// PluginConfig is the SDK's plug-in configuration as in-process runs see
// it (the SDK's own cannot be built outside plugin.Start): the same file
// and format, a JSON object in the plug-in's config.json, loaded on first
// use, written whole, 0600 in a 0700 folder. Like the SDK's, it panics
// when the file cannot be read at all.
type PluginConfig struct {
	Path string

	once sync.Once
	data map[string]interface{}
}

func (c *PluginConfig) load() {
	c.once.Do(func() {
		c.data = map[string]interface{}{}
		b, err := os.ReadFile(c.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return
		case err != nil:
			panic(err)
		}
		// The SDK starts over from an empty object when the file does not
		// parse; so does this.
		_ = json.Unmarshal(b, &c.data)
	})
}

// Get returns the value of key, nil when it has none.
func (c *PluginConfig) Get(key string) interface{} {
	c.load()
	return c.data[key]
}

// Set sets key and writes the file.
func (c *PluginConfig) Set(key string, v interface{}) error {
	c.load()
	c.data[key] = v
	return c.save()
}

// Erase removes key and writes the file.
func (c *PluginConfig) Erase(key string) error {
	c.load()
	delete(c.data, key)
	return c.save()
}

func (c *PluginConfig) save() error {
	b, err := json.MarshalIndent(c.data, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.Path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(c.Path, b, 0o600)
}

// Settings reads the plug-in's configuration file as a JSON object
// (empty when there is none).
func (h *Host) Settings() map[string]interface{} {
	h.T.Helper()
	m := map[string]interface{}{}
	b, err := os.ReadFile(filepath.Join(h.PluginDir(), "config.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return m
	}
	if err != nil || json.Unmarshal(b, &m) != nil {
		h.T.Fatalf("the plug-in's configuration: %v %s", err, b)
	}
	return m
}

// WriteSettings replaces the plug-in's configuration file, as a user
// editing it would.
func (h *Host) WriteSettings(content string) {
	h.T.Helper()
	if err := os.MkdirAll(h.PluginDir(), 0o700); err != nil {
		h.T.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.PluginDir(), "config.json"), []byte(content), 0o600); err != nil {
		h.T.Fatal(err)
	}
}
