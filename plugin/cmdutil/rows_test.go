package cmdutil

import (
	"strings"
	"testing"
)

func TestWriteTable(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
		want string
	}{
		{"aligned by display width",
			[][]string{{"NAME", "GUID"}, {"키프로텍트", "g1"}, {"kp", "g2"}},
			"NAME        GUID\n키프로텍트  g1\nkp          g2\n"},
		{"an empty last cell leaves no padding",
			[][]string{{"", "NAME", "GROUP"}, {"*", "kp-prod", ""}, {"", "kp-dev", "default"}},
			"   NAME     GROUP\n*  kp-prod\n   kp-dev   default\n"},
		{"server text made one safe line before it is measured",
			[][]string{{"NAME", "REGION"}, {"a\nb", "us-south"}},
			"NAME  REGION\na\\nb  us-south\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			WriteTable(&b, tt.rows)
			if b.String() != tt.want {
				t.Fatalf("got\n%q\nwant\n%q", b.String(), tt.want)
			}
		})
	}
}
