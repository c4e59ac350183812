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
// "event.a.b" reads the event; each through Lookup. "company.industry" reads the associated
// companies (see associatedValue) when the record itself has nothing there.
func (e Env) Value(ref string) any {
	if rest, ok := strings.CutPrefix(ref, "event."); ok {
		return Lookup(e.Event, rest)
	}
	v := Lookup(e.Record, strings.TrimPrefix(ref, "record."))
	if v == nil && e.Associated != nil {
		if typ, rest, ok := strings.Cut(ref, "."); ok {
			if recs, ok := e.Associated[typ]; ok {
				return associatedValue(recs, rest)
			}
		}
	}
	return v
}

// associatedValue reads path in the associated records of one type: nothing for none, the
// value itself for one, and for several the list of their values (lists flattened), so a rule
// matches when any associated record matches, as multi-value properties do.
func associatedValue(recs []map[string]any, path string) any {
	switch len(recs) {
	case 0:
		return nil
	case 1:
		return Lookup(recs[0], path)
	}
	var out []any
	for _, r := range recs {
		switch v := Lookup(r, path).(type) {
		case nil:
		case []any:
			out = append(out, v...)
		default:
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
