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
	Body        string            `json:"body,omitempty"` // "form" for a sender that posts forms
	Scope       map[string]string `json:"scope,omitempty"`
	Match       string            `json:"match"`
	Mapping     []Field           `json:"mapping"`
}

// Presets are the built-in presets by name.
var Presets = map[string]*Preset{
	"systemeio": {
		Name:  "systemeio",
		Label: "systeme.io",
		Description: "systeme.io webhooks as systeme.io sends them: {\"type\", \"data\": {..., \"contact\": {\"id\", \"email\", \"fields\"}}, " +
			"\"account\", \"created_at\"}; a sale's buyer is data.customer. The event type is the payload's type " +
			"(contact.optin.completed, customer.sale.completed, ...); tag added/removed keep the contact's tags.",
		Event:      EventSpec{Path: "type"},
		OccurredAt: "created_at",
		// A webinar registration nests its funnel step under data.webinar; every other funnel
		// event has it at data.funnel_step.
		Scope: map[string]string{
			"funnel":        "data.funnel_step.funnel.id | data.webinar.funnel_step.funnel.id",
			"funnel_step":   "data.funnel_step.id | data.webinar.funnel_step.id",
			"blog":          "data.page_model.blog.id",
			"page":          "data.page_model.id",
			"webinar":       "data.webinar.id",
			"course":        "data.course.id",
			"course_bundle": "data.course_bundle.id",
			"campaign":      "data.campaign.id",
			"tag":           "data.tag.name",
			"price_plan":    "data.offer_price_plan.id",
		},
		Match: "email",
		Mapping: []Field{
			{Path: "data.contact.email | data.customer.email", Property: "email", Type: TypeString, Required: true},
			{Path: "data.contact.id | data.customer.contact_id", Property: "systemeio_id", Type: TypeString},
			{Path: "data.contact.fields.first_name | data.customer.fields.first_name", Property: "first_name", Type: TypeString},
			{Path: "data.contact.fields.surname | data.customer.fields.surname", Property: "last_name", Type: TypeString},
			{Path: "data.contact.fields.phone_number | data.customer.fields.phone_number", Property: "phone", Type: TypeString},
			{Path: "data.contact.fields.street_address | data.customer.fields.street_address", Property: "address", Type: TypeString},
			{Path: "data.contact.fields.postcode | data.customer.fields.postcode", Property: "zip", Type: TypeString},
			{Path: "data.contact.fields.city | data.customer.fields.city", Property: "city", Type: TypeString},
			{Path: "data.contact.fields.country | data.customer.fields.country", Property: "country", Type: TypeString},
			{Path: "data.contact.fields.company_name | data.customer.fields.company_name", Property: "company", Type: TypeString},
			{Path: "data.tag.name", Property: "tags", Type: TypeMulti, Op: OpAdd, On: []string{"contact.tag.added"}},
			{Path: "data.tag.name", Property: "tags", Type: TypeMulti, Op: OpRemove, On: []string{"contact.tag.removed"}},
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
	// ActiveCampaign posts its webhooks as forms with bracketed keys; "type" is the event
	// (subscribe: added to a list; contact_tag_added: tagged).
	"activecampaign": {
		Name:  "activecampaign",
		Label: "ActiveCampaign",
		Description: "ActiveCampaign webhooks as ActiveCampaign posts them (a form: type=subscribe or contact_tag_added, " +
			"list, tag, contact[email], contact[first_name], ...); the event type is \"activecampaign.\" + type; " +
			"a tag added joins the contact's tags.",
		Event: EventSpec{Path: "type", Prefix: "activecampaign."},
		Body:  BodyForm,
		Scope: map[string]string{"list": "list", "tag": "tag"},
		Match: "email",
		Mapping: []Field{
			{Path: "contact.email", Property: "email", Type: TypeString, Required: true},
			{Path: "contact.id", Property: "activecampaign_id", Type: TypeString},
			{Path: "contact.first_name", Property: "first_name", Type: TypeString},
			{Path: "contact.last_name", Property: "last_name", Type: TypeString},
			{Path: "contact.phone", Property: "phone", Type: TypeString},
			{Path: "contact.orgname", Property: "company", Type: TypeString},
			{Path: "tag", Property: "tags", Type: TypeMulti, Op: OpAdd, On: []string{"activecampaign.contact_tag_added"}},
		},
	},
	// A HubSpot workflow triggered by a form submission posts the contact (HubSpot's contact
	// record: properties with a value each, and its form submissions, newest first).
	"hubspot": {
		Name:  "hubspot",
		Label: "HubSpot form submitted",
		Description: "A HubSpot workflow's webhook after a form submission: the contact as HubSpot sends it " +
			"({\"vid\", \"properties\": {\"email\": {\"value\"}, ...}, \"form-submissions\": [...]}); the event type is hubspot.form_submitted.",
		Event: EventSpec{Type: "hubspot.form_submitted"},
		Scope: map[string]string{"form": "form-submissions[0].form-id", "portal": "portal-id"},
		Match: "email",
		Mapping: []Field{
			{Path: "properties.email.value", Property: "email", Type: TypeString, Required: true},
			{Path: "vid", Property: "hubspot_id", Type: TypeString},
			{Path: "properties.firstname.value", Property: "first_name", Type: TypeString},
			{Path: "properties.lastname.value", Property: "last_name", Type: TypeString},
			{Path: "properties.phone.value", Property: "phone", Type: TypeString},
			{Path: "properties.company.value", Property: "company", Type: TypeString},
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
