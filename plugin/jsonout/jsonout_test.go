package jsonout

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/kp-token/kp-token/plugin/failure"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		terminal bool
		want     string
	}{
		{"a program gets the bytes", `{"b":1,"a":[1,2]}`, false, `{"b":1,"a":[1,2]}`},
		{"a program gets hostile bytes too", "{\"a\":\"\u202e\"}", false, "{\"a\":\"\u202e\"}"},
		{"a person gets it indented, in Key Protect's order", `{"b":1,"a":[1,2]}`, true, "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    2\n  ]\n}\n"},
		{"numbers as written", `{"n":12345678901234567890.50}`, true, "{\n  \"n\": 12345678901234567890.50\n}\n"},
		{"controls JSON allows raw are escaped", "{\"a\":\"x\u202ey\u009b[2J\x7f\u2028\"}", true, "{\n  \"a\": \"x\\u202ey\\u009b[2J\\u007f\\u2028\"\n}\n"},
		{"bytes that are not UTF-8", "{\"a\":\"\xff\"}", true, "{\n  \"a\": \"\\ufffd\"\n}\n"},
		{"text that is not JSON is made safe", "down\x1b[2J\n", true, "down\\x1b[2J\n"},
		{"nothing", "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(Render([]byte(tt.doc), tt.terminal))
			if got != tt.want {
				t.Fatalf("Render = %q, want %q", got, tt.want)
			}
			if tt.terminal && json.Valid([]byte(tt.doc)) && !json.Valid([]byte(got)) {
				t.Fatalf("the indented form is not JSON: %q", got)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	doc := []byte(`{"metadata":{"collectionTotal":2},"resources":[{"id":"a","name":"line\nbreak\u001b[31m"},{"id":"b","big":123456789012345678901234567890}]}`)
	tests := []struct {
		expr     string
		terminal bool
		want     string
	}{
		{".resources[].id", false, "a\nb\n"},
		{".resources[0].name", false, "line\nbreak\x1b[31m\n"},
		{".resources[0].name", true, "line\nbreak\\x1b[31m\n"},
		{".resources[1].big", false, "123456789012345678901234567890\n"},
		{".metadata", false, `{"collectionTotal":2}` + "\n"},
		{".metadata", true, "{\n  \"collectionTotal\": 2\n}\n"},
		{"[.resources[].id]", false, `["a","b"]` + "\n"},
		{"$ENV.PATH, env.HOME", false, "null\nnull\n"},
		{".resources[].id, halt", false, "a\nb\n"},
		{"empty", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			f, err := Compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := Write(context.Background(), &out, doc, f, tt.terminal); err != nil || out.String() != tt.want {
				t.Fatalf("Write = %q, %v; want %q", out.String(), err, tt.want)
			}
		})
	}
}

func TestFilterFailures(t *testing.T) {
	for _, expr := range []string{".[", "resources[", "include \"x\"; .", "import \"x\" as x; .", "input", "undefined_function"} {
		f, err := Compile(expr)
		if fl, ok := failure.As(err); !ok || !fl.Usage() || fl.Cause != "api_jq_invalid" || fl.Detail == "" {
			t.Errorf("Compile(%q) = %v, %v", expr, f, err)
		}
	}
	doc := []byte(`{"a":[1,2]}`)
	for expr, cause := range map[string]string{
		".a[], error(\"boom\")": "api_jq_failed",
		".a | ascii_downcase":   "api_jq_failed",
		".a[] | halt_error":     "api_jq_failed",
	} {
		f, err := Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		err = Write(context.Background(), &out, doc, f, false)
		if fl, ok := failure.As(err); !ok || fl.Cause != cause || fl.Usage() || out.Len() != 0 {
			t.Errorf("Write(%q) = %q, %v", expr, out.String(), err)
		}
	}
	f, _ := Compile(".")
	for _, bad := range []string{"<html>", `{"a":1} trailing`, ""} {
		var out bytes.Buffer
		err := Write(context.Background(), &out, []byte(bad), f, false)
		if fl, ok := failure.As(err); !ok || fl.Cause != "api_jq_not_json" || out.Len() != 0 {
			t.Errorf("Write(%q) = %q, %v", bad, out.String(), err)
		}
	}
}
