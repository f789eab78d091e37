package root_test

import (
	"strings"
	"testing"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
)

// TestHelpCommand: 'ibmcloud kp-token help COMMAND', which the CLI hands
// over as 'help COMMAND', is the command's help, as 'ibmcloud help
// COMMAND' is for the CLI's own commands; 'help' alone is the namespace's.
func TestHelpCommand(t *testing.T) {
	h := cmdtest.New(t)
	tests := []struct {
		args, same []string
		want       string
	}{
		{[]string{"help", "get"}, []string{"get", "--help"}, "ibmcloud kp-token get ["},
		{[]string{"help", "cache-delete"}, []string{"cache-delete", "-h"}, "ibmcloud kp-token cache-delete ["},
		{[]string{"help"}, []string{"--help"}, "ibmcloud kp-token COMMAND"},
		{[]string{"help", "help"}, []string{"--help"}, "ibmcloud kp-token COMMAND"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r, same := h.Run("", tt.args...), h.Run("", tt.same...)
			if r.Code != 0 || r.Stderr != "" || !strings.Contains(r.Stdout, tt.want) || r.Stdout != same.Stdout {
				t.Fatalf("%v:\n%s\nwant what %v prints:\n%s", tt.args, r, tt.same, same)
			}
		})
	}
	t.Run("help of an unknown command", func(t *testing.T) {
		cmdtest.ExpectFailure(t, h.Run("", "help", "gett"), 2, "The command gett is unknown. Did you mean get?", "ibmcloud kp-token --help")
	})
}
