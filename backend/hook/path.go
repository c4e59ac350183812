package hook

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Path limits.
const (
	MaxPathLen      = 512
	MaxPathSegments = 32
)

type segKind uint8

const (
	segKey   segKind = iota // .name
	segIndex                // [n]
	segAll                  // []: every element
)

type segment struct {
	kind  segKind
	key   string
	index int
}

// Path is a parsed payload path such as "data.contact.email", "items[0].sku" or "tags[]".
type Path struct {
	raw  string
	segs []segment
}

// String returns the path as written.
func (p Path) String() string { return p.raw }

// IsZero reports whether the path is empty (not set).
func (p Path) IsZero() bool { return len(p.segs) == 0 }

// multi reports whether the path has a [] segment and so yields a list.
func (p Path) multi() bool {
	for _, s := range p.segs {
		if s.kind == segAll {
			return true
		}
	}
	return false
}

// ParsePath parses a dotted payload path: object keys separated by ".", array elements as
// "[n]" and every element as "[]" ("items[].sku"). Keys may not contain ".", "[" or "]".
func ParsePath(s string) (Path, error) {
	if s == "" {
		return Path{}, fmt.Errorf("the path is empty; write it like \"data.contact.email\"")
	}
	if len(s) > MaxPathLen {
		return Path{}, fmt.Errorf("the path is longer than %d characters", MaxPathLen)
	}
	p := Path{raw: s}
	i := 0
	expectKey := true
	for i < len(s) {
		c := s[i]
		switch {
		case c == '[':
			if expectKey && len(p.segs) == 0 {
				return Path{}, fmt.Errorf("path %q starts with \"[\"; the payload is an object, so start with a field name", s)
			}
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return Path{}, fmt.Errorf("path %q has a \"[\" without \"]\"", s)
			}
			inner := s[i+1 : i+end]
			if inner == "" {
				p.segs = append(p.segs, segment{kind: segAll})
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 || n > 1_000_000 || strings.HasPrefix(inner, "+") {
					return Path{}, fmt.Errorf("path %q: %q is not an array position; use [0], [1], ... or [] for every element", s, "["+inner+"]")
				}
				p.segs = append(p.segs, segment{kind: segIndex, index: n})
			}
			i += end + 1
			expectKey = false
		case c == '.':
			if expectKey {
				return Path{}, fmt.Errorf("path %q has an empty part between dots", s)
			}
			i++
			expectKey = true
			if i == len(s) {
				return Path{}, fmt.Errorf("path %q ends with a dot", s)
			}
		case c == ']':
			return Path{}, fmt.Errorf("path %q has a \"]\" without \"[\"", s)
		default:
			if !expectKey {
				return Path{}, fmt.Errorf("path %q: put a dot before the field name after \"]\"", s)
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' && s[j] != ']' {
				j++
			}
			p.segs = append(p.segs, segment{kind: segKey, key: s[i:j]})
			i = j
			expectKey = false
		}
		if len(p.segs) > MaxPathSegments {
			return Path{}, fmt.Errorf("path %q is nested deeper than %d levels", s, MaxPathSegments)
		}
	}
	return p, nil
}

// Paths are alternatives tried in order: "data.contact.email | data.customer.email" reads the
// first one present. One payload shape often moves a field between event types (systeme.io puts
// a sale's buyer under data.customer, everyone else under data.contact).
type Paths []Path

// ParsePaths parses one path or several separated by "|".
func ParsePaths(s string) (Paths, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("the path is empty; write it like \"data.contact.email\"")
	}
	parts := strings.Split(s, "|")
	ps := make(Paths, 0, len(parts))
	for _, part := range parts {
		p, err := ParsePath(strings.TrimSpace(part))
		if err != nil {
			if len(parts) > 1 {
				return nil, fmt.Errorf("alternative %q: %w", strings.TrimSpace(part), err)
			}
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// Extract reads the first alternative that is present.
func (ps Paths) Extract(v any) (any, bool) {
	for _, p := range ps {
		if out, ok := p.Extract(v); ok {
			return out, true
		}
	}
	return nil, false
}

// IsZero reports whether no path is set.
func (ps Paths) IsZero() bool { return len(ps) == 0 }

// String returns the paths as written, joined by " | ".
func (ps Paths) String() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.raw
	}
	return strings.Join(parts, " | ")
}

// multi reports whether any alternative yields a list.
func (ps Paths) multi() bool {
	for _, p := range ps {
		if p.multi() {
			return true
		}
	}
	return false
}

// Extract reads the path from v. found is false when a step is missing (or the value is JSON
// null). A "[]" segment yields a list of what the rest of the path finds in every element
// (nested lists are flattened), found when the array itself exists.
func (p Path) Extract(v any) (out any, found bool) {
	return extract(v, p.segs)
}

func extract(v any, segs []segment) (any, bool) {
	for i, s := range segs {
		switch s.kind {
		case segKey:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[s.key]; !ok {
				return nil, false
			}
		case segIndex:
			a, ok := v.([]any)
			if !ok || s.index >= len(a) {
				return nil, false
			}
			v = a[s.index]
		case segAll:
			a, ok := v.([]any)
			if !ok {
				return nil, false
			}
			list := make([]any, 0, len(a))
			for _, el := range a {
				x, ok := extract(el, segs[i+1:])
				if !ok {
					continue
				}
				if sub, isList := x.([]any); isList && hasAll(segs[i+1:]) {
					list = append(list, sub...)
					continue
				}
				list = append(list, x)
			}
			return list, true
		}
	}
	return v, v != nil
}

func hasAll(segs []segment) bool {
	for _, s := range segs {
		if s.kind == segAll {
			return true
		}
	}
	return false
}

// PathSample is one leaf of a captured payload, offered in the UI's mapping picker.
type PathSample struct {
	Path   string `json:"path"`
	Type   string `json:"type"` // string, number, bool, null, list
	Sample any    `json:"sample"`
}

// MaxSamplePaths caps how many paths Flatten lists.
const MaxSamplePaths = 1000

// Flatten lists the leaf paths of a JSON value with a sample value each, sorted by path. Lists of
// scalars appear as "name[]" (sample: the list); lists of objects are described by their first
// element ("items[0].sku").
func Flatten(v any) []PathSample {
	var out []PathSample
	flatten(v, "", 0, &out)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func flatten(v any, prefix string, depth int, out *[]PathSample) {
	if len(*out) >= MaxSamplePaths || depth > MaxPathSegments {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			if k == "" || strings.ContainsAny(k, ".[]") {
				continue // not addressable by a path
			}
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			flatten(el, name, depth+1, out)
		}
	case []any:
		if len(x) > 0 {
			if _, isObj := x[0].(map[string]any); isObj {
				flatten(x[0], prefix+"[0]", depth+1, out)
				return
			}
		}
		sample := x
		if len(sample) > 5 {
			sample = sample[:5]
		}
		*out = append(*out, PathSample{Path: prefix + "[]", Type: "list", Sample: sample})
	default:
		if prefix == "" {
			return
		}
		*out = append(*out, PathSample{Path: prefix, Type: jsonType(x), Sample: x})
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	}
	return "number"
}
