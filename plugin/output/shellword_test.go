package output

import "testing"

func TestShellWord(t *testing.T) {
	tests := map[string]string{
		"ServiceId-8b1c7b51-2c49-4ca8-a5c6-0ac06e6f1b7e": "ServiceId-8b1c7b51-2c49-4ca8-a5c6-0ac06e6f1b7e",
		"/home/me/kp-auto.json":                          "/home/me/kp-auto.json",
		"":                                               "''",
		"my keys/k.json":                                 `'my keys/k.json'`,
		"x'; rm -rf ~; '":                                `'x'\''; rm -rf ~; '\'''`,
		"$(id)":                                          `'$(id)'`,
		"a\nb":                                           "'a\nb'",
		"~/k.json":                                       `'~/k.json'`,
		"*.json":                                         `'*.json'`,
	}
	for in, want := range tests {
		if got := ShellWord(in); got != want {
			t.Errorf("ShellWord(%q) = %q, want %q", in, got, want)
		}
	}
}
