package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/flowdesk/flowdesk/backend/property"
	"github.com/flowdesk/flowdesk/backend/store"
)

// builtinChoicesOffered: on a fresh database every seeded built-in choice property (all six)
// offers HubSpot's standard options (the choice-options migrations), and nothing else.
func builtinChoicesOffered(t *testing.T, s store.Store) {
	props, err := s.Properties(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range store.BuiltinChoices {
		i := slices.IndexFunc(props, func(p store.Property) bool { return p.Object == c.Object && p.Name == c.Name })
		if i < 0 {
			t.Errorf("built-in property %s.%s missing", c.Object, c.Name)
			continue
		}
		want := c.Options
		if !c.Seeded {
			want = nil
		}
		if p := props[i]; p.Type != "enum" || !slices.Equal(p.Options, want) {
			t.Errorf("%s.%s is %s with options %v, want enum with %v", c.Object, c.Name, p.Type, p.Options, want)
		}
	}
}

// LegacyChoiceRecord is a record as an integration wrote it before the built-in choice
// properties had options: its type and its properties (JSON).
type LegacyChoiceRecord struct{ Type, Properties string }

// LegacyChoiceRecords are written, on each store, to a database migrated up to just before a
// choice-options migration; CheckLegacyChoices then checks the migrated result.
var LegacyChoiceRecords = []LegacyChoiceRecord{
	{"contact", `{"lifecycle": "Webinar attendee", "lead_status": "went on"}`},
	{"contact", `{"lifecycle": "vip"}`},
	{"contact", `{"lifecycle": "CUSTOMER"}`}, // a standard one in other case: no new option
	{"contact", `{"lifecycle": "  "}`},       // blank: no option
	{"contact", `{"lifecycle": 7}`},          // a number sent as one
	{"contact", `{"industry": "not a contact property"}`},
	{"company", `{"industry": "software"}`},
	{"deal", `{"stage": "live"}`},
	{"ticket", `{"priority": "P1", "status": "Escalated"}`},
	{"ticket", `{"priority": "HIGH", "status": "escalated"}`}, // a standard one, and a repeat
}

// CheckLegacyChoices checks a database that held LegacyChoiceRecords before a choice-options
// migration: each seeded built-in choice property has the standard options followed by the
// values its records held (sorted; one differing from a standard option or another only in case
// adds nothing), and nothing else. The properties named in seededBefore ("ticket.priority") had
// their options already when the records were written (an earlier migration gave them): they
// keep just the standard ones, as the step leaves a property with options alone.
func CheckLegacyChoices(t *testing.T, s store.Store, seededBefore ...string) {
	t.Helper()
	held := map[string][]string{ // what the records held beyond the standard options, sorted
		"contact.lifecycle":   {"7", "Webinar attendee", "vip"},
		"contact.lead_status": {"went on"},
		"company.industry":    {"software"},
		"deal.stage":          {"live"},
		"ticket.priority":     {"P1"},
		"ticket.status":       {"Escalated"},
	}
	want := map[string][]string{}
	for _, c := range store.BuiltinChoices {
		key := c.Object + "." + c.Name
		switch {
		case !c.Seeded:
			want[key] = nil // not seeded: still any text
		case slices.Contains(seededBefore, key):
			want[key] = slices.Clone(c.Options)
		default:
			want[key] = append(slices.Clone(c.Options), held[key]...)
		}
	}
	props, err := s.Properties(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range props {
		w, ok := want[p.Object+"."+p.Name]
		if !ok {
			continue
		}
		delete(want, p.Object+"."+p.Name)
		if !slices.Equal(p.Options, w) {
			t.Errorf("after the migration %s.%s has options %q, want %q", p.Object, p.Name, p.Options, w)
		}
	}
	for k := range want {
		t.Errorf("property %s missing after the migration", k)
	}
}

// CheckChoiceTaken checks that s's property object.name takes value, as stored (want).
func CheckChoiceTaken(t *testing.T, s store.Store, object, name, value string, want any) {
	t.Helper()
	q := choiceProperty(t, s, object, name)
	if v, err := property.Convert(value, q.Type, q.Options); err != nil || v != want {
		t.Errorf("%s.%s = %q: %v, %v; want it taken as %v (options %q)", object, name, value, v, err, want, q.Options)
	}
}

// CheckChoiceRefused checks that s's property object.name has options and refuses value.
func CheckChoiceRefused(t *testing.T, s store.Store, object, name, value string) {
	t.Helper()
	q := choiceProperty(t, s, object, name)
	if len(q.Options) == 0 {
		t.Errorf("%s.%s has no options, so it takes any text", object, name)
	}
	if v, err := property.Convert(value, q.Type, q.Options); err == nil {
		t.Errorf("%s.%s = %q was taken as %v, want it refused (options %q)", object, name, value, v, q.Options)
	}
}

func choiceProperty(t *testing.T, s store.Store, object, name string) store.Property {
	t.Helper()
	props, err := s.Properties(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(props, func(p store.Property) bool { return p.Object == object && p.Name == name })
	if i < 0 {
		t.Fatalf("property %s.%s missing", object, name)
	}
	return props[i]
}
