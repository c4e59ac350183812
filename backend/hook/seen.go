package hook

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
)

// CatalogueEntry is a catalogue event as the pickers get it: the built-in description, or an
// event type only seen on this machine (Source "seen"), with the fields of the latest stored
// payloads added (Seen true on those fields).
type CatalogueEntry struct {
	CatalogueEvent
	Properties []CatalogueField `json:"properties"`
	// LastSeen is when the latest event of this type arrived here (nil: never).
	LastSeen *time.Time `json:"last_seen,omitempty"`
}

// CatalogueField is a field of an entry: from the catalogue, or found in stored payloads.
type CatalogueField struct {
	CatalogueProperty
	Seen bool `json:"seen,omitempty"` // found in a stored payload
}

// Limits of what the catalogue reads from stored events.
const (
	MaxSeenTypes   = 500 // event types listed from this machine
	SeenSamples    = 5   // latest payloads read per type
	maxFieldsEach  = 200 // fields listed per event type
	maxFieldDepth  = 6
	maxSampleArray = 20
)

// WithSeen merges the catalogue with the event types stored on this machine: a catalogued type
// gets the fields its stored payloads have beyond the listed ones; a type the catalogue lacks is
// listed under "seen" with the fields of its payloads. Pure.
func WithSeen(catalogue []CatalogueEvent, seen []store.SeenEventType) []CatalogueEntry {
	byType := map[string]store.SeenEventType{}
	for _, s := range seen {
		byType[s.Type] = s
	}
	var out []CatalogueEntry
	listed := map[string]bool{}
	for _, ev := range catalogue {
		listed[ev.Type] = true
		e := CatalogueEntry{CatalogueEvent: ev}
		known := map[string]bool{}
		for _, p := range ev.Properties {
			e.Properties = append(e.Properties, CatalogueField{CatalogueProperty: p})
			known[p.Path] = true
		}
		if s, ok := byType[ev.Type]; ok {
			if at := s.LastSeen; !at.IsZero() {
				e.LastSeen = &at
			}
			for _, f := range SampleFields(s.Samples) {
				if !known[f.Path] && !coveredBy(f.Path, known) {
					e.Properties = append(e.Properties, CatalogueField{CatalogueProperty: f, Seen: true})
				}
			}
		}
		out = append(out, e)
	}
	for _, s := range seen {
		if listed[s.Type] {
			continue
		}
		e := CatalogueEntry{CatalogueEvent: CatalogueEvent{Type: s.Type, Source: "seen", Label: s.Type,
			Description: "Seen on this machine; the fields come from its latest events."}}
		if at := s.LastSeen; !at.IsZero() {
			e.LastSeen = &at
		} else {
			e.Description = "A webhook endpoint on this machine sends it; none has arrived yet."
		}
		for _, f := range SampleFields(s.Samples) {
			e.Properties = append(e.Properties, CatalogueField{CatalogueProperty: f, Seen: true})
		}
		out = append(out, e)
	}
	for i := range out {
		if out[i].Properties == nil {
			out[i].Properties = []CatalogueField{}
		}
	}
	return out
}

// coveredBy reports whether a payload path is a part of a catalogued field written with []
// (answers.q1 under "answers", chat.messages[].text under itself).
func coveredBy(path string, known map[string]bool) bool {
	for k := range known {
		if strings.HasPrefix(path, k+".") {
			return true
		}
	}
	return false
}

var rfc3339ish = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$`)

// SampleFields lists the fields of payloads as filter paths with a type each (string, number,
// bool, date, multi for lists; a list of objects gives path[].field), sorted by path.
func SampleFields(samples []map[string]any) []CatalogueProperty {
	types := map[string]string{}
	var walk func(prefix string, v any, depth int)
	walk = func(prefix string, v any, depth int) {
		if len(types) >= maxFieldsEach || depth > maxFieldDepth {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 0 && prefix != "" {
				return
			}
			for k, c := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, c, depth+1)
			}
			return
		case []any:
			objects := false
			for i, c := range x {
				if i >= maxSampleArray {
					break
				}
				if m, ok := c.(map[string]any); ok {
					objects = true
					walk(prefix+"[]", m, depth+1)
				}
			}
			if !objects {
				types[prefix] = "multi"
			}
			return
		}
		t := "string"
		switch x := v.(type) {
		case nil:
			if _, ok := types[prefix]; ok {
				return
			}
		case bool:
			t = "bool"
		case float64:
			t = "number"
		case string:
			if rfc3339ish.MatchString(x) {
				t = "date"
			}
		}
		if old, ok := types[prefix]; !ok || old == "string" && t != "string" {
			types[prefix] = t
		}
	}
	for _, s := range samples {
		walk("", s, 0)
	}
	out := make([]CatalogueProperty, 0, len(types))
	for p, t := range types {
		out = append(out, CatalogueProperty{Path: p, Type: t, Description: "seen in a stored event"})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
