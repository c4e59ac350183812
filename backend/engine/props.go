package engine

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/flowdesk/flowdesk/backend/workflow"
)

// propOp is one property change a step makes. Ops are applied twice: to the enrollment's
// in-memory copy (so later branches see them) and, at commit, to the freshly loaded record, so
// a concurrent change to another property of the same record is never lost.
type propOp func(props map[string]any) error

func setOp(name string, value any, mode string) propOp {
	return func(p map[string]any) error {
		if mode != workflow.ModeAppend {
			p[name] = value
			return nil
		}
		p[name] = appendValues(p[name], value)
		return nil
	}
}

func clearOp(name string) propOp {
	return func(p map[string]any) error {
		delete(p, name)
		return nil
	}
}

func incrementOp(name string, by float64) propOp {
	return func(p map[string]any) error {
		if cur, ok := p[name].(int64); ok && by == math.Trunc(by) && math.Abs(by) < 1<<53 {
			next := cur + int64(by)
			if (by > 0 && next < cur) || (by < 0 && next > cur) {
				return fmt.Errorf("incrementing %q by %v overflows 64 bits", name, by)
			}
			p[name] = next
			return nil
		}
		cur, ok := asNumber(p[name])
		if !ok {
			return fmt.Errorf("property %q holds %v, which is not a number, so it cannot be incremented", name, p[name])
		}
		next := cur + by
		if math.IsInf(next, 0) || math.IsNaN(next) {
			return fmt.Errorf("incrementing %q by %v overflows", name, by)
		}
		p[name] = next
		return nil
	}
}

// appendValues adds values to a multi-value property, keeping order and dropping duplicates
// (case-insensitively for strings). A scalar current value becomes the first element.
func appendValues(cur, add any) any {
	var out []any
	seen := map[string]bool{}
	push := func(v any) {
		if v == nil {
			return
		}
		k := strings.ToLower(fmt.Sprint(v))
		if seen[k] {
			return
		}
		seen[k] = true
		out = append(out, v)
	}
	for _, v := range toList(cur) {
		push(v)
	}
	for _, v := range toList(add) {
		push(v)
	}
	if out == nil {
		out = []any{}
	}
	return out
}

// removeValues takes values out of a multi-value property (case-insensitively for strings, as
// appendValues compares them).
func removeValues(cur, drop any) any {
	gone := map[string]bool{}
	for _, v := range toList(drop) {
		gone[strings.ToLower(fmt.Sprint(v))] = true
	}
	out := []any{}
	for _, v := range toList(cur) {
		if !gone[strings.ToLower(fmt.Sprint(v))] {
			out = append(out, v)
		}
	}
	return out
}

func toList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case string:
		if x == "" {
			return nil
		}
		// HubSpot stores multi-checkbox values as "a;b;c".
		if strings.Contains(x, ";") {
			var out []any
			for _, s := range strings.Split(x, ";") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
			return out
		}
		return []any{x}
	default:
		return []any{x}
	}
}

// asNumber reads a number from a property value; a missing value counts as 0.
func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case nil:
		return 0, true
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		if strings.TrimSpace(x) == "" {
			return 0, true
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
