package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// NearestFlag is the option of c closest to a mistyped one (at most two
// edits away, or the one it begins), if any, with its dashes.
func NearestFlag(c *cobra.Command, typed string) string {
	typed = strings.TrimLeft(typed, "-")
	best, bestDist, prefixed := "", 3, ""
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if d := levenshtein(typed, f.Name); d < bestDist {
			best, bestDist = f.Name, d
		}
		if len(typed) >= 3 && strings.HasPrefix(f.Name, typed) && prefixed == "" {
			prefixed = f.Name
		}
	})
	if best == "" {
		best = prefixed
	}
	if best == "" {
		return ""
	}
	return "--" + best
}

// NearestCommand is the command of root closest to a mistyped one, if any.
func NearestCommand(root *cobra.Command, typed string) string {
	best, bestDist := "", 3
	for _, c := range root.Commands() {
		if c.Hidden {
			continue
		}
		if d := levenshtein(typed, c.Name()); d < bestDist {
			best, bestDist = c.Name(), d
		}
	}
	return best
}

// levenshtein is the edit distance between a and b.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}
