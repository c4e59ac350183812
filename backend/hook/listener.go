package hook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flowdesk/flowdesk/backend/answer"
	"github.com/flowdesk/flowdesk/backend/clock"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/ident"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
	"github.com/flowdesk/flowdesk/backend/workflow"
)

// Options tune a Listener.
type Options struct {
	// Clock is the time source for signature tolerance, replay windows and delays (default:
	// the engine's clock for the time, the wall clock for waiting).
	Clock clock.Clock
	// Log receives warnings (default slog.Default()).
	Log *slog.Logger
	// BaseURL is the listener's public base ("http://127.0.0.1:8787") used in endpoint URLs;
	// empty means the Host of the API request that asks.
	BaseURL string
	// ReplayWindow is how long a delivery id is remembered (default 24h).
	ReplayWindow time.Duration
	// KeepRequests caps each endpoint's request log (default 1000 lines).
	KeepRequests int
	// Poll is how often Run looks for due delayed deliveries (default 30s).
	Poll time.Duration
	// OnDisabled, when set, is called after an endpoint was switched off for failing (e.g. to
	// email the owner); the in-app notification is written either way.
	OnDisabled func(ctx context.Context, ep *store.HookEndpoint, reason string)
	// SMSAuth, when set, returns the SMS provider's auth token (which signs its status
	// callbacks) and the listener's public address from the SMS settings; without it the
	// status callback route answers 404.
	SMSAuth func(ctx context.Context) (authToken, publicBase string, err error)
}

// Listener serves POST /hooks/{key} (it is an http.Handler), releases held deliveries and
// keeps the request logs short (maintenance.go). Endpoints, its endpoint service, is apart.
type Listener struct {
	eng       *engine.Engine
	db        store.Store
	clock     clock.Clock
	log       *slog.Logger
	opts      Options
	endpoints *Endpoints

	mu    sync.Mutex
	plans map[string]cachedPlan // endpoint id -> compiled config
}

type cachedPlan struct {
	config string
	plan   *Plan
	err    error
}

// New builds a listener over db, ingesting through eng (which runs over the same database).
func New(db store.Store, eng *engine.Engine, opts Options) *Listener {
	if opts.Clock == nil {
		opts.Clock = engineClock{eng}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.ReplayWindow <= 0 {
		opts.ReplayWindow = 24 * time.Hour
	}
	if opts.KeepRequests <= 0 {
		opts.KeepRequests = 1000
	}
	if opts.Poll <= 0 {
		opts.Poll = 30 * time.Second
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	l := &Listener{eng: eng, db: db, clock: opts.Clock, log: opts.Log, opts: opts, plans: map[string]cachedPlan{}}
	l.endpoints = &Endpoints{eng: eng, db: db, clock: opts.Clock, baseURL: opts.BaseURL, forget: l.forget}
	return l
}

// Endpoints is the endpoint service over the listener's database and options.
func (l *Listener) Endpoints() *Endpoints { return l.endpoints }

// forget drops the compiled configuration of a deleted endpoint.
func (l *Listener) forget(id string) {
	l.mu.Lock()
	delete(l.plans, id)
	l.mu.Unlock()
}

// engineClock tells the engine's time and waits on the wall clock.
type engineClock struct{ eng *engine.Engine }

func (c engineClock) Now() time.Time                         { return c.eng.Now() }
func (c engineClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// plan returns the endpoint's compiled configuration, compiling it once per config change.
func (l *Listener) plan(ep *store.HookEndpoint) (*Plan, error) {
	l.mu.Lock()
	c, ok := l.plans[ep.ID]
	l.mu.Unlock()
	if ok && c.config == ep.Config {
		return c.plan, c.err
	}
	var cfg Config
	err := json.Unmarshal([]byte(ep.Config), &cfg)
	var p *Plan
	if err == nil {
		p, err = Compile(cfg, nil)
	}
	l.mu.Lock()
	if len(l.plans) > 10000 {
		clear(l.plans)
	}
	l.plans[ep.ID] = cachedPlan{config: ep.Config, plan: p, err: err}
	l.mu.Unlock()
	return p, err
}

// delivery is one request being handled.
type delivery struct {
	ep         *store.HookEndpoint
	received   time.Time
	headers    string
	body       []byte
	deliveryID string
}

// rejection is a 4xx/5xx answer; counted ones are the sender's fault and count towards
// auto-disable.
type rejection struct {
	status  int
	code    string
	message string
	details any
	counted bool
	// path and value are where in the payload the refused field's value came from and what it
	// was there (before conversion), when the refusal is about one mapped property (an undeclared one): the request log
	// keeps them so the Webhooks screen can offer a declaration without reading the body again.
	path  string
	value any
}

func reject(status int, code string, counted bool, details any, format string, args ...any) *rejection {
	return &rejection{status: status, code: code, message: fmt.Sprintf(format, args...), details: details, counted: counted}
}

// field is the field a rejection names: its details' "field", else its first problem's ("" when
// it names none). The request log keeps it apart from the message.
func (r *rejection) field() string {
	m, _ := r.details.(map[string]any)
	if f, ok := m["field"].(string); ok {
		return f
	}
	if ps, ok := m["problems"].([]problem.Problem); ok && len(ps) > 0 {
		return ps[0].Field
	}
	return ""
}

// valueJSON is the refused value as JSON for the request log; nil when the refusal has none.
func (r *rejection) valueJSON() []byte {
	if r.path == "" {
		return nil
	}
	b, err := json.Marshal(r.value)
	if err != nil {
		return nil
	}
	return b
}

// ServeHTTP handles POST /hooks/{key}.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			l.log.Error("webhook handler panicked", "path", r.URL.Path, "panic", p)
			answer.Error(w, http.StatusInternalServerError, "internal", "internal error", nil)
		}
	}()
	if token, ok := strings.CutPrefix(r.URL.Path, SMSStatusPrefix); ok {
		l.serveSMSStatus(w, r, token)
		return
	}
	key, ok := strings.CutPrefix(r.URL.Path, "/hooks/")
	if !ok || key == "" || strings.Contains(key, "/") || len(key) > 128 {
		answer.Error(w, http.StatusNotFound, "unknown_endpoint", "no webhook endpoint at "+clip(r.URL.Path), nil)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		answer.Error(w, http.StatusMethodNotAllowed, "method_not_allowed", "webhook endpoints take POST, not "+clip(r.Method), map[string]any{"allow": []string{"POST"}})
		return
	}
	ctx := r.Context()
	ep, err := l.db.HookEndpointByKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		answer.Error(w, http.StatusNotFound, "unknown_endpoint", "no webhook endpoint has this key; copy the URL again from Flowdesk's Webhooks screen", nil)
		return
	}
	if err != nil {
		l.log.Error("load webhook endpoint", "err", err)
		answer.Error(w, http.StatusInternalServerError, "internal", "internal error", nil)
		return
	}
	d := &delivery{ep: ep, received: l.clock.Now(), headers: redactHeaders(r.Header, ep)}
	ans, status, rej := l.handle(ctx, w, r, d)
	if rej != nil {
		l.rejected(ctx, d, rej)
		answer.Error(w, rej.status, rej.code, rej.message, rej.details)
		return
	}
	answer.JSON(w, status, ans)
}

// handle runs the checks in order and applies the delivery.
func (l *Listener) handle(ctx context.Context, w http.ResponseWriter, r *http.Request, d *delivery) (*Answer, int, *rejection) {
	ep := d.ep
	if !ep.Enabled {
		msg := "this webhook endpoint is disabled; re-enable it in Flowdesk"
		if ep.DisabledReason != "" {
			msg += " (" + ep.DisabledReason + ")"
		}
		return nil, 0, reject(http.StatusGone, "endpoint_disabled", false, nil, "%s", msg)
	}
	plan, err := l.plan(ep)
	if err != nil {
		return nil, 0, reject(http.StatusInternalServerError, "bad_configuration", false, nil, "the endpoint's stored configuration is unusable: %v", err)
	}
	cfg := plan.Config()
	form, rej := checkContentType(r.Header.Get("Content-Type"), cfg.Body == BodyForm)
	if rej != nil {
		return nil, 0, rej
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, 0, reject(http.StatusRequestEntityTooLarge, "too_large", true, map[string]any{"limit": cfg.MaxBodyBytes},
				"the body is larger than this endpoint's %d-byte limit", cfg.MaxBodyBytes)
		}
		return nil, 0, reject(http.StatusBadRequest, "bad_body", true, nil, "could not read the body: %v", err)
	}
	d.body = body
	switch cfg.Auth {
	case AuthSignature:
		if err := Verify(ep.Secret, r.Header, body, d.received); err != nil {
			return nil, 0, authRejection(err)
		}
		d.deliveryID = r.Header.Get(HeaderID)
	case AuthAPIKey:
		if err := VerifyAPIKey(ep.Secret, cfg.APIKeyHeader, r.Header); err != nil {
			return nil, 0, authRejection(err)
		}
	}
	if d.deliveryID == "" {
		d.deliveryID = r.Header.Get("Idempotency-Key")
		if d.deliveryID == "" {
			d.deliveryID = r.Header.Get(HeaderID)
		}
		if d.deliveryID != "" && (len(d.deliveryID) > MaxWebhookIDLen || !printable(d.deliveryID)) {
			return nil, 0, reject(http.StatusBadRequest, "bad_header", true, map[string]any{"field": "Idempotency-Key"},
				"Idempotency-Key / webhook-id must be 1 to %d printable characters", MaxWebhookIDLen)
		}
	}
	if d.deliveryID != "" {
		prev, err := l.db.HookDelivery(ctx, ep.ID, d.deliveryID)
		if err == nil && d.received.Sub(prev.ReceivedAt) < l.opts.ReplayWindow {
			return l.duplicate(ctx, d, prev.EventID)
		}
	}
	// Bodies are UTF-8 text; the byte that is not is named, as the API does.
	if off := ident.InvalidUTF8At(body); off >= 0 {
		return nil, 0, reject(http.StatusBadRequest, "invalid_utf8", true, map[string]any{"field": "body", "offset": off},
			"the body is not valid UTF-8 at byte %d; send it as UTF-8", off)
	}
	var payload map[string]any
	if form {
		if payload, err = decodeForm(body); err != nil {
			return nil, 0, reject(http.StatusBadRequest, "malformed_form", true, nil, "%v", err)
		}
	} else if payload, err = decodePayload(body); err != nil {
		return nil, 0, reject(http.StatusBadRequest, "malformed_json", true, nil, "%v", err)
	}
	if ep.Capture {
		ans, ok, rej := l.capture(ctx, d, r.Header, payload)
		if ok || rej != nil {
			return ans, http.StatusAccepted, rej
		}
	}
	mapped, err := plan.Map(payload)
	if err != nil {
		return nil, 0, mappingRejection(err)
	}
	pass, err := plan.Filter(mapped, payload, d.received)
	if err != nil {
		return nil, 0, mappingRejection(err)
	}
	if !pass {
		return l.finish(ctx, d, OutcomeFiltered, http.StatusAccepted, "the payload did not pass this endpoint's filter; nothing was applied", nil)
	}
	in := engine.EventInput{Type: mapped.Type, Record: engine.RecordRef{Type: cfg.Object, Properties: mapped.Props, Add: mapped.Add, Remove: mapped.Remove, Types: mapped.Types, Strict: cfg.Strict},
		Scope: mapped.Scope, Data: mapped.Data, OccurredAt: mapped.OccurredAt}
	if in.Scope == nil {
		in.Scope = map[string]string{}
	}
	in.Scope["hook"] = ep.ID
	if d.deliveryID != "" {
		in.IdempotencyKey = idempotencyKey(ep.ID, d.deliveryID)
	}
	if cfg.Match == "email" {
		s, _ := mapped.MatchValue.(string)
		if err := ident.CheckEmail(strings.TrimSpace(s)); err != nil {
			msg := err.Error()
			if s == "" {
				msg = fmt.Sprintf("%s is not an email address", quote(mapped.MatchValue))
			}
			return nil, 0, mappingRejection(mappingError([]Problem{{Field: plan.matchPath(), Message: msg}}))
		}
	}
	if cfg.DelayDays > 0 {
		return l.hold(ctx, d, plan, in, mapped)
	}
	skip, rej := l.resolve(ctx, &in, cfg, mapped.MatchValue)
	if rej != nil {
		return nil, 0, rej
	}
	if skip {
		return l.finish(ctx, d, OutcomeSkipped, http.StatusAccepted, fmt.Sprintf("no %s has this %s and the endpoint only updates existing records; nothing was applied", cfg.Object, cfg.Match), nil)
	}
	return l.apply(ctx, d, in, mapped.Sources)
}

func idempotencyKey(endpointID, deliveryID string) string {
	return "hook:" + endpointID + ":" + deliveryID
}

// checkContentType demands application/json (or a +json type) in UTF-8, or, at an endpoint
// that takes forms, also application/x-www-form-urlencoded; isForm says which came.
func checkContentType(ct string, formOK bool) (isForm bool, rej *rejection) {
	accept, want := "application/json", "application/json"
	if formOK {
		accept, want = "application/x-www-form-urlencoded, application/json", "application/x-www-form-urlencoded or application/json"
	}
	if ct == "" {
		return false, reject(http.StatusUnsupportedMediaType, "unsupported_media_type", true, map[string]any{"accept": accept},
			"the request has no Content-Type; send the body as %s", want)
	}
	mt, params, err := mime.ParseMediaType(ct)
	isForm = formOK && err == nil && mt == "application/x-www-form-urlencoded"
	if err != nil || !(isForm || mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return false, reject(http.StatusUnsupportedMediaType, "unsupported_media_type", true, map[string]any{"accept": accept},
			"Content-Type %q is not accepted; send the body as %s", clip(ct), want)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return false, reject(http.StatusUnsupportedMediaType, "unsupported_media_type", true, map[string]any{"accept": accept},
			"charset %q is not accepted; bodies are UTF-8", clip(cs))
	}
	return isForm, nil
}

func authRejection(err error) *rejection {
	var ae *AuthError
	if errors.As(err, &ae) {
		return reject(http.StatusUnauthorized, ae.Code, true, nil, "%s", ae.Message)
	}
	return reject(http.StatusUnauthorized, "unauthorized", true, nil, "%v", err)
}

func mappingRejection(err error) *rejection {
	var me *problem.Error
	if errors.As(err, &me) {
		return reject(http.StatusUnprocessableEntity, "mapping_failed", true, map[string]any{"problems": me.Problems}, "%s", me.Error())
	}
	return reject(http.StatusUnprocessableEntity, "mapping_failed", true, nil, "%v", err)
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// resolve points the event at the record of the match property. With create off, a delivery
// for an unknown record is skipped; matching by email with create on is left to the engine's
// atomic upsert.
func (l *Listener) resolve(ctx context.Context, in *engine.EventInput, cfg Config, value any) (skip bool, rej *rejection) {
	create := cfg.Create == nil || *cfg.Create
	var rec *store.Record
	var err error
	switch {
	case cfg.Match == "email":
		email, _ := value.(string)
		in.Record.Email = email
		if create {
			return false, nil
		}
		rec, err = l.db.RecordByEmail(ctx, cfg.Object, strings.TrimSpace(email))
	default:
		rec, err = l.db.RecordByProperty(ctx, cfg.Object, cfg.Match, value)
	}
	switch {
	case err == nil:
		in.Record.ID, in.Record.Email = rec.ID, ""
		if _, ok := in.Record.Properties["email"]; ok && rec.Email != "" && strings.EqualFold(rec.Email, fmt.Sprint(in.Record.Properties["email"])) {
			in.Record.Properties["email"] = rec.Email // keep the stored spelling
		}
		return false, nil
	case errors.As(err, new(*store.AmbiguousMatch)):
		var amb *store.AmbiguousMatch
		errors.As(err, &amb)
		return false, reject(http.StatusConflict, "ambiguous_match", false, map[string]any{"field": "match", "records": amb.IDs},
			"%d %s records have %s %s (ids %s); nothing was applied. Make %s unique, or match by email", len(amb.IDs), cfg.Object, cfg.Match, quote(value), joinIDs(amb.IDs), cfg.Match)
	case !errors.Is(err, store.ErrNotFound):
		l.log.Error("match webhook record", "err", err)
		return false, reject(http.StatusInternalServerError, "internal", false, nil, "internal error")
	case !create:
		return true, nil
	}
	if s, _ := in.Record.Properties["email"].(string); s == "" {
		return false, reject(http.StatusUnprocessableEntity, "mapping_failed", true, nil,
			"no %s has %s %s, and a new one needs an email address; map the payload's email too", cfg.Object, cfg.Match, quote(value))
	}
	return false, nil
}

// eventRejection is the 422 for an event the engine refused: invalid_event, or
// undeclared_property (a strict endpoint's property nobody declared) with the payload path its
// value came from and the value.
func eventRejection(ie *problem.Error, sources map[string]Source) *rejection {
	details := map[string]any{"field": ie.FirstField(), "problems": ie.Problems}
	if ie.Code != problem.CodeUndeclared {
		return reject(http.StatusUnprocessableEntity, "invalid_event", true, details, "%s", ie.Error())
	}
	rej := reject(http.StatusUnprocessableEntity, problem.CodeUndeclared, true, details, "%s", ie.Error())
	name := strings.TrimPrefix(ie.FirstField(), "record.properties.")
	if src, ok := sources[name]; ok {
		rej.path, rej.value = src.Path, src.Value
		details["path"], details["value"] = rej.path, rej.value
	}
	return rej
}

// apply ingests the event and logs the request in the same transaction.
func (l *Listener) apply(ctx context.Context, d *delivery, in engine.EventInput, sources map[string]Source) (*Answer, int, *rejection) {
	ans := &Answer{}
	res, err := l.eng.IngestWith(ctx, in, func(tx store.Tx, res *engine.IngestResult) error {
		outcome, status := OutcomeApplied, http.StatusCreated
		if res.Duplicate {
			outcome, status = OutcomeDuplicate, http.StatusOK
		}
		req := &store.HookRequest{EndpointID: d.ep.ID, ReceivedAt: d.received, StatusCode: status, Outcome: outcome,
			WebhookID: d.deliveryID, Headers: d.headers, Body: d.body, EventID: res.EventID}
		if err := tx.InsertHookRequest(req); err != nil {
			return err
		}
		ans.RequestID = req.ID
		if d.deliveryID != "" && !res.Duplicate {
			if err := tx.RememberHookDelivery(&store.HookDelivery{EndpointID: d.ep.ID, DeliveryID: d.deliveryID,
				ReceivedAt: d.received, Outcome: outcome, EventID: res.EventID}); err != nil {
				return err
			}
		}
		return tx.HookSucceeded(d.ep.ID)
	})
	if err != nil {
		var ie *problem.Error
		var ce *engine.ConflictError
		switch {
		case errors.As(err, &ie):
			return nil, 0, eventRejection(ie, sources)
		case errors.As(err, &ce):
			return nil, 0, reject(http.StatusConflict, "unique_conflict", false, map[string]any{"field": ce.Field, "record_id": ce.RecordID}, "%s", ce.Error())
		case errors.Is(err, store.ErrNotFound):
			// The matched record was deleted between the lookup and the write.
			return l.finish(ctx, d, OutcomeSkipped, http.StatusAccepted, "the matched record no longer exists; nothing was applied", nil)
		case errors.Is(err, store.ErrConflict):
			return nil, 0, reject(http.StatusConflict, "conflict", false, nil, "%v", err)
		}
		l.log.Error("ingest webhook delivery", "endpoint", d.ep.ID, "err", err)
		return nil, 0, reject(http.StatusInternalServerError, "internal", false, nil, "the delivery could not be stored; retry later")
	}
	ans.EventID, ans.RecordID, ans.RecordCreated, ans.Enrollments = res.EventID, res.RecordID, res.RecordCreated, res.Enrollments
	if res.Duplicate {
		ans.Outcome = OutcomeDuplicate
		ans.RecordCreated, ans.Enrollments = false, nil
		ans.Message = "this delivery was received before; it was not applied again"
		return ans, http.StatusOK, nil
	}
	ans.Outcome = OutcomeApplied
	return ans, http.StatusCreated, nil
}

// finish commits a delivery that produced no event: its log line, its delivery id and the
// failure-counter reset, plus more (may be nil) in the same transaction. A delivery id seen in
// the meantime turns it into a duplicate.
func (l *Listener) finish(ctx context.Context, d *delivery, outcome string, status int, message string, more func(tx store.Tx, requestID int64) error) (*Answer, int, *rejection) {
	ans := &Answer{Outcome: outcome, Message: message}
	err := l.db.Write(ctx, func(tx store.Tx) error {
		o, st := outcome, status
		if d.deliveryID != "" {
			if prev, err := tx.HookDelivery(d.ep.ID, d.deliveryID); err == nil && d.received.Sub(prev.ReceivedAt) < l.opts.ReplayWindow {
				o, st = OutcomeDuplicate, http.StatusOK
				ans.EventID = prev.EventID
			}
		}
		req := &store.HookRequest{EndpointID: d.ep.ID, ReceivedAt: d.received, StatusCode: st, Outcome: o,
			WebhookID: d.deliveryID, Headers: d.headers, Body: d.body}
		if err := tx.InsertHookRequest(req); err != nil {
			return err
		}
		ans.RequestID, ans.Outcome, status = req.ID, o, st
		if o == OutcomeDuplicate {
			ans.Message = "this delivery was received before; it was not applied again"
			return tx.HookSucceeded(d.ep.ID)
		}
		if d.deliveryID != "" {
			if err := tx.RememberHookDelivery(&store.HookDelivery{EndpointID: d.ep.ID, DeliveryID: d.deliveryID, ReceivedAt: d.received, Outcome: o}); err != nil {
				return err
			}
		}
		if more != nil {
			if err := more(tx, req.ID); err != nil {
				return err
			}
		}
		return tx.HookSucceeded(d.ep.ID)
	})
	if err != nil {
		l.log.Error("log webhook delivery", "endpoint", d.ep.ID, "err", err)
		return nil, 0, reject(http.StatusInternalServerError, "internal", false, nil, "the delivery could not be stored; retry later")
	}
	return ans, status, nil
}

// duplicate answers a delivery id seen within the replay window.
func (l *Listener) duplicate(ctx context.Context, d *delivery, eventID int64) (*Answer, int, *rejection) {
	ans := &Answer{Outcome: OutcomeDuplicate, EventID: eventID, Message: "this delivery was received before; it was not applied again"}
	err := l.db.Write(ctx, func(tx store.Tx) error {
		req := &store.HookRequest{EndpointID: d.ep.ID, ReceivedAt: d.received, StatusCode: http.StatusOK, Outcome: OutcomeDuplicate,
			WebhookID: d.deliveryID, Headers: d.headers, Body: d.body, EventID: eventID}
		if err := tx.InsertHookRequest(req); err != nil {
			return err
		}
		ans.RequestID = req.ID
		return tx.HookSucceeded(d.ep.ID)
	})
	if err != nil {
		l.log.Warn("log duplicate webhook delivery", "endpoint", d.ep.ID, "err", err)
	}
	return ans, http.StatusOK, nil
}

// capture stores the payload as the endpoint's test event. ok is false when another request
// took the capture first (this one is then handled normally).
func (l *Listener) capture(ctx context.Context, d *delivery, h http.Header, payload map[string]any) (*Answer, bool, *rejection) {
	var headers map[string]string
	_ = json.Unmarshal([]byte(d.headers), &headers)
	c := Capture{ReceivedAt: d.received, WebhookID: d.deliveryID, Headers: headers, Payload: payload}
	enc, err := json.Marshal(c)
	if err != nil {
		return nil, false, reject(http.StatusInternalServerError, "internal", false, nil, "internal error")
	}
	ans := &Answer{Outcome: OutcomeCaptured, Message: "captured as this endpoint's test event; nothing was applied"}
	var claimed bool
	err = l.db.Write(ctx, func(tx store.Tx) error {
		var err error
		if claimed, err = tx.ClaimHookCapture(d.ep.ID, string(enc), d.received); err != nil || !claimed {
			return err
		}
		req := &store.HookRequest{EndpointID: d.ep.ID, ReceivedAt: d.received, StatusCode: http.StatusAccepted, Outcome: OutcomeCaptured,
			WebhookID: d.deliveryID, Headers: d.headers, Body: d.body}
		if err := tx.InsertHookRequest(req); err != nil {
			return err
		}
		ans.RequestID = req.ID
		return tx.HookSucceeded(d.ep.ID)
	})
	if err != nil {
		l.log.Error("capture webhook delivery", "endpoint", d.ep.ID, "err", err)
		return nil, false, reject(http.StatusInternalServerError, "internal", false, nil, "the delivery could not be stored; retry later")
	}
	return ans, claimed, nil
}

// rejected logs a refused delivery and, for the sender's faults, counts it; after max_failures
// in a row the endpoint is disabled and a notification added. Nothing else is written.
func (l *Listener) rejected(ctx context.Context, d *delivery, rej *rejection) {
	body := d.body
	if len(body) > int(DefaultMaxBody) {
		body = body[:DefaultMaxBody]
	}
	var disabled *store.HookEndpoint
	var disabledReason string
	err := l.db.Write(context.WithoutCancel(ctx), func(tx store.Tx) error {
		disabled = nil
		req := &store.HookRequest{EndpointID: d.ep.ID, ReceivedAt: d.received, StatusCode: rej.status, Outcome: OutcomeRejected,
			Error: rej.code + ": " + rej.message, ErrorCode: rej.code, ErrorField: rej.field(), ErrorPath: rej.path, ErrorValue: rej.valueJSON(), WebhookID: d.deliveryID, Headers: d.headers, Body: body}
		if err := tx.InsertHookRequest(req); err != nil {
			return err
		}
		if !rej.counted {
			return nil
		}
		ep, err := tx.HookFailed(d.ep.ID)
		if err != nil {
			return err
		}
		if !ep.Enabled || ep.ConsecutiveFailures < ep.MaxFailures {
			return nil
		}
		reason := fmt.Sprintf("disabled after %d failed deliveries in a row; the last one: %d %s", ep.ConsecutiveFailures, rej.status, rej.message)
		if len(reason) > 500 {
			reason = reason[:500]
		}
		if err := tx.DisableHookEndpoint(ep.ID, reason, d.received); err != nil {
			return err
		}
		disabled, disabledReason = ep, reason
		return tx.AddNotification(&store.Notification{Kind: "hook_disabled",
			Title: fmt.Sprintf("Webhook endpoint %q was disabled", ep.Name),
			Body:  reason + ". Check the sender's settings, then re-enable the endpoint.",
			Link:  "/webhooks/" + ep.ID}, d.received)
	})
	if err != nil {
		l.log.Warn("log rejected webhook delivery", "endpoint", d.ep.ID, "err", err)
		return
	}
	if disabled != nil && l.opts.OnDisabled != nil {
		// After the commit: the in-app notification is the durable record; this is the nudge.
		l.opts.OnDisabled(context.WithoutCancel(ctx), disabled, disabledReason)
	}
}

// redactHeaders returns the request headers as a JSON object, without credentials: the
// endpoint's own API key header, the signature, and whatever the masking rule
// (workflow.Credential) takes for a credential.
func redactHeaders(h http.Header, ep *store.HookEndpoint) string {
	secretHeaders := map[string]bool{"authorization": true, "proxy-authorization": true, "cookie": true,
		"x-api-key": true, HeaderSignature: true}
	var cfg struct {
		APIKeyHeader string `json:"api_key_header"`
	}
	if json.Unmarshal([]byte(ep.Config), &cfg) == nil && cfg.APIKeyHeader != "" {
		secretHeaders[strings.ToLower(cfg.APIKeyHeader)] = true
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make(map[string]string, len(names))
	size := 0
	for _, k := range names {
		lk := strings.ToLower(k)
		v := strings.Join(h[k], ", ")
		if secretHeaders[lk] || workflow.Credential(k, v) {
			v = workflow.Hidden
		}
		if size += len(k) + len(v); size > 16<<10 {
			break
		}
		out[lk] = v
	}
	b, _ := json.Marshal(out)
	return string(b)
}
