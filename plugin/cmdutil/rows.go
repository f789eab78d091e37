package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/kp-token/kp-token/plugin/output"
)

// WriteRows writes label/value rows with the values aligned. Values are
// made one safe line: they often come from servers.
func WriteRows(b *strings.Builder, rows [][2]string) {
	width := 0
	for _, r := range rows {
		width = max(width, DisplayWidth(r[0]))
	}
	for _, r := range rows {
		b.WriteString(r[0] + strings.Repeat(" ", width-DisplayWidth(r[0])+2) + output.SafeLine(r[1]) + "\n")
	}
}

// WriteJSON writes v as indented JSON and a line break.
func WriteJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}
