package workflow

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"90s", 90 * time.Second},
		{"2h", 2 * time.Hour},
		{"15m", 15 * time.Minute},
		{"3d", 3 * Day},
		{"1w", Week},
		{"1d12h", 36 * time.Hour},
		{"1w2d12h30m", 9*Day + 12*time.Hour + 30*time.Minute},
		{"1.5d", 36 * time.Hour},
		{".5h", 30 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"500ms", 500 * time.Millisecond},
		{"0", 0},
		{"0s", 0},
		{"0d", 0},
		{"52w", 364 * Day},
		{"2562047h", 2562047 * time.Hour},
	}
	for _, c := range cases {
		got, err := ParseDuration(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("%q: got %v, want %v", c.in, got, c.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", `invalid length "": it is empty`},
		{"   ", "it is empty"},
		{"-3d", "cannot have a sign"},
		{"+3d", "cannot have a sign"},
		{"3", "the number 3 has no unit"},
		{"3x", `"x" is not a unit`},
		{"3 d", `" d" is not a unit`},
		{"d", `"d" does not start with a number`},
		{"1..5h", "does not start with a number"},
		{"1d-2h", `"d-" is not a unit`},
		{"100000w", "too long"},
		{"9999999999999999999h", "too long"},
		{"two days", "does not start with a number"},
	}
	for _, c := range cases {
		_, err := ParseDuration(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: want error containing %q, got %v", c.in, c.want, err)
		}
	}
}

func TestParseOffset(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"-3d", -3 * Day},
		{"+2h", 2 * time.Hour},
		{"2h", 2 * time.Hour},
		{"0d", 0},
		{"-1w12h", -(Week + 12*time.Hour)},
	}
	for _, c := range cases {
		got, err := ParseOffset(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("%q: got %v, want %v", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "-", "--3d", "-3", "three days before"} {
		_, err := ParseOffset(bad)
		if err == nil {
			t.Errorf("%q: want an error", bad)
			continue
		}
		var de *DurationError
		if !errors.As(err, &de) || de.Input != bad {
			t.Errorf("%q: error %#v does not name the input", bad, err)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("%q: error %q does not name the input", bad, err)
		}
	}
}
