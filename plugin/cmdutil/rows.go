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

// WriteTable writes rows of cells in columns aligned by display width
// (a Korean or Chinese name takes two columns a letter), two spaces
// apart, with no spaces at the end of a line. Cells are made one safe
// line first: they often come from servers, and an escaped control
// character is wider than the character.
func WriteTable(b *strings.Builder, rows [][]string) {
	var widths []int
	safe := make([][]string, len(rows))
	for i, r := range rows {
		safe[i] = make([]string, len(r))
		for j, cell := range r {
			safe[i][j] = output.SafeLine(cell)
			if j == len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], DisplayWidth(safe[i][j]))
		}
	}
	for _, r := range safe {
		var line strings.Builder
		for j, cell := range r {
			line.WriteString(cell)
			if j < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[j]-DisplayWidth(cell)+2))
			}
		}
		// Empty last cells would leave padding at the end of the line.
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
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
