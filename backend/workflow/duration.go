package workflow

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Day and Week are the calendar-free lengths used by the "d" and "w" duration units.
const (
	Day  = 24 * time.Hour
	Week = 7 * Day
)

// units maps a duration unit to its length.
var units = map[string]time.Duration{
	"ns": time.Nanosecond,
	"us": time.Microsecond,
	"µs": time.Microsecond, // U+00B5
	"μs": time.Microsecond, // U+03BC
	"ms": time.Millisecond,
	"s":  time.Second,
	"m":  time.Minute,
	"h":  time.Hour,
	"d":  Day,
	"w":  Week,
}

// DurationError explains why a length or offset could not be parsed.
type DurationError struct {
	Input  string // the text as given
	Reason string // what is wrong, as a clause ("\"x\" is not a unit; use s, m, h, d or w")
}

// Error implements error.
func (e *DurationError) Error() string {
	return fmt.Sprintf("invalid length %q: %s", e.Input, e.Reason)
}

// ParseDuration parses a non-negative length such as "90s", "2h", "3d", "1w" or "1d12h": Go's
// time.ParseDuration syntax plus "d" (24 hours) and "w" (7 days). A sign is an error; use
// ParseOffset for signed offsets.
func ParseDuration(s string) (time.Duration, error) {
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		return 0, &DurationError{Input: s, Reason: "a length cannot have a sign (it is never negative)"}
	}
	return parseUnsigned(s)
}

// ParseOffset parses a signed offset such as "-3d", "+2h", "2h" or "0d" (used by schedule
// triggers relative to a date property: "-3d" means three days before).
func ParseOffset(s string) (time.Duration, error) {
	neg := false
	rest := s
	if strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	d, err := parseUnsigned(rest)
	if err != nil {
		var de *DurationError
		if errors.As(err, &de) {
			de.Input = s // name the whole input, sign included
		}
		return 0, err
	}
	if neg {
		d = -d
	}
	return d, nil
}

// tooLong is the reason for a length too large to represent.
const tooLong = "it is too long (the longest is about 292 years)"

// parseUnsigned parses a sequence of <number><unit> parts without a sign.
func parseUnsigned(s string) (time.Duration, error) {
	fail := func(format string, args ...any) (time.Duration, error) {
		return 0, &DurationError{Input: s, Reason: fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(s) == "" {
		return fail("it is empty")
	}
	if s == "0" {
		return 0, nil
	}
	var total int64 // nanoseconds
	rest := s
	for rest != "" {
		// Number: digits with an optional fraction.
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		num := rest[:i]
		if num == "" || num == "." || strings.Count(num, ".") > 1 {
			return fail("%q does not start with a number", rest)
		}
		rest = rest[i:]
		// Unit: everything up to the next digit or dot.
		j := 0
		for j < len(rest) && !(rest[j] >= '0' && rest[j] <= '9' || rest[j] == '.') {
			j++
		}
		unit := rest[:j]
		rest = rest[j:]
		if unit == "" {
			return fail("the number %s has no unit (s, m, h, d or w)", num)
		}
		size, ok := units[unit]
		if !ok {
			return fail("%q is not a unit; use s (seconds), m (minutes), h (hours), d (days) or w (weeks)", unit)
		}
		whole, frac, _ := strings.Cut(num, ".")
		var part int64
		if whole != "" {
			w, err := strconv.ParseInt(whole, 10, 64)
			if err != nil || w > math.MaxInt64/int64(size) {
				return fail(tooLong)
			}
			part = w * int64(size)
		}
		if frac != "" {
			f, err := strconv.ParseFloat("0."+frac, 64)
			if err != nil {
				return fail("%q is not a number", num)
			}
			part += int64(math.Round(f * float64(size)))
		}
		if part > math.MaxInt64-total {
			return fail(tooLong)
		}
		total += part
	}
	return time.Duration(total), nil
}
