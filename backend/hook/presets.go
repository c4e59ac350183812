package hook

import "sort"

// Preset is a built-in configuration for a known sender: it fills event, mapping and match so a
// payload becomes a contact and an event with no hand mapping.
type Preset struct {
	Name        string            `json:"name"`
	Label       string            `json:"label"`
	Description string            `json:"description"`
	Event       EventSpec         `json:"event"`
	OccurredAt  string            `json:"occurred_at,omitempty"`
	Scope       map[string]string `json:"scope,omitempty"`
	Match       string            `json:"match"`
	Mapping     []Field           `json:"mapping"`
}

// Presets are the built-in presets by name.
var Presets = map[string]*Preset{
	"systemeio": {
		Name:  "systemeio",
		Label: "systeme.io",
		Description: "systeme.io webhooks: {\"type\", \"data\": {..., \"contact\": {\"id\", \"email\", \"fields\"}}, " +
			"\"account\", \"created_at\"}. The event type is the payload's type (contact.optin.completed, ...).",
		Event:      EventSpec{Path: "type"},
		OccurredAt: "created_at",
		Scope: map[string]string{"funnel": "data.funnel.id", "course": "data.course.id",
			"webinar": "data.webinar.id", "campaign": "data.campaign.id"},
		Match: "email",
		Mapping: []Field{
			{Path: "data.contact.email", Property: "email", Type: TypeString, Required: true},
			{Path: "data.contact.id", Property: "systemeio_id", Type: TypeString},
			{Path: "data.contact.fields.first_name", Property: "first_name", Type: TypeString},
			{Path: "data.contact.fields.surname", Property: "last_name", Type: TypeString},
			{Path: "data.contact.fields.phone_number", Property: "phone", Type: TypeString},
			{Path: "data.contact.fields.city", Property: "city", Type: TypeString},
			{Path: "data.contact.fields.country", Property: "country", Type: TypeString},
			{Path: "data.contact.fields.company_name", Property: "company", Type: TypeString},
			{Path: "data.contact.tags[].name", Property: "tags", Type: TypeMulti},
		},
	},
	"webinargeek": {
		Name:  "webinargeek",
		Label: "WebinarGeek",
		Description: "WebinarGeek-style webinar webhooks: {\"event\": \"viewer\", \"webinar\", \"broadcast\", " +
			"\"subscriber\": {\"email\", ..., \"watch_pct\"}, \"created_at\"}; the event type is \"webinar.\" + event.",
		Event:      EventSpec{Path: "event", Prefix: "webinar."},
		OccurredAt: "created_at",
		Scope:      map[string]string{"webinar": "webinar.id", "broadcast": "broadcast.id"},
		Match:      "email",
		Mapping: []Field{
			{Path: "subscriber.email", Property: "email", Type: TypeString, Required: true},
			{Path: "subscriber.first_name", Property: "first_name", Type: TypeString},
			{Path: "subscriber.last_name", Property: "last_name", Type: TypeString},
			{Path: "subscriber.company", Property: "company", Type: TypeString},
			{Path: "subscriber.phone", Property: "phone", Type: TypeString},
			{Path: "subscriber.country", Property: "country", Type: TypeString},
			{Path: "subscriber.watch_pct", Property: "watch_pct", Type: TypeNumber},
		},
	},
}

// PresetNames lists the preset names, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(Presets))
	for n := range Presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
