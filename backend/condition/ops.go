package condition

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// This file holds the run-time side of the structured operators: value coercion and the
// functions registered in expr as op_<name>.

const day = 24 * time.Hour

// operand is a rule value, parsed once at compile time.
type operand struct {
	isStr    bool   // the value was a string
	str      string // the string as given
	lower    string // strings.ToLower(str)
	hasNum   bool   // the value is (or parses as) a number
	num      float64
	hasBool  bool // the value is (or parses as) a bool
	b        bool
	hasTime  bool // the value is (or parses as) a date
	t        time.Time
	dateOnly bool // the date was "YYYY-MM-DD": it means the whole UTC day
	list     []*operand
	dur      time.Duration
}

// toNumber coerces a data value to a float64.
func toNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case float32:
		return float64(x), !math.IsNaN(float64(x))
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		return parseNumber(string(x))
	case string:
		return parseNumber(x)
	}
	return 0, false
}

// parseNumber parses a finite decimal number ("42", " 3.5 ", "-1e3").
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseBool accepts "true" and "false" in any case.
func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// parseDate parses an RFC 3339 timestamp or a "YYYY-MM-DD" date (UTC); dateOnly tells which.
func parseDate(s string) (t time.Time, dateOnly bool, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 || len(s) > 40 {
		return time.Time{}, false, false
	}
	if len(s) == 10 {
		t, err := time.Parse(time.DateOnly, s)
		return t, true, err == nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, false, true
	}
	if t, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
		return t, false, true
	}
	return time.Time{}, false, false
}

// fromUnixMilli turns unix milliseconds into a time, rejecting absurd values.
func fromUnixMilli(ms float64) (time.Time, bool) {
	const limit = 1e15 // about year 33658
	if math.IsNaN(ms) || ms > limit || ms < -limit {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(ms)).UTC(), true
}

// toTime coerces a data value to a time: time.Time, an RFC 3339 or "YYYY-MM-DD" string, or
// unix milliseconds (a number or numeric string).
func toTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case *time.Time:
		if x == nil {
			return time.Time{}, false
		}
		return *x, true
	case string:
		if t, _, ok := parseDate(x); ok {
			return t, true
		}
		if n, ok := parseNumber(x); ok {
			return fromUnixMilli(n)
		}
		return time.Time{}, false
	case bool:
		return time.Time{}, false
	}
	if n, ok := toNumber(v); ok {
		return fromUnixMilli(n)
	}
	return time.Time{}, false
}

// parseWithin parses a within_last duration: "90s", "15m", "2h", "3d", "2w", or a Go
// duration such as "1h30m". It must be positive and at most about 100 years.
func parseWithin(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	const maxDur = 100 * 365 * day
	if len(s) < 2 || len(s) > 32 {
		return 0, false
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': day, 'w': 7 * day}[s[len(s)-1]]
	if n, err := strconv.ParseInt(s[:len(s)-1], 10, 64); err == nil && unit != 0 {
		if n <= 0 || n > int64(maxDur/unit) {
			return 0, false
		}
		return time.Duration(n) * unit, true
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > maxDur {
		return 0, false
	}
	return d, true
}

// elements returns the elements of a list value ([]any, []string, or any other slice).
func elements(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	case string, nil, []byte:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// isKnown reports whether a value is present: not nil, not "" and not an empty list.
func isKnown(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	}
	if els, ok := elements(v); ok {
		return len(els) > 0
	}
	return true
}

// anyElem applies a scalar test to a value, or to each element of a list value (true if
// any element passes). A missing value never passes.
func anyElem(v any, o *operand, test func(e any, o *operand) bool) bool {
	if v == nil || o == nil {
		return false
	}
	if els, ok := elements(v); ok {
		for _, e := range els {
			if e != nil && test(e, o) {
				return true
			}
		}
		return false
	}
	return test(v, o)
}

// timeEq compares a data time with a date operand (a whole day when dateOnly).
func timeEq(t time.Time, o *operand) bool {
	if o.dateOnly {
		return !t.Before(o.t) && t.Before(o.t.Add(day))
	}
	return t.Equal(o.t)
}

// eqScalar is the scalar equality of eq, in and contains-on-lists.
func eqScalar(e any, o *operand) bool {
	switch x := e.(type) {
	case string:
		if o.isStr && strings.EqualFold(x, o.str) {
			return true
		}
		if o.hasNum {
			if n, ok := parseNumber(x); ok {
				return n == o.num
			}
		}
		if o.hasBool {
			if b, ok := parseBool(x); ok {
				return b == o.b
			}
		}
		if o.hasTime {
			if t, _, ok := parseDate(x); ok {
				return timeEq(t, o)
			}
		}
		return false
	case bool:
		return o.hasBool && x == o.b
	case time.Time:
		return o.hasTime && timeEq(x, o)
	}
	if n, ok := toNumber(e); ok {
		if o.hasNum {
			return n == o.num
		}
		if o.hasTime {
			t, ok := fromUnixMilli(n)
			return ok && timeEq(t, o)
		}
	}
	return false
}

// inScalar is true when the element equals any value of the operand list.
func inScalar(e any, o *operand) bool {
	for _, item := range o.list {
		if eqScalar(e, item) {
			return true
		}
	}
	return false
}

// containsScalar: substring on text, element equality is handled by the caller for lists.
func containsScalar(e any, o *operand) bool {
	s, ok := e.(string)
	return ok && strings.Contains(strings.ToLower(s), o.lower)
}

// startsScalar is a case-insensitive prefix test on text.
func startsScalar(e any, o *operand) bool {
	s, ok := e.(string)
	return ok && strings.HasPrefix(strings.ToLower(s), o.lower)
}

// endsScalar is a case-insensitive suffix test on text.
func endsScalar(e any, o *operand) bool {
	s, ok := e.(string)
	return ok && strings.HasSuffix(strings.ToLower(s), o.lower)
}

// orderScalar compares a data value with an ordered operand (a number or a date); a type
// mismatch is false.
func orderScalar(e any, o *operand, op Op) bool {
	if o.hasTime {
		t, ok := toTime(e)
		if !ok {
			return false
		}
		switch op {
		case OpGt, OpAfter:
			if o.dateOnly {
				return !t.Before(o.t.Add(day))
			}
			return t.After(o.t)
		case OpGte:
			return !t.Before(o.t)
		case OpLt, OpBefore:
			return t.Before(o.t)
		case OpLte:
			if o.dateOnly {
				return t.Before(o.t.Add(day))
			}
			return !t.After(o.t)
		}
		return false
	}
	if !o.hasNum {
		return false
	}
	var n float64
	if t, ok := e.(time.Time); ok {
		n = float64(t.UnixMilli())
	} else if v, ok := toNumber(e); ok {
		n = v
	} else {
		return false
	}
	switch op {
	case OpGt:
		return n > o.num
	case OpGte:
		return n >= o.num
	case OpLt:
		return n < o.num
	case OpLte:
		return n <= o.num
	}
	return false
}

// asOperand extracts the compiled operand passed by lit(i); a raw expression calling an
// op_ function directly with a plain value gets nil, which never matches.
func asOperand(v any) *operand {
	o, _ := v.(*operand)
	return o
}

// matchOp evaluates one structured operator. It never panics and never errors.
func matchOp(op Op, v any, o *operand, now time.Time) bool {
	switch op {
	case OpIsKnown:
		return isKnown(v)
	case OpIsUnknown:
		return !isKnown(v)
	}
	if o == nil {
		return false
	}
	switch op {
	case OpEq:
		return anyElem(v, o, eqScalar)
	case OpNeq:
		return !anyElem(v, o, eqScalar)
	case OpIn:
		return anyElem(v, o, inScalar)
	case OpNotIn:
		return !anyElem(v, o, inScalar)
	case OpContains:
		return containsValue(v, o)
	case OpNotContains:
		return !containsValue(v, o)
	case OpStartsWith:
		return anyElem(v, o, startsScalar)
	case OpEndsWith:
		return anyElem(v, o, endsScalar)
	case OpGt, OpGte, OpLt, OpLte, OpBefore, OpAfter:
		return anyElem(v, o, func(e any, o *operand) bool { return orderScalar(e, o, op) })
	case OpWithinLast:
		return anyElem(v, o, func(e any, o *operand) bool {
			t, ok := toTime(e)
			return ok && !t.Before(now.Add(-o.dur)) && !t.After(now)
		})
	}
	return false
}

// containsValue: a substring test on text, an element-equality test on a list.
func containsValue(v any, o *operand) bool {
	if _, ok := elements(v); ok {
		return anyElem(v, o, eqScalar)
	}
	return anyElem(v, o, containsScalar)
}
