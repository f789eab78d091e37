// Package apikey reads an IAM API key the ways the IBM Cloud CLI accepts
// one: the key itself, @FILE (a plain file or the JSON that
// 'ibmcloud iam service-api-key-create --file' writes), '-' for standard
// input, or the IBMCLOUD_API_KEY environment variable.
package apikey

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode"

	"github.com/kp-token/kp-token/plugin/failure"
	"github.com/kp-token/kp-token/plugin/output"
)

// MaxSize bounds what is read from a key file or standard input: a key is
// 44 characters and the JSON file under 1 KiB, so anything larger is not a
// key file.
const MaxSize = 64 << 10

// Origin says where a key came from; it is what messages name, never the key.
type Origin struct {
	Kind string // "flag", "file", "stdin", "env", "env-file"
	Path string // for files
}

// Key is an API key and where it came from.
type Key struct {
	Value  string
	Origin Origin
}

// Literal reports whether the key was typed on the command line, where
// shell history and process lists can see it.
func (k Key) Literal() bool { return k.Origin.Kind == "flag" }

// FromFlag resolves the value of --apikey.
func FromFlag(value string, stdin io.Reader) (Key, error) {
	return FromOption("--apikey", value, stdin)
}

// FromOption resolves the value of option (--apikey, --cr-token): a key,
// @FILE or '-'. A value that names an existing file and does not look
// like what the option takes is the '@' forgotten: it is refused before
// anything is sent (and before the user is warned that a key typed on the
// command line can be seen).
func FromOption(option, value string, stdin io.Reader) (Key, error) {
	if namesFile(option, value) {
		return Key{}, failure.Usagef(fileNamedCause(option), map[string]any{"Value": trim(value)}).
			WithRemedy("apikey_names_file_remedy", map[string]any{"Suggestion": option + " " + output.ShellWord("@"+trim(value))})
	}
	switch {
	case value == "-":
		data, err := readLimited(stdin)
		if errors.Is(err, errTooLarge) {
			return Key{}, failure.New("apikey_stdin_too_large", map[string]any{"Max": "64 KiB"}).
				WithRemedy("apikey_stdin_remedy", nil)
		}
		if err != nil {
			return Key{}, failure.New("apikey_stdin_unreadable", nil).
				WithRemedy("apikey_stdin_remedy", nil).Wrap(err)
		}
		return parse(data, Origin{Kind: "stdin"})
	case strings.HasPrefix(value, "@"):
		return fromFile(value[1:], "file")
	default:
		k := Key{Value: trim(value), Origin: Origin{Kind: "flag"}}
		if k.Value == "" {
			return Key{}, failure.New("apikey_empty", nil).WithRemedy("apikey_empty_remedy", nil)
		}
		return validated(k)
	}
}

// FromEnv resolves the value of IBMCLOUD_API_KEY (a key or @FILE).
func FromEnv(value string) (Key, error) {
	if strings.HasPrefix(value, "@") {
		return fromFile(value[1:], "env-file")
	}
	k := Key{Value: trim(value), Origin: Origin{Kind: "env"}}
	if k.Value == "" {
		return Key{}, failure.New("apikey_env_empty", nil).WithRemedy("apikey_empty_remedy", nil)
	}
	return validated(k)
}

// namesFile reports whether value, given to option, names an existing
// file rather than holding the credential: a file is there by that name
// and the value does not have the credential's shape.
func namesFile(option, value string) bool {
	v := trim(value)
	if v == "" || v == "-" || strings.HasPrefix(v, "@") || shaped(option, v) {
		return false
	}
	st, err := os.Stat(v)
	return err == nil && !st.IsDir()
}

// shaped reports whether v has the shape of what option takes: an IAM API
// key is 44 letters, digits, '-' and '_' (legacy keys are longer, never
// shorter than 32); a compute resource token is a JWT, three such
// segments joined by dots.
func shaped(option, v string) bool {
	word := func(s string) bool {
		return s != "" && strings.IndexFunc(s, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		}) < 0
	}
	if option == "--cr-token" {
		parts := strings.Split(v, ".")
		return len(parts) == 3 && word(parts[0]) && word(parts[1]) && (parts[2] == "" || word(parts[2]))
	}
	return len(v) >= 32 && word(v)
}

func fileNamedCause(option string) string {
	if option == "--cr-token" {
		return "crtoken_names_file"
	}
	return "apikey_names_file"
}

func fromFile(path, kind string) (Key, error) {
	origin := Origin{Kind: kind, Path: path}
	data := map[string]any{"Path": path}
	if path == "" {
		return Key{}, failure.Usagef("apikey_file_unnamed", nil)
	}
	content, err := readFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Key{}, failure.New("apikey_file_missing", data).WithRemedy("apikey_file_remedy", nil).Wrap(err)
	case errors.Is(err, errIsDir):
		return Key{}, failure.New("apikey_file_is_dir", data).WithRemedy("apikey_file_remedy", nil)
	case errors.Is(err, errTooLarge):
		return Key{}, failure.New("apikey_file_too_large", map[string]any{"Path": path, "Max": "64 KiB"}).
			WithRemedy("apikey_file_remedy", nil)
	case err != nil:
		return Key{}, failure.New("apikey_file_unreadable", data).WithRemedy("apikey_file_perm_remedy", data).Wrap(err)
	}
	return parse(content, origin)
}

var (
	errTooLarge = errors.New("input larger than 64 KiB")
	errIsDir    = errors.New("is a directory")
)

// readFile reads a key file whole. At most MaxSize+1 bytes are read, so a
// file that never ends (a device, a pipe such as @/dev/stdin) cannot fill
// the memory.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, errIsDir
	}
	return readLimited(f)
}

func readLimited(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, errTooLarge
	}
	return data, nil
}

// Parse extracts a key from the content of a key file or standard input:
// either the key alone, or a JSON object whose "apikey" field holds it.
func Parse(content []byte) (string, error) {
	k, err := parse(content, Origin{Kind: "stdin"})
	return k.Value, err
}

func parse(content []byte, origin Origin) (Key, error) {
	if len(content) > MaxSize {
		return Key{}, failure.New("apikey_file_too_large", map[string]any{"Path": origin.Path, "Max": "64 KiB"})
	}
	text := trim(string(content))
	where := map[string]any{"Path": origin.Path}
	empty, noField, badJSON := "apikey_file_empty", "apikey_file_no_field", "apikey_file_bad_json"
	if origin.Kind == "stdin" {
		empty, noField, badJSON = "apikey_stdin_empty", "apikey_stdin_no_field", "apikey_stdin_bad_json"
	}
	if text == "" {
		return Key{}, failure.New(empty, where).WithRemedy("apikey_file_remedy", nil)
	}
	if strings.HasPrefix(text, "{") {
		v, ok, valid := apikeyMember([]byte(text))
		if !valid {
			return Key{}, failure.New(badJSON, where).WithRemedy("apikey_file_remedy", nil)
		}
		v = trim(v)
		if !ok || v == "" {
			return Key{}, failure.New(noField, where).WithRemedy("apikey_file_remedy", nil)
		}
		text = v
	}
	k := Key{Value: text, Origin: origin}
	return validated(k)
}

// apikeyMember reads the top-level "apikey" string of a JSON object: the
// name must match exactly, and when it is given twice the last one wins.
// valid is false when data is not one valid JSON object.
func apikeyMember(data []byte) (v string, ok, valid bool) {
	var doc map[string]json.RawMessage
	if json.Unmarshal(data, &doc) != nil || doc == nil {
		return "", false, false
	}
	raw, found := doc["apikey"]
	if !found {
		return "", false, true
	}
	ok = json.Unmarshal(raw, &v) == nil
	return v, ok, true
}

func validated(k Key) (Key, error) {
	if err := checkShape(k); err != nil {
		return Key{}, err
	}
	return k, nil
}

// checkShape refuses what cannot be a key, such as a file of several lines,
// before it is sent to IAM.
func checkShape(k Key) error {
	for _, r := range k.Value {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			data := map[string]any{"Path": k.Origin.Path}
			id := "apikey_malformed"
			if k.Origin.Path != "" {
				id = "apikey_file_malformed"
			}
			return failure.New(id, data).WithRemedy("apikey_file_remedy", nil)
		}
	}
	return nil
}

// trim removes surrounding white space, CR/LF and a UTF-8 byte order mark,
// which editors on Windows like to add.
func trim(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "\ufeff")
	return string(bytes.TrimSpace([]byte(s)))
}
