package condition

import "strings"

// This file holds the one reading of a dotted path ("webinar.id", "record.city", "event.a.b")
// that filters, triggers, templates and steps share, so a value reads the same everywhere.

// Lookup reads a dotted path from m. At each level the whole rest of the path is tried as one
// key first, because a property may itself be named "a.b"; otherwise the part before the first
// dot names a nested object and the rest is read inside it. A missing step gives nil.
func Lookup(m map[string]any, path string) any {
	var cur any = m
	for {
		switch x := cur.(type) {
		case map[string]any:
			if v, ok := x[path]; ok {
				return v
			}
			key, rest, found := strings.Cut(path, ".")
			if !found {
				return nil
			}
			cur, path = x[key], rest
		case map[string]string:
			if v, ok := x[path]; ok {
				return v
			}
			key, rest, found := strings.Cut(path, ".")
			if !found {
				return nil
			}
			v, ok := x[key]
			if !ok {
				return nil
			}
			cur, path = v, rest
		default:
			return nil
		}
	}
}

// Value reads a reference the way a filter names it: "x" and "record.x" read the record,
// "event.a.b" reads the event; each through Lookup.
func (e Env) Value(ref string) any {
	if rest, ok := strings.CutPrefix(ref, "event."); ok {
		return Lookup(e.Event, rest)
	}
	return Lookup(e.Record, strings.TrimPrefix(ref, "record."))
}
