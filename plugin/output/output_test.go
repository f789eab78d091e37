package output

import (
	"testing"
	"time"

	"github.com/kp-token/kp-token/i18n"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		locale string
		d      time.Duration
		want   string
	}{
		{"en_US", time.Hour, "1 hour"},
		{"en_US", 2*time.Hour + 5*time.Minute, "2 hours 5 minutes"},
		{"en_US", 59*time.Minute + 30*time.Second, "59 minutes 30 seconds"},
		{"en_US", time.Second, "1 second"},
		{"en_US", 0, "0 seconds"},
		{"en_US", -90 * time.Second, "1 minute 30 seconds"},
		{"en_US", 25*time.Hour + 3*time.Second, "1 day 1 hour"},
		{"en_US", time.Hour + 3*time.Second, "1 hour"},
		{"fr_FR", time.Hour, "1 heure"},
		{"fr_FR", 2*time.Hour + time.Minute, "2 heures 1 minute"},
		{"fr_FR", 0, "0 seconde"},
		{"fr_FR", 3 * time.Second, "3 secondes"},
		{"ko_KR", time.Hour + 5*time.Minute, "1시간 5분"},
		{"ko_KR", 2 * time.Second, "2초"},
	}
	for _, tt := range tests {
		t.Run(tt.locale+"/"+tt.d.String(), func(t *testing.T) {
			if got := Duration(i18n.New(tt.locale), tt.d); got != tt.want {
				t.Fatalf("Duration = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		out   string
		quiet bool
		want  Format
		err   bool
	}{
		{"", false, Human, false},
		{"", true, Quiet, false},
		{"json", false, JSON, false},
		{"JSON", true, JSON, false},
		{"yaml", false, Human, true},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.out, tt.quiet)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseFormat(%q,%v) = %v,%v", tt.out, tt.quiet, got, err)
		}
	}
}
