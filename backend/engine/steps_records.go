package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/template"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Database-only steps: notify, create_record, create_task, rotate_owner and subscription. They
// touch nothing outside the database, so they run like set_property: in memory, with their
// writes as effects committed in the pass's one transaction. A crash before the commit repeats
// them with none of their effects applied; after it, they never run again. That makes each visit
// exactly-once without idempotency keys.

// OwnerProperty is the record property rotate_owner assigns and create_task falls back on.
const OwnerProperty = "owner"

// MarketingSubscription is the subscription type mirrored into the contact's `subscribed`
// property (the one email steps check): opting in sets it true, opting out false.
const MarketingSubscription = "marketing"

// SubscribedProperty is the record property that mirrors the marketing subscription.
const SubscribedProperty = "subscribed"

// NotificationKind is the kind of the in-app notifications notify steps create.
const NotificationKind = "workflow"

// runRecordStep executes a database-only step. rotate_owner ends the pass (see rotateOwner).
func (e *Engine) runRecordStep(p *plan, s *workflow.Step) (string, *store.Job, error) {
	switch s.Type {
	case workflow.StepNotify:
		return e.notifyStep(p, s)
	case workflow.StepCreateRecord:
		return e.createRecordStep(p, s)
	case workflow.StepCreateTask:
		return e.createTaskStep(p, s)
	case workflow.StepRotateOwner:
		return e.rotateOwnerStep(p, s)
	case workflow.StepSubscription:
		return e.subscriptionStep(p, s)
	}
	return "", nil, fmt.Errorf("%s is not a database step", s.Type)
}

// notifyStep adds one in-app notification per user, the text rendered with the record's tokens.
func (e *Engine) notifyStep(p *plan, s *workflow.Step) (string, *store.Job, error) {
	var users []string
	seen := map[string]bool{}
	for _, u := range s.Users {
		u = strings.TrimSpace(p.render(u))
		if u != "" && !seen[u] {
			seen[u] = true
			users = append(users, u)
		}
	}
	if len(users) == 0 {
		p.log(s, store.HistSkipped, map[string]any{"reason": "no user to notify (the users are empty for this record)"})
		p.count(s.ID, 1, 0)
		return s.Next, nil, nil
	}
	label := s.Name
	if label == "" {
		label = s.ID
	}
	title := fmt.Sprintf("%s: %s", p.def.Name, label)
	body := p.render(s.Text)
	link := fmt.Sprintf("/enrollments/%d", p.c.enr.ID)
	p.effects = append(p.effects, func(tx store.Tx, p *plan) error {
		for _, u := range users {
			if err := tx.AddNotification(&store.Notification{Kind: NotificationKind, Title: title, Body: body, Link: link, User: u}, p.now); err != nil {
				return err
			}
		}
		return nil
	})
	p.log(s, store.HistOK, map[string]any{"users": users, "text": body})
	p.count(s.ID, 1, 0)
	return s.Next, nil, nil
}

// createRecordStep creates (or, for a contact whose email exists, updates) a record through the
// same path as ingest, so filter triggers of other workflows see it, and associates it with the
// enrolled record.
func (e *Engine) createRecordStep(p *plan, s *workflow.Step) (string, *store.Job, error) {
	if !e.knownObject(s.RecordType) {
		return "", nil, fmt.Errorf("create_record: %q is not a known record type", s.RecordType)
	}
	props := make(map[string]any, len(s.Properties))
	for k, v := range s.Properties {
		props[k] = p.renderValue(v)
	}
	if err := checkProperties("properties", props); err != nil {
		return "", nil, fmt.Errorf("create_record: %w", err)
	}
	props, err := e.typed("properties", s.RecordType, props, nil)
	if err != nil {
		return "", nil, fmt.Errorf("create_record: %w", err)
	}
	email, _ := props["email"].(string)
	email = strings.TrimSpace(email)
	if email == "" {
		delete(props, "email")
	} else if !strings.Contains(email, "@") || strings.ContainsAny(email, " \t\r\n") {
		p.log(s, store.HistSkipped, map[string]any{"reason": fmt.Sprintf("%q is not an email address", email), "record_type": s.RecordType})
		p.count(s.ID, 1, 0)
		return s.Next, nil, nil
	}
	slot := p.reserve(s)
	p.effects = append(p.effects, func(tx store.Tx, p *plan) error {
		change, err := tx.UpsertRecord(s.RecordType, 0, email, props, p.now)
		if err != nil {
			return err
		}
		if err := p.declareIn(tx, e, s.RecordType, props); err != nil {
			return err
		}
		if err := e.checkUnique(tx, change.Record, props, "properties"); err != nil {
			return err
		}
		enrolled, err := e.recordChanged(tx, change, p.now)
		if err != nil {
			return err
		}
		detail := map[string]any{"record_type": s.RecordType, "record_id": change.Record.ID, "created": change.Created, "properties": props}
		// The new record is associated with the enrolled one, when the two types may be linked;
		// a new link is a change of what rules on either side read (a contact list on
		// company.industry), re-checked with the enrolled record as this pass has left it.
		if change.Record.ID != p.c.rec.ID && e.associable(p.c.rec.Type, s.RecordType) {
			linked, err := tx.Associate(p.c.rec, change.Record, "", p.now)
			if err != nil {
				return err
			}
			if linked {
				cur, err := tx.Record(p.c.rec.ID)
				if err != nil {
					return err
				}
				more, err := e.linkChanged(tx, cur, change.Record, true, p.now)
				if err != nil {
					return err
				}
				enrolled = append(enrolled, more...)
			}
			detail["associated"] = true
		}
		if len(enrolled) > 0 {
			detail["enrolled"] = enrolled
		}
		p.fill(slot, store.HistOK, detail)
		return nil
	})
	p.count(s.ID, 1, 0)
	if e.associable(p.c.rec.Type, s.RecordType) {
		return e.afterAssociatedChange(p, s)
	}
	return s.Next, nil, nil
}

// createTaskStep creates an open task for the record, owned by the step's owner or else the
// record's owner, due due_in after now.
func (e *Engine) createTaskStep(p *plan, s *workflow.Step) (string, *store.Job, error) {
	task := &store.Task{Title: strings.TrimSpace(p.render(s.Title)), Owner: strings.TrimSpace(p.render(s.Owner)),
		RecordID: p.c.rec.ID, EnrollmentID: p.c.enr.ID, WorkflowID: p.def.ID, StepID: s.ID}
	if task.Title == "" {
		task.Title = s.Title
	}
	if task.Owner == "" {
		task.Owner = textOf(p.props[OwnerProperty])
	}
	if s.DueIn != "" {
		d, err := workflow.ParseDuration(s.DueIn)
		if err != nil {
			return "", nil, fmt.Errorf("create_task due_in: %w", err)
		}
		due := p.now.Add(d)
		task.DueAt = &due
	}
	slot := p.reserve(s)
	p.effects = append(p.effects, func(tx store.Tx, p *plan) error {
		t := *task
		if err := tx.InsertTask(&t, p.now); err != nil {
			return err
		}
		detail := map[string]any{"task_id": t.ID, "title": t.Title, "owner": t.Owner}
		if t.DueAt != nil {
			detail["due_at"] = *t.DueAt
		}
		p.fill(slot, store.HistOK, detail)
		return nil
	})
	p.count(s.ID, 1, 0)
	return s.Next, nil, nil
}

// rotateOwnerStep assigns the next owner of the step's round robin. The position lives in the
// database and advances in the pass's transaction, so concurrent enrollments never get the same
// turn and a visit takes exactly one. Because the owner is only known at commit, the step ends
// the pass when more steps follow: they run in a new pass that reads the assigned owner.
// With overwrite off, a record that has an owner keeps it and the turn is not used.
func (e *Engine) rotateOwnerStep(p *plan, s *workflow.Step) (string, *store.Job, error) {
	owners := nonEmptyStrings(s.Owners)
	if len(owners) == 0 {
		return "", nil, fmt.Errorf("rotate_owner has no owners")
	}
	if cur := textOf(p.props[OwnerProperty]); cur != "" && !s.Overwrite {
		p.log(s, store.HistSkipped, map[string]any{"reason": fmt.Sprintf("the record already has the owner %q and overwrite is off", cur), "owner": cur})
		p.count(s.ID, 1, 0)
		return s.Next, nil, nil
	}
	slot := p.reserve(s)
	p.effects = append(p.effects, func(tx store.Tx, p *plan) error {
		rec, err := tx.Record(p.c.rec.ID)
		if err != nil {
			return err
		}
		prev := textOf(rec.Properties[OwnerProperty])
		if prev != "" && !s.Overwrite { // assigned since this pass read the record
			p.fill(slot, store.HistSkipped, map[string]any{"reason": fmt.Sprintf("the record already has the owner %q and overwrite is off", prev), "owner": prev})
			return nil
		}
		owner, pos, err := tx.NextOwner(p.def.ID, s.ID, owners, p.now)
		if err != nil {
			return err
		}
		change, err := tx.UpdateRecord(rec, func(props map[string]any) error {
			props[OwnerProperty] = owner
			return nil
		}, p.now)
		if err != nil {
			return err
		}
		if err := p.declareIn(tx, e, rec.Type, map[string]any{OwnerProperty: owner}); err != nil {
			return err
		}
		if _, err := e.recordChanged(tx, change, p.now); err != nil {
			return err
		}
		detail := map[string]any{"owner": owner, "turn": pos + 1, "of": len(owners)}
		if prev != "" {
			detail["previous"] = prev
		}
		p.fill(slot, store.HistOK, detail)
		return nil
	})
	p.count(s.ID, 1, 0)
	if s.Next != "" {
		p.current = s.Next
		p.next = &store.Job{EnrollmentID: p.c.enr.ID, RecordID: p.c.rec.ID, StepID: s.Next, Kind: store.JobRun, RunAt: p.now}
		return "", nil, nil
	}
	return s.Next, nil, nil
}

// subscriptionStep sets the record's status for a subscription type with its legal basis, and
// logs the change in the record's subscription history. The "marketing" subscription is mirrored
// into the `subscribed` property (see MarketingSubscription).
func (e *Engine) subscriptionStep(p *plan, s *workflow.Step) (string, *store.Job, error) {
	if s.Status != store.OptedIn && s.Status != store.OptedOut {
		return "", nil, fmt.Errorf("subscription status %q: use opted_in or opted_out", s.Status)
	}
	sub := strings.TrimSpace(s.Subscription)
	if strings.EqualFold(sub, MarketingSubscription) && p.c.rec.Type == "contact" {
		op := setOp(SubscribedProperty, s.Status == store.OptedIn, workflow.ModeReplace)
		if err := op(p.props); err != nil {
			return "", nil, err
		}
		p.propOps = append(p.propOps, op)
	}
	slot := p.reserve(s)
	p.effects = append(p.effects, func(tx store.Tx, p *plan) error {
		c := &store.SubscriptionChange{RecordID: p.c.rec.ID, Subscription: sub, Status: s.Status, LegalBasis: s.LegalBasis,
			Explanation: p.render(s.Explanation), Source: p.def.ID + "/" + s.ID, EnrollmentID: p.c.enr.ID, At: p.now}
		prev, err := tx.SetSubscription(c)
		if err != nil {
			return err
		}
		detail := map[string]any{"subscription": sub, "status": s.Status, "changed": prev != s.Status}
		if prev != "" {
			detail["previous"] = prev
		}
		if s.LegalBasis != "" {
			detail["legal_basis"] = s.LegalBasis
		}
		p.fill(slot, store.HistOK, detail)
		return nil
	})
	p.count(s.ID, 1, 0)
	return s.Next, nil, nil
}

// declareIn declares properties the schema does not know yet in tx and remembers them for the
// engine's schema once the pass commits.
func (p *plan) declareIn(tx store.Tx, e *Engine, object string, props map[string]any) error {
	ps, err := e.declare(tx, object, props, nil)
	p.declared = append(p.declared, ps...)
	return err
}

// render renders personalisation tokens (package template) in a step's text. Text that does not
// parse as a template (validation reports it) is used as written.
func (p *plan) render(text string) string {
	if !strings.Contains(text, "{{") {
		return text
	}
	t, err := template.Parse(text)
	if err != nil {
		return text
	}
	return t.Render(p.tdata())
}

// tdata is what tokens read: the record as this pass sees it, the event, the enrollment and the
// workflow.
func (p *plan) tdata() template.Data {
	return TemplateData(p.def, p.c.enr, p.props, p.event)
}

// TemplateData builds what personalisation tokens read for an enrollment (also used by outbound
// actions through ActionInput).
func TemplateData(def *workflow.Definition, en *store.Enrollment, record, event map[string]any) template.Data {
	d := template.Data{Record: record, Event: event}
	if def != nil {
		d.Workflow = map[string]any{"id": def.ID, "name": def.Name}
	}
	if en != nil {
		d.Enrollment = map[string]any{"id": en.ID, "workflow_id": en.WorkflowID, "version": en.Version, "enrolled_at": en.CreatedAt.Format(time.RFC3339)}
	}
	return d
}

// renderValue renders tokens in string values (and strings in lists); a value that is exactly one
// record or event token without filters keeps the value's type ({{contact.score}} stays a number).
func (p *plan) renderValue(v any) any {
	switch x := v.(type) {
	case string:
		if t, err := template.Parse(x); err == nil {
			if toks := t.Tokens(); len(toks) == 1 && toks[0].Source == x && len(toks[0].Filters) == 0 && toks[0].Literal == "" {
				if toks[0].Namespace != "enrollment" && toks[0].Namespace != "workflow" {
					return toks[0].Value(p.tdata())
				}
			}
		}
		return p.render(x)
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = p.renderValue(el)
		}
		return out
	}
	return v
}

// textOf formats a property value for text: whole numbers without decimals, lists comma-joined.
func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, 0, len(x))
		for _, el := range x {
			parts = append(parts, textOf(el))
		}
		return strings.Join(parts, ", ")
	case []string:
		return strings.Join(x, ", ")
	}
	return fmt.Sprint(v)
}

func nonEmptyStrings(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
