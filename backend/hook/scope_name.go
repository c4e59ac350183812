package hook

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ScopeName names a scope value from an event's data, for pickers: the title or name of the
// object in the payload whose id is the value (WebinarGeek's webinar {id, title}, systeme.io's
// funnel_step.funnel {id, name}). Every preset puts an object's id and name side by side, so
// one rule serves them all. An object held under the scope's own key wins over another with
// the same id (a webinar and a broadcast may share a number); "" when nothing names it.
func ScopeName(key, value string, data map[string]any) string {
	var other string
	var walk func(field string, v any, depth int) bool
	walk = func(field string, v any, depth int) bool {
		if depth > 6 { // payloads nest a few levels; the depth bounds a hostile one
			return false
		}
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["id"]; ok && idText(id) == value {
				if n := titleOf(x); n != "" {
					if field == key {
						other = n
						return true
					}
					if other == "" {
						other = n
					}
				}
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys) // the same answer every time
			for _, k := range keys {
				if walk(k, x[k], depth+1) {
					return true
				}
			}
		case []any:
			for _, child := range x {
				if walk(field, child, depth+1) {
					return true
				}
			}
		}
		return false
	}
	walk("", data, 0)
	return other
}

func titleOf(m map[string]any) string {
	for _, k := range []string{"title", "name"} {
		if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// idText is an id as a scope holds it: numbers as their decimal text (ids arrive as numbers).
func idText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}
