package hook

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

// systemeCommon are the fields every systeme.io event carries.
var systemeCommon = []CatalogueProperty{
	prop("data.contact.id", "string", "systeme.io contact id"),
	prop("data.contact.email", "string", "the contact's email (matches the contact)"),
	prop("data.contact.fields.first_name", "string", "first name"),
	prop("data.contact.fields.surname", "string", "last name"),
	prop("data.contact.tags[].name", "multi", "the contact's tags after the event"),
	prop("account.email", "string", "the systeme.io account that sent it"),
	prop("created_at", "date", "when it happened"),
}

func systeme(typ, label, desc string, extra ...CatalogueProperty) CatalogueEvent {
	props := append(append([]CatalogueProperty{}, systemeCommon...), extra...)
	return CatalogueEvent{Type: typ, Source: "systemeio", Label: label, Description: desc, Properties: props}
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
	webinar("webinar.poll_vote", "Poll vote", "A viewer voted in a poll.", prop("poll.question", "string", "the poll"), prop("poll.answers[]", "multi", "chosen answers")),
	webinar("webinar.quiz_answer", "Quiz answer", "A viewer answered a quiz question.", prop("quiz.question", "string", "the question"), prop("quiz.answer", "string", "the answer"), prop("quiz.correct", "bool", "whether it was right")),
	webinar("webinar.call_to_action", "Call to action", "A viewer clicked a call-to-action button.", prop("cta.title", "string", "button text"), prop("cta.url", "string", "target address")),
	webinar("webinar.evaluation", "Evaluation form", "A viewer filled in the evaluation form.", prop("evaluation.rating", "number", "rating 1-5"), prop("evaluation.comment", "string", "free text")),
	webinar("webinar.ended", "Webinar ended", "The broadcast ended (sent for each registrant, with their watch time).", append([]CatalogueProperty{prop("broadcast_end.ended_at", "date", "when the broadcast ended")}, watchProps...)...),

	systeme("contact.optin.completed", "Opt-in completed", "A contact submitted an opt-in form in a funnel.",
		prop("data.funnel.id", "string", "funnel id (the \"funnel\" scope)"), prop("data.funnel_step.id", "string", "funnel step id")),
	systeme("customer.sale.completed", "Sale completed", "A customer bought an offer.",
		prop("data.order.id", "string", "order id"), prop("data.order.total_price", "number", "amount"), prop("data.order.currency", "string", "currency"),
		prop("data.offer_price_plan.name", "string", "price plan")),
	systeme("contact.tag.added", "Tag added", "A tag was added to a contact.", prop("data.tag.name", "string", "the tag")),
	systeme("contact.tag.removed", "Tag removed", "A tag was removed from a contact.", prop("data.tag.name", "string", "the tag")),
	systeme("contact.webinar.registered", "Webinar registration", "A contact registered for a systeme.io webinar.",
		prop("data.webinar.id", "string", "webinar id (the \"webinar\" scope)"), prop("data.webinar.title", "string", "title")),
	systeme("contact.course.enrolled", "Course enrollment", "A contact was enrolled in a course.",
		prop("data.course.id", "string", "course id (the \"course\" scope)"), prop("data.course.name", "string", "course name")),
	systeme("contact.course_bundle.enrolled", "Course bundle enrollment", "A contact was enrolled in a course bundle.",
		prop("data.course_bundle.id", "string", "bundle id"), prop("data.course_bundle.name", "string", "bundle name")),
	systeme("contact.campaign.finished", "Campaign finished", "A contact reached the end of an email campaign.",
		prop("data.campaign.id", "string", "campaign id (the \"campaign\" scope)"), prop("data.campaign.name", "string", "campaign name")),
	systeme("contact.page.visited", "Page visited", "A contact visited a funnel page.", prop("data.page.url", "string", "page address"), prop("data.funnel.id", "string", "funnel id")),
	systeme("contact.email_link.clicked", "Email link clicked", "A contact clicked a link in an email.",
		prop("data.email.subject", "string", "email subject"), prop("data.link.url", "string", "clicked address")),
}
