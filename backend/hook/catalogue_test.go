package hook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemeioCatalogueMatchesFixtures: every field the catalogue lists for a systeme.io event
// is in systeme.io's own body for that event (null counts as present: systeme.io sends the key),
// and every fixture's event type is catalogued. The contact's fields are checked against every
// contact event, since a body with "fields": [] has none of them.
func TestSystemeioCatalogueMatchesFixtures(t *testing.T) {
	files, err := filepath.Glob("../../testdata/payloads/systemeio/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	byType := map[string][]map[string]any{}
	var all []map[string]any
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := decodePayload(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		typ, _ := p["type"].(string)
		byType[typ] = append(byType[typ], p)
		all = append(all, p)
	}
	catalogued := map[string]bool{}
	for _, ev := range Catalogue {
		if ev.Source != "systemeio" {
			continue
		}
		catalogued[ev.Type] = true
		bodies := byType[ev.Type]
		if len(bodies) == 0 {
			t.Errorf("%s is catalogued but has no fixture", ev.Type)
			continue
		}
		for _, pr := range ev.Properties {
			in := bodies
			if strings.HasPrefix(pr.Path, "data.contact.") {
				in = all
			}
			if !keyInAny(in, pr.Path) {
				t.Errorf("%s: catalogue field %q is not in systeme.io's body", ev.Type, pr.Path)
			}
		}
	}
	for typ := range byType {
		if !catalogued[typ] {
			t.Errorf("fixture type %s is not in the catalogue", typ)
		}
	}
}

func keyInAny(bodies []map[string]any, path string) bool {
	p, err := ParsePath(path)
	if err != nil {
		return false
	}
	for _, b := range bodies {
		if keyExists(b, p.segs) {
			return true
		}
	}
	return false
}

// keyExists is Extract that counts a null leaf as present and a [] segment as "any element".
func keyExists(v any, segs []segment) bool {
	if len(segs) == 0 {
		return true
	}
	s := segs[0]
	switch s.kind {
	case segKey:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		x, ok := m[s.key]
		if !ok {
			return false
		}
		if x == nil {
			return len(segs) == 1
		}
		return keyExists(x, segs[1:])
	case segAll:
		a, _ := v.([]any)
		for _, el := range a {
			if keyExists(el, segs[1:]) {
				return true
			}
		}
	case segIndex:
		a, _ := v.([]any)
		return s.index < len(a) && keyExists(a[s.index], segs[1:])
	}
	return false
}
