package cmd

import (
	"reflect"
	"strings"
	"testing"
)

// cobraGet runs args through the real command tree (root, 'get', its
// flags, help and checks) and returns what 'get' would have run with;
// ran is false when Cobra refused the line or printed help instead.
func cobraGet(t testing.TB, args []string) (opts *GetOptions, ran bool) {
	d, _, _ := newDeps(nil, &fakeContext{}, nil, "")
	opts = &GetOptions{}
	root := newRoot(d)
	get := newCmdGet(d, opts, func(*Deps, *GetOptions) error { ran = true; return nil })
	root.AddCommand(get)
	setUp(get, d)
	root.SetArgs(args)
	if _, err := root.ExecuteC(); err != nil {
		return nil, false
	}
	return opts, ran
}

func TestParseGetAsCobra(t *testing.T) {
	tests := []struct {
		args   string // split on spaces; '_' stands for an empty argument
		parsed bool   // ParseGet reads it itself
	}{
		{"get", true},
		{"get -q", true},
		{"get --apikey @key.json -q", true},
		{"get --apikey=@key.json --quiet", true},
		{"get --apikey -", true},
		{"get --apikey -q", true}, // pflag takes the next argument whatever it is
		{"get --apikey=", true},
		{"get --apikey a --apikey b", true}, // the last one wins
		{"get --output json --min-validity 10m --cache-wait=0s", true},
		{"get --output=header --instance kp-demo --region eu-de --kp-endpoint https://x", true},
		{"get --output env --shell powershell --instance-id 12345678-1234-1234-1234-123456789012", true},
		{"get --no-cache --vpc --profile p --account a", true},
		{"get --min-validity=-1m", true}, // RunGet refuses it, with Cobra's path's message
		{"get --min-validity 10", false},
		{"get --min-validity", false},
		{"get --apikey", false},
		{"get --quiet=true", false},
		{"get --no-cache=false", false},
		{"get -qh", false},
		{"get -h", false},
		{"get --help", false},
		{"get --file out.json", false},
		{"get --cr-token @t", false},
		{"get extra", false},
		{"get _", false},
		{"get -", false},
		{"get -- -q", false},
		{"get --unknown x", false},
		{"get ---apikey x", false},
		{"get --Apikey x", false},
		{"refresh -q", false},
		{"-q get", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			args := strings.Fields(tt.args)
			for i, a := range args {
				if a == "_" {
					args[i] = ""
				}
			}
			got, ok := ParseGet(args)
			if ok != tt.parsed {
				t.Fatalf("ParseGet(%q) parsed = %v, want %v", args, ok, tt.parsed)
			}
			want, ran := cobraGet(t, args)
			if ok && (!ran || !reflect.DeepEqual(got, want)) {
				t.Fatalf("ParseGet(%q) = %+v, Cobra ran %v with %+v", args, got, ran, want)
			}
		})
	}
}

// FuzzParseGet holds ParseGet to Cobra on any command line: what it
// accepts, Cobra runs with exactly the same options.
func FuzzParseGet(f *testing.F) {
	for _, s := range []string{"get\x00-q", "get\x00--apikey\x00@k\x00--output=json", "get\x00--min-validity=1h2m",
		"get\x00--quiet\x00--no-cache\x00--vpc\x00--region\x00us-south", "get\x00--cache-wait\x00-5s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		got, ok := ParseGet(args)
		if !ok {
			return
		}
		want, ran := cobraGet(t, args)
		if !ran || !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseGet(%q) = %+v, Cobra ran %v with %+v", args, got, ran, want)
		}
	})
}
