package workflow

import (
	"fmt"
	"math/bits"
	"strings"
	"time"
)

// Cron is a parsed five-field cron expression (minute hour day-of-month month day-of-week).
// Validation and the scheduler share this parser, so what validates is exactly what runs.
//
// Day matching follows classic cron: when both day-of-month and day-of-week are restricted
// (neither starts with "*"), a day matches if either does; otherwise both must match.
type Cron struct {
	expr                       string
	minute, hour, dom, month   uint64 // bit i set: value i allowed
	dow                        uint64 // 0..6, Sunday = 0 (7 is folded into 0)
	domRestricted, dowRestrict bool
}

// cronField describes the range and names of one cron field.
type cronField struct {
	name     string
	lo, hi   int
	names    []string
	namesMin int
}

var cronFields = [5]cronField{
	{"minute", 0, 59, nil, 0},
	{"hour", 0, 23, nil, 0},
	{"day of month", 1, 31, nil, 0},
	{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}, 1},
	{"day of week", 0, 7, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}, 0},
}

// ParseCron parses a five-field cron expression: each field a list of *, N or N-M with an
// optional /step; months may be named JAN..DEC and weekdays SUN..SAT (0 and 7 are Sunday).
// An expression that can never run (like "0 0 31 2 *") is an error.
func ParseCron(expr string) (*Cron, error) {
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return nil, fmt.Errorf("it has %d fields instead of 5", len(fields))
	}
	c := &Cron{expr: strings.Join(fields, " ")}
	sets := [5]*uint64{&c.minute, &c.hour, &c.dom, &c.month, &c.dow}
	for i, f := range fields {
		set, err := parseCronField(f, cronFields[i])
		if err != nil {
			return nil, err
		}
		*sets[i] = set
	}
	if c.dow&(1<<7) != 0 {
		c.dow = c.dow&^(1<<7) | 1
	}
	c.domRestricted = !strings.HasPrefix(fields[2], "*")
	c.dowRestrict = !strings.HasPrefix(fields[4], "*")
	if c.domRestricted && !c.dowRestrict && !c.possibleDate() {
		return nil, fmt.Errorf("no month in it has the day of month it names, so it would never run")
	}
	return c, nil
}

// parseCronField parses one field into a bit set.
func parseCronField(f string, sp cronField) (uint64, error) {
	val := func(s string) (int, error) {
		for k, n := range sp.names {
			if strings.EqualFold(s, n) {
				return k + sp.namesMin, nil
			}
		}
		if !isDigits(s) || len(s) > 2 {
			return 0, fmt.Errorf("the %s %q is not a number from %d to %d", sp.name, s, sp.lo, sp.hi)
		}
		n := 0
		for _, c := range s {
			n = n*10 + int(c-'0')
		}
		if n < sp.lo || n > sp.hi {
			return 0, fmt.Errorf("the %s %q is outside %d to %d", sp.name, s, sp.lo, sp.hi)
		}
		return n, nil
	}
	var set uint64
	for _, item := range strings.Split(f, ",") {
		rng, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			if !isDigits(stepText) || len(stepText) > 2 || stepText == "0" || stepText == "00" {
				return 0, fmt.Errorf("the %s step %q is not a positive number", sp.name, stepText)
			}
			step = int(stepText[0] - '0')
			if len(stepText) == 2 {
				step = step*10 + int(stepText[1]-'0')
			}
		}
		lo, hi := sp.lo, sp.hi
		if rng != "*" {
			a, b, isRange := strings.Cut(rng, "-")
			var err error
			if lo, err = val(a); err != nil {
				return 0, err
			}
			hi = lo
			if isRange {
				if hi, err = val(b); err != nil {
					return 0, err
				}
				if hi < lo {
					return 0, fmt.Errorf("the %s range %q runs backwards", sp.name, rng)
				}
			} else if hasStep {
				hi = sp.hi // "5/15" means from 5 to the end, every 15
			}
		}
		for v := lo; v <= hi; v += step {
			set |= 1 << uint(v)
		}
	}
	return set, nil
}

// possibleDate reports whether some allowed month has some allowed day of month.
func (c *Cron) possibleDate() bool {
	maxDays := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	for m := 1; m <= 12; m++ {
		if c.month&(1<<uint(m)) == 0 {
			continue
		}
		for d := 1; d <= maxDays[m]; d++ {
			if c.dom&(1<<uint(d)) != 0 {
				return true
			}
		}
	}
	return false
}

// String returns the expression with its fields separated by single spaces.
func (c *Cron) String() string { return c.expr }

// Day reports whether the calendar day y-m-d is one the expression runs on.
func (c *Cron) Day(y int, m time.Month, d int) bool {
	if c.month&(1<<uint(m)) == 0 {
		return false
	}
	wd := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()
	domOK := c.dom&(1<<uint(d)) != 0
	dowOK := c.dow&(1<<uint(wd)) != 0
	if c.domRestricted && c.dowRestrict {
		return domOK || dowOK
	}
	return domOK && dowOK
}

// Times returns the wall times of day the expression runs at, as minutes after midnight,
// ascending.
func (c *Cron) Times() []int {
	out := make([]int, 0, bits.OnesCount64(c.hour)*bits.OnesCount64(c.minute))
	for h := 0; h < 24; h++ {
		if c.hour&(1<<uint(h)) == 0 {
			continue
		}
		for m := 0; m < 60; m++ {
			if c.minute&(1<<uint(m)) != 0 {
				out = append(out, h*60+m)
			}
		}
	}
	return out
}

// Weekdays returns the allowed weekdays (Sunday first) and whether day-of-week is restricted.
func (c *Cron) Weekdays() ([]time.Weekday, bool) {
	var out []time.Weekday
	for d := time.Sunday; d <= time.Saturday; d++ {
		if c.dow&(1<<uint(d)) != 0 {
			out = append(out, d)
		}
	}
	return out, c.dowRestrict
}

// EveryDayOfMonth reports whether the expression runs on every day of every month (day-of-month
// and month are both "*"), as far as those two fields go.
func (c *Cron) EveryDayOfMonth() bool {
	return !c.domRestricted && c.month == cronAll(1, 12)
}

func cronAll(lo, hi int) uint64 {
	var s uint64
	for v := lo; v <= hi; v++ {
		s |= 1 << uint(v)
	}
	return s
}

// WallInstant returns the instant the wall clock in loc shows y-m-d hh:mm. On a daylight-saving
// fall-back day, when that wall time happens twice, it is the first of the two; on a
// spring-forward day, when it does not happen at all, it is the first instant after the gap.
func WallInstant(y int, m time.Month, d, hh, mm int, loc *time.Location) time.Time {
	return wallInstant(y, m, d, hh, mm, loc)
}
