//go:build reflectentry

package cache

import "encoding/json"

// encodeEntry with encoding/json: the bench's comparison for the
// hand-written encoder (encode.go).
func encodeEntry(e Entry) ([]byte, error) { return json.MarshalIndent(e, "", "  ") }
