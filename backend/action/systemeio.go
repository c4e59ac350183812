package action

import (
	"context"
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// systeme.io's outgoing webhook format: a webhook step with "format": "systemeio" and
// "event": {"type": T} sends exactly the structure systeme.io sends for T (the same keys at
// every level, the same value types; testdata/payloads/systemeio has systeme.io's own bodies),
// so a receiver written for systeme.io reads it unchanged.
//
// Values come, in order of precedence, from the step's "properties" (dotted paths inside "data",
// e.g. {"tag.name": "vip"}), from the triggering event when it carries the same object (a
// systeme.io event received by the listener), and from the record (the contact, the customer);
// what none of them has keeps systeme.io's empty value (0, "", null).

// FormatSystemeio is the webhook step format that mimics systeme.io's webhooks.
const FormatSystemeio = workflow.FormatSystemeio

// systemeio builds the body for in (the step's Format is FormatSystemeio).
func (w *Webhook) systemeio(ctx context.Context, in engine.ActionInput) ([]byte, error) {
	typ := ""
	if in.Step.Event != nil {
		typ = in.Step.Event.Type
	}
	build, ok := systemeioData[typ]
	if !ok {
		return nil, fmt.Errorf("the systeme.io format has no event %q; use one of %s", typ, strings.Join(workflow.SystemeioEvents, ", "))
	}
	data := build(in)
	// What the triggering event carries under the same keys fills the defaults...
	if ev, ok := eventData(in.Event); ok {
		for k, v := range data {
			if k == "contact" || k == "customer" {
				continue // the person is the record, as it is now
			}
			if src, ok := ev[k]; ok {
				data[k] = overlay(v, src)
			}
		}
	}
	// ...and the step's own values win.
	for path, v := range in.Step.Properties {
		if !setDotted(data, path, v) {
			return nil, fmt.Errorf("properties: %q is not a field of systeme.io's %s webhook; use a path inside its data, like %s", path, typ, examplePath(data))
		}
	}
	return marshal(map[string]any{
		"type":       typ,
		"data":       data,
		"account":    map[string]any{"email": w.accountEmail(ctx)},
		"created_at": in.Now.UTC().Format("2006-01-02T15:04:05-07:00"),
	})
}

// accountEmail is the "account.email" systeme.io sends: the sender address in Settings (the
// From address of email), or "" when none is set.
func (w *Webhook) accountEmail(ctx context.Context) string {
	if w.cfg.Settings == nil {
		return ""
	}
	conf, err := w.cfg.Settings.Load(ctx)
	if err != nil || conf.SMTP.From == "" {
		return ""
	}
	if a, err := mail.ParseAddress(conf.SMTP.From); err == nil {
		return a.Address
	}
	return conf.SMTP.From
}

// eventData returns the "data" object of a triggering systeme.io event.
func eventData(ev map[string]any) (map[string]any, bool) {
	d, ok := ev["data"].(map[string]any)
	return d, ok
}

// overlay fills def's keys from src: objects key by key (keeping def's keys only, so the
// structure stays systeme.io's), anything else replaced by src's value.
func overlay(def, src any) any {
	dm, ok := def.(map[string]any)
	if !ok {
		return src
	}
	sm, ok := src.(map[string]any)
	if !ok {
		return def
	}
	out := make(map[string]any, len(dm))
	for k, v := range dm {
		if s, ok := sm[k]; ok {
			out[k] = overlay(v, s)
		} else {
			out[k] = v
		}
	}
	return out
}

// setDotted sets a dotted path inside m when the format has it; it reports false for a path
// systeme.io's structure does not have, which is left out so the keys stay systeme.io's.
func setDotted(m map[string]any, path string, v any) bool {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			return false
		}
		m = next
	}
	last := parts[len(parts)-1]
	if _, ok := m[last]; !ok {
		return false
	}
	m[last] = v
	return true
}

func prop(in engine.ActionInput, name string) string {
	switch v := in.Record[name].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// contactID is the record's systeme.io id when it has one (a number), else its Flowdesk id.
func contactID(in engine.ActionInput) any {
	if n, err := strconv.ParseInt(prop(in, "systemeio_id"), 10, 64); err == nil {
		return n
	}
	return in.RecordID
}

// contactFields are the contact's fields as systeme.io sends them: an object with the names,
// or [] when the contact has none.
func contactFields(in engine.ActionInput) any {
	f := map[string]any{}
	if s := prop(in, "first_name"); s != "" {
		f["first_name"] = s
	}
	if s := prop(in, "last_name"); s != "" {
		f["surname"] = s
	}
	if len(f) == 0 {
		return []any{}
	}
	return f
}

func contact(in engine.ActionInput) map[string]any {
	return map[string]any{"id": contactID(in), "email": prop(in, "email"), "fields": contactFields(in),
		"ip": nil, "referred_by_contact_id": nil, "referred_by_contact_email": nil}
}

func funnelStep() map[string]any {
	return map[string]any{"id": 0, "name": "", "type": "", "funnel": map[string]any{"id": 0, "name": ""}}
}

func blogOptin(in engine.ActionInput) bool {
	for k := range in.Step.Properties {
		if strings.HasPrefix(k, "page_model.") {
			return true
		}
	}
	ev, _ := eventData(in.Event)
	_, ok := ev["page_model"]
	return ok
}

// lastTag is the record's last tag: the one a set_property "append" just added, usually.
func lastTag(in engine.ActionInput) string {
	switch v := in.Record["tags"].(type) {
	case []any:
		if len(v) > 0 {
			return fmt.Sprint(v[len(v)-1])
		}
	case []string:
		if len(v) > 0 {
			return v[len(v)-1]
		}
	case string:
		return v
	}
	return ""
}

func stamp(in engine.ActionInput) string { return in.Now.UTC().Format("2006-01-02T15:04:05-07:00") }

// systemeioData builds each event type's "data" with systeme.io's keys and empty values.
var systemeioData = map[string]func(in engine.ActionInput) map[string]any{
	"contact.campaign.finished": func(in engine.ActionInput) map[string]any {
		return map[string]any{"campaign": map[string]any{"id": 0, "name": "", "description": ""}, "contact": contact(in)}
	},
	"contact.course.enrolled": func(in engine.ActionInput) map[string]any {
		return map[string]any{"course": map[string]any{"id": 0, "name": "", "description": nil}, "contact": contact(in), "access_type": "full_access"}
	},
	"contact.course_bundle.enrolled": func(in engine.ActionInput) map[string]any {
		return map[string]any{"course_bundle": map[string]any{"id": 0, "name": ""}, "contact": contact(in),
			"access_type": "full_access", "first_active_course": nil}
	},
	"contact.email_link.clicked": func(in engine.ActionInput) map[string]any {
		return map[string]any{"sent_email": map[string]any{"id": 0, "subject": ""}, "contact": contact(in)}
	},
	// An opt-in happens on a funnel step or on a blog page: the blog variant when the step or
	// the triggering event speaks of a page_model.
	"contact.optin.completed": func(in engine.ActionInput) map[string]any {
		if blogOptin(in) {
			return map[string]any{"page_model": map[string]any{"id": 0, "name": "", "blog": map[string]any{"id": 0, "name": ""}}, "contact": contact(in)}
		}
		return map[string]any{"funnel_step": funnelStep(), "contact": contact(in)}
	},
	"contact.page.visited": func(in engine.ActionInput) map[string]any {
		return map[string]any{"funnel_step": funnelStep(), "contact": contact(in)}
	},
	"contact.tag.added": func(in engine.ActionInput) map[string]any {
		return map[string]any{"tag": map[string]any{"id": 0, "name": lastTag(in)}, "contact": contact(in)}
	},
	"contact.tag.removed": func(in engine.ActionInput) map[string]any {
		return map[string]any{"tag": map[string]any{"id": 0, "name": ""}, "contact": contact(in)}
	},
	"contact.webinar.registered": func(in engine.ActionInput) map[string]any {
		fs := funnelStep()
		return map[string]any{"webinar": map[string]any{"id": 0, "duration": "0", "funnel_step": fs}, "contact": contact(in),
			"registered_at": stamp(in), "scheduled_at": stamp(in)}
	},
	"customer.sale.completed": func(in engine.ActionInput) map[string]any {
		fields := map[string]any{"country": prop(in, "country"), "phone_number": prop(in, "phone"), "street_address": prop(in, "address"),
			"first_name": prop(in, "first_name"), "surname": prop(in, "last_name"), "postcode": prop(in, "zip"), "city": prop(in, "city")}
		return map[string]any{
			"customer": map[string]any{"id": in.RecordID, "payment_processor": "", "contact_id": contactID(in), "email": prop(in, "email"),
				"fields": fields, "client_ip": ""},
			"funnel_step": funnelStep(),
			"offer_price_plan": map[string]any{"id": 0, "name": "", "inner_name": "", "type": "one_shot", "direct_charge_amount": 0,
				"subscription_plan": nil, "currency": ""},
			"order":      map[string]any{"id": 0, "created_at": stamp(in)},
			"order_item": map[string]any{"id": 0, "created_at": stamp(in), "resources": []any{}},
			"coupon":     nil,
		}
	},
}

// examplePath names one settable path of a data object, for error messages.
func examplePath(data map[string]any) string {
	for k, v := range data {
		if k == "contact" || k == "customer" {
			continue
		}
		if m, ok := v.(map[string]any); ok {
			for sub := range m {
				return fmt.Sprintf("%q", k+"."+sub)
			}
		}
	}
	return `"tag.name"`
}
