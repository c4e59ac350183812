package hook

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/flowdesk/flowdesk/backend/store"
)

// CatalogueProperty is a field of a catalogued event's payload.
type CatalogueProperty struct {
	Path        string `json:"path"` // payload path, e.g. "subscriber.watch_pct"
	Type        string `json:"type"` // string, number, bool, date, multi
	Description string `json:"description"`
}

// CatalogueEvent is a built-in event type the UI offers for event triggers.
type CatalogueEvent struct {
	Type        string              `json:"type"`
	Source      string              `json:"source"` // preset name of the sender
	Label       string              `json:"label"`
	Description string              `json:"description"`
	Properties  []CatalogueProperty `json:"properties"`
}

func prop(path, typ, desc string) CatalogueProperty {
	return CatalogueProperty{Path: path, Type: typ, Description: desc}
}

// webinarCommon are the fields every webinar event carries.
var webinarCommon = []CatalogueProperty{
	prop("webinar.id", "string", "webinar id (the \"webinar\" scope)"),
	prop("webinar.title", "string", "webinar title"),
	prop("broadcast.id", "string", "broadcast (session) id (the \"broadcast\" scope)"),
	prop("broadcast.starts_at", "date", "when the broadcast starts"),
	prop("subscriber.email", "string", "the subscriber's email (matches the contact)"),
	prop("subscriber.first_name", "string", "first name"),
	prop("subscriber.last_name", "string", "last name"),
	prop("created_at", "date", "when it happened"),
}

func webinar(typ, label, desc string, extra ...CatalogueProperty) CatalogueEvent {
	props := append(append([]CatalogueProperty{}, webinarCommon...), extra...)
	return CatalogueEvent{Type: typ, Source: "webinargeek", Label: label, Description: desc, Properties: props}
}

var watchProps = []CatalogueProperty{
	prop("subscriber.watch_pct", "number", "percentage of the broadcast watched (0-100); filter on it for \"minimum watch time\""),
	prop("subscriber.minutes_viewed", "number", "minutes watched"),
}

// systemeContact are the fields of the contact every systeme.io contact event carries. fields is
// [] when the contact has none; ids are numbers; names may hold escaped unicode ("cr\\u00e9er").
var systemeContact = []CatalogueProperty{
	prop("data.contact.id", "number", "systeme.io contact id (the record's systemeio_id)"),
	prop("data.contact.email", "string", "the contact's email (matches the contact)"),
	prop("data.contact.fields.first_name", "string", "first name (absent when the contact has no fields)"),
	prop("data.contact.fields.surname", "string", "last name"),
	prop("data.contact.ip", "string", "the contact's IP address, or null"),
	prop("data.contact.referred_by_contact_id", "number", "the affiliate who referred the contact, or null"),
	prop("data.contact.referred_by_contact_email", "string", "the referring affiliate's email, or null"),
	prop("account.email", "string", "the systeme.io account that sent it"),
	prop("created_at", "date", "when it happened (the event's time)"),
}

// systemeFunnelStep are the funnel step fields of opt-ins, page visits and sales.
var systemeFunnelStep = []CatalogueProperty{
	prop("data.funnel_step.id", "number", "funnel step id (the \"funnel_step\" scope)"),
	prop("data.funnel_step.name", "string", "funnel step name"),
	prop("data.funnel_step.type", "string", "funnel step type (squeeze, offer-form, ...)"),
	prop("data.funnel_step.funnel.id", "number", "funnel id (the \"funnel\" scope)"),
	prop("data.funnel_step.funnel.name", "string", "funnel name"),
}

func systeme(typ, label, desc string, groups ...[]CatalogueProperty) CatalogueEvent {
	var props []CatalogueProperty
	for _, g := range groups {
		props = append(props, g...)
	}
	return CatalogueEvent{Type: typ, Source: "systemeio", Label: label, Description: desc, Properties: props}
}

func props(ps ...CatalogueProperty) []CatalogueProperty { return ps }

// surveyCommon are the fields of every survey event, as Enalyzer-style survey tools send them
// (a survey, a respondent matched to the contact by email, one response).
var surveyCommon = []CatalogueProperty{
	prop("survey.id", "string", "survey id (the \"survey\" scope)"),
	prop("survey.name", "string", "survey name"),
	prop("respondent.email", "string", "the respondent's email (matches the contact)"),
	prop("respondent.first_name", "string", "first name"),
	prop("respondent.last_name", "string", "last name"),
	prop("response.id", "string", "response id"),
	prop("response.started_at", "date", "when the respondent opened the survey"),
	prop("answers", "string", "the answers by question id: filter on answers.<question id>"),
}

func survey(typ, label, desc string, extra ...CatalogueProperty) CatalogueEvent {
	return CatalogueEvent{Type: typ, Source: "survey", Label: label, Description: desc, Properties: append(append([]CatalogueProperty{}, surveyCommon...), extra...)}
}

// activeContact are the contact fields of every ActiveCampaign webhook (a form: contact[email]
// arrives as contact.email; every value is text).
var activeContact = []CatalogueProperty{
	prop("contact.id", "string", "ActiveCampaign contact id (the record's activecampaign_id)"),
	prop("contact.email", "string", "the contact's email (matches the contact)"),
	prop("contact.first_name", "string", "first name"),
	prop("contact.last_name", "string", "last name"),
	prop("contact.phone", "string", "phone number"),
	prop("contact.orgname", "string", "organisation (the record's company)"),
	prop("contact.tags", "string", "all the contact's tags, comma-separated"),
	prop("contact.ip", "string", "the contact's IP address"),
	prop("date_time", "string", "when it happened, in the account's time zone (\"2026-03-02 09:00:00\")"),
	prop("initiated_from", "string", "admin, public, api or system"),
	prop("initiated_by", "string", "who made the change"),
}

func activecampaign(typ, label, desc string, extra ...CatalogueProperty) CatalogueEvent {
	return CatalogueEvent{Type: typ, Source: "activecampaign", Label: label, Description: desc, Properties: append(append([]CatalogueProperty{}, extra...), activeContact...)}
}

// Sources names the senders of catalogued events, in the order the pickers group them; "seen"
// holds the event types stored on this machine that the catalogue does not list.
var Sources = []CatalogueSource{
	{ID: "webinargeek", Label: "WebinarGeek"},
	{ID: "systemeio", Label: "systeme.io"},
	{ID: "survey", Label: "Surveys (Enalyzer-style)"},
	{ID: "activecampaign", Label: "ActiveCampaign"},
	{ID: "hubspot", Label: "HubSpot"},
	{ID: "seen", Label: "Seen on this machine"},
}

// CatalogueSource is a sender of events.
type CatalogueSource struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Catalogue lists the built-in event types (see docs/events.md).
var Catalogue = []CatalogueEvent{
	webinar("webinar.registered", "Registration", "A contact registered for a webinar broadcast.",
		prop("subscription.id", "string", "registration id"), prop("subscription.source", "string", "where the registration came from")),
	webinar("webinar.unsubscribed", "Unsubscribed", "A registrant cancelled their registration."),
	webinar("webinar.payment", "Payment", "A registrant paid for a paid webinar.",
		prop("payment.amount", "number", "amount paid"), prop("payment.currency", "string", "ISO currency code"), prop("payment.id", "string", "payment id")),
	webinar("webinar.viewer", "Viewer", "A registrant watched the broadcast, live or replay (sent after the broadcast).", watchProps...),
	webinar("webinar.live_viewer", "Live viewer", "A registrant watched the live broadcast.", watchProps...),
	webinar("webinar.replay_viewer", "Replay viewer", "A registrant watched the replay.", watchProps...),
	webinar("webinar.started_watching", "Started watching", "A registrant joined the broadcast.", prop("joined_at", "date", "when they joined")),
	webinar("webinar.non_viewer", "Non-viewer", "A registrant did not attend (sent after the broadcast)."),
	webinar("webinar.quiz_passed", "Quiz passed", "A viewer passed the webinar's quiz.",
		prop("quiz.id", "string", "quiz id"), prop("quiz.score_pct", "number", "score in percent")),
	webinar("webinar.channel_lead", "Channel lead", "A contact subscribed to the webinar channel.", prop("channel.id", "string", "channel id"), prop("channel.name", "string", "channel name")),
	webinar("webinar.broadcast_cancelled", "Broadcast cancelled", "The broadcast was cancelled (sent for each registrant).", prop("broadcast_cancel.reason", "string", "reason given")),
	webinar("webinar.question", "Q&A question", "A viewer asked a question.", prop("question.text", "string", "the question"), prop("question.answered", "bool", "whether it was answered")),
	webinar("webinar.question_box_message", "Question box message", "A viewer sent a message in the question box (sent at once, during the broadcast).",
		prop("message.text", "string", "the message"), prop("message.sent_at", "date", "when it was sent"), prop("message.private", "bool", "only the hosts see it")),
	webinar("webinar.chat_messages", "Chat messages after the webinar", "The chat messages a viewer wrote, sent once within 2 hours after the live broadcast.",
		prop("chat.count", "number", "how many messages the viewer wrote"), prop("chat.messages[].text", "multi", "the messages")),
	webinar("webinar.poll_vote", "Poll vote", "A viewer voted in a poll.", prop("poll.question", "string", "the poll"), prop("poll.answers[]", "multi", "chosen answers")),
	webinar("webinar.quiz_answer", "Quiz answer", "A viewer answered a quiz question.", prop("quiz.question", "string", "the question"), prop("quiz.answer", "string", "the answer"), prop("quiz.correct", "bool", "whether it was right")),
	webinar("webinar.call_to_action", "Call to action", "A viewer clicked a call-to-action button.", prop("cta.title", "string", "button text"), prop("cta.url", "string", "target address")),
	webinar("webinar.evaluation", "Evaluation form", "A viewer filled in the evaluation form.", prop("evaluation.rating", "number", "rating 1-5"), prop("evaluation.comment", "string", "free text")),
	webinar("webinar.ended", "Webinar ended", "The broadcast ended (sent for each registrant, with their watch time).", append([]CatalogueProperty{prop("broadcast_end.ended_at", "date", "when the broadcast ended")}, watchProps...)...),

	systeme("contact.optin.completed", "Opt-in completed", "A contact submitted an opt-in form on a funnel step or a blog page.",
		systemeFunnelStep, props(
			prop("data.page_model.id", "number", "blog page id, for an opt-in on a blog (the \"page\" scope)"),
			prop("data.page_model.name", "string", "blog page name"),
			prop("data.page_model.blog.id", "number", "blog id (the \"blog\" scope)"),
			prop("data.page_model.blog.name", "string", "blog name")), systemeContact),
	systeme("customer.sale.completed", "Sale completed", "A customer bought an offer. The buyer is data.customer, not data.contact.",
		props(
			prop("data.customer.id", "number", "customer id"),
			prop("data.customer.contact_id", "number", "the buyer's contact id (the record's systemeio_id)"),
			prop("data.customer.email", "string", "the buyer's email (matches the contact)"),
			prop("data.customer.payment_processor", "string", "stripe, paypal, ..."),
			prop("data.customer.fields.first_name", "string", "first name"),
			prop("data.customer.fields.surname", "string", "last name"),
			prop("data.customer.fields.country", "string", "country code"),
			prop("data.customer.fields.city", "string", "city"),
			prop("data.customer.fields.postcode", "string", "postcode"),
			prop("data.customer.fields.street_address", "string", "street address"),
			prop("data.customer.fields.phone_number", "string", "phone number"),
			prop("data.customer.client_ip", "string", "the buyer's IP address"),
		), systemeFunnelStep, props(
			prop("data.offer_price_plan.id", "number", "price plan id (the \"price_plan\" scope)"),
			prop("data.offer_price_plan.name", "string", "price plan name"),
			prop("data.offer_price_plan.inner_name", "string", "price plan internal name"),
			prop("data.offer_price_plan.type", "string", "one_shot or subscription"),
			prop("data.offer_price_plan.direct_charge_amount", "number", "amount charged"),
			prop("data.offer_price_plan.currency", "string", "currency code (eur, usd, ...)"),
			prop("data.offer_price_plan.subscription_plan", "string", "the subscription plan, or null"),
			prop("data.order.id", "number", "order id"),
			prop("data.order.created_at", "date", "when the order was made"),
			prop("data.order_item.id", "number", "order item id"),
			prop("data.order_item.resources[].type", "multi", "what the purchase grants: systemeio_tag, membership_course, ..."),
			prop("data.order_item.resources[].data.name", "multi", "names of the tags and courses granted"),
			prop("data.coupon", "string", "the coupon used, or null"),
			prop("account.email", "string", "the systeme.io account that sent it"),
			prop("created_at", "date", "when it happened (the event's time)"))),
	systeme("contact.tag.added", "Tag added", "A tag was added to a contact; the contact's tags gain it.",
		props(prop("data.tag.id", "number", "tag id"), prop("data.tag.name", "string", "the tag (the \"tag\" scope)")), systemeContact),
	systeme("contact.tag.removed", "Tag removed", "A tag was removed from a contact; the contact's tags lose it.",
		props(prop("data.tag.id", "number", "tag id"), prop("data.tag.name", "string", "the tag (the \"tag\" scope)")), systemeContact),
	systeme("contact.webinar.registered", "Webinar registration", "A contact registered for a systeme.io webinar.",
		props(
			prop("data.webinar.id", "number", "webinar id (the \"webinar\" scope)"),
			prop("data.webinar.duration", "string", "duration in seconds, as text (\"7200\")"),
			prop("data.webinar.funnel_step.id", "number", "registration funnel step id (the \"funnel_step\" scope)"),
			prop("data.webinar.funnel_step.name", "string", "registration funnel step name"),
			prop("data.webinar.funnel_step.funnel.id", "number", "funnel id (the \"funnel\" scope)"),
			prop("data.webinar.funnel_step.funnel.name", "string", "funnel name"),
			prop("data.registered_at", "date", "when the contact registered"),
			prop("data.scheduled_at", "date", "when the webinar starts")), systemeContact),
	systeme("contact.course.enrolled", "Course enrollment", "A contact was enrolled in a course.",
		props(
			prop("data.course.id", "number", "course id (the \"course\" scope)"),
			prop("data.course.name", "string", "course name"),
			prop("data.course.description", "string", "course description, or null"),
			prop("data.access_type", "string", "full_access or dripping")), systemeContact),
	systeme("contact.course_bundle.enrolled", "Course bundle enrollment", "A contact was enrolled in a course bundle.",
		props(
			prop("data.course_bundle.id", "number", "bundle id (the \"course_bundle\" scope)"),
			prop("data.course_bundle.name", "string", "bundle name"),
			prop("data.access_type", "string", "full_access or dripping"),
			prop("data.first_active_course", "string", "the first course unlocked, or null")), systemeContact),
	systeme("contact.campaign.finished", "Campaign finished", "A contact reached the end of an email campaign.",
		props(
			prop("data.campaign.id", "number", "campaign id (the \"campaign\" scope)"),
			prop("data.campaign.name", "string", "campaign name"),
			prop("data.campaign.description", "string", "campaign description")), systemeContact),
	systeme("contact.page.visited", "Page visited", "A contact visited a funnel page.", systemeFunnelStep, systemeContact),
	systeme("contact.email_link.clicked", "Email link clicked", "A contact clicked a link in an email.",
		props(
			prop("data.sent_email.id", "number", "sent email id"),
			prop("data.sent_email.subject", "string", "the email's subject")), systemeContact),

	activecampaign("activecampaign.subscribe", "ActiveCampaign: added to a list", "A contact was added to an ActiveCampaign list (sent at once).",
		prop("list", "string", "the list's id (the \"list\" scope)"),
		prop("form.id", "string", "the form that subscribed the contact, when one did")),
	activecampaign("activecampaign.contact_tag_added", "ActiveCampaign: tagged", "A tag was added to a contact in ActiveCampaign (sent at once); the contact's tags gain it.",
		prop("tag", "string", "the tag (the \"tag\" scope)")),
	{Type: "hubspot.form_submitted", Source: "hubspot", Label: "HubSpot: form submitted",
		Description: "A HubSpot form was submitted: a HubSpot workflow triggered by the submission posts the contact (sent when the workflow runs its webhook action, usually within a minute).",
		Properties: props(
			prop("vid", "number", "HubSpot contact id (the record's hubspot_id)"),
			prop("portal-id", "number", "the HubSpot account (the \"portal\" scope)"),
			prop("properties.email.value", "string", "the contact's email (matches the contact)"),
			prop("properties.firstname.value", "string", "first name"),
			prop("properties.lastname.value", "string", "last name"),
			prop("properties.phone.value", "string", "phone number"),
			prop("properties.company.value", "string", "company"),
			prop("form-submissions[0].form-id", "string", "the form submitted last (the \"form\" scope)"),
			prop("form-submissions[0].title", "string", "that form's name"),
			prop("form-submissions[0].page-url", "string", "the page it was submitted on"),
			prop("form-submissions[0].page-title", "string", "that page's title"),
			prop("form-submissions[0].timestamp", "number", "when it was submitted, in milliseconds since 1970"),
			prop("form-submissions[].form-id", "multi", "every form the contact submitted, newest first"))},

	survey("survey.response.completed", "Survey completed", "A respondent finished a survey.",
		prop("response.completed_at", "date", "when the respondent finished"),
		prop("score", "number", "the response's total score"),
		prop("nps", "number", "the 0-10 answer to \"how likely are you to recommend us\", when the survey asks it"),
		prop("nps_category", "string", "promoter (9-10), passive (7-8) or detractor (0-6)")),
	survey("survey.response.partial", "Survey left unfinished", "A respondent answered part of a survey and left (sent when the survey closes).",
		prop("response.answered", "number", "how many questions were answered"),
		prop("response.questions", "number", "how many questions the survey has")),
}

// EventTypes lists the event types something is known to send: every catalogue entry (the
// presets' events) and the fixed event type of each configured endpoint, sorted and without
// repeats. The engine checks event triggers against it (engine.Options.EventTypes).
func EventTypes(ctx context.Context, db store.Store) ([]string, error) {
	eps, err := db.HookEndpoints(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, e := range Catalogue {
		seen[e.Type] = true
	}
	for _, ep := range eps {
		var cfg Config
		if json.Unmarshal([]byte(ep.Config), &cfg) == nil {
			if t := cfg.Effective().Event.Type; t != "" {
				seen[t] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, nil
}
