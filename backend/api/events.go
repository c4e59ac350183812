package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/store"
)

// eventBody is the JSON of POST /api/events: engine.EventInput's fields, with a timestamp that
// reports a bad occurred_at as a wrong_type error naming the field.
type eventBody struct {
	Type       string            `json:"type"`
	Record     engine.RecordRef  `json:"record"`
	Scope      map[string]string `json:"scope,omitempty"`
	Data       map[string]any    `json:"data,omitempty"`
	OccurredAt *timestamp        `json:"occurred_at,omitempty"`
}

func (b *eventBody) input() engine.EventInput {
	in := engine.EventInput{Type: b.Type, Record: b.Record, Scope: b.Scope, Data: b.Data}
	if b.OccurredAt != nil {
		t := time.Time(*b.OccurredAt)
		in.OccurredAt = &t
	}
	return in
}

// timestamp is an RFC 3339 time in a request body.
type timestamp time.Time

var timeType = reflect.TypeFor[time.Time]()

// UnmarshalJSON parses an RFC 3339 string; anything else is a *json.UnmarshalTypeError, which
// the decoder completes with the field's path.
func (ts *timestamp) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: timeType}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + string(b), Type: timeType}
	}
	*ts = timestamp(t)
	return nil
}

func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number " + string(b)
}

func (s *Server) postEvent(w http.ResponseWriter, r *http.Request) {
	var body eventBody
	if err := decode(w, r, MaxEventBody, &body); err != nil {
		writeError(w, err)
		return
	}
	in := body.input()
	in.IdempotencyKey = r.Header.Get("Idempotency-Key")
	if len(in.IdempotencyKey) > 255 {
		writeError(w, apiError(http.StatusBadRequest, "bad_header", "Idempotency-Key is longer than 255 characters"))
		return
	}
	res, err := s.eng.Ingest(r.Context(), in)
	if err != nil {
		writeError(w, err)
		return
	}
	res.Enrollments, res.Resumed = nonNil(res.Enrollments), nonNil(res.Resumed)
	status := http.StatusCreated
	if res.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, res)
}

// eventCatalogue is GET /api/events/catalogue: the built-in event types, the ones seen on this
// machine or sent by its endpoints, each with its fields (catalogued and found in the latest
// stored payloads), and the sources to group them by.
func (s *Server) eventCatalogue(w http.ResponseWriter, r *http.Request) {
	seen, err := s.db.SeenEventTypes(r.Context(), hook.MaxSeenTypes, hook.SeenSamples)
	if err != nil {
		writeError(w, err)
		return
	}
	sent, err := hook.EventTypes(r.Context(), s.db)
	if err != nil {
		writeError(w, err)
		return
	}
	have := map[string]bool{}
	for _, t := range seen {
		have[t.Type] = true
	}
	for _, t := range sent {
		if !have[t] {
			seen = append(seen, store.SeenEventType{Type: t})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": hook.WithSeen(hook.Catalogue, seen), "sources": hook.Sources})
}

// The scope picker looks at the latest scopeScan events of a type and offers at most
// scopeLimit values: enough for every webinar or funnel in use, bounded on any database.
const (
	scopeScan  = 5000
	scopeLimit = 100
)

// scopeView is one value a scope key took in the events of a type, named from its payload.
type scopeView struct {
	Key      string    `json:"key"`
	Value    string    `json:"value"`
	Name     string    `json:"name,omitempty"`
	Count    int64     `json:"count"`
	LastSeen time.Time `json:"last_seen"`
}

// eventScopes is GET /api/events/scopes?type=webinar.viewer: the scope values (webinar,
// funnel, tag…) the latest events of that type carried, newest first, each named from its
// latest payload, so a trigger's "only in scope" is picked rather than typed.
func (s *Server) eventScopes(w http.ResponseWriter, r *http.Request) {
	typ := strings.TrimSpace(r.URL.Query().Get("type"))
	if typ == "" {
		e := apiError(http.StatusBadRequest, "bad_query", "type is missing: give the event type whose scopes to list, e.g. ?type=webinar.viewer")
		e.Details = map[string]any{"field": "type"}
		writeError(w, e)
		return
	}
	seen, err := s.db.EventScopes(r.Context(), typ, scopeScan, scopeLimit)
	if err != nil {
		writeError(w, err)
		return
	}
	// The "hook" scope (the endpoint an event came through) is named after the endpoint.
	endpoints := map[string]string{}
	if slices.ContainsFunc(seen, func(sc store.SeenScope) bool { return sc.Key == "hook" }) {
		hooks, err := s.db.HookEndpoints(r.Context())
		if err != nil {
			writeError(w, err)
			return
		}
		for _, h := range hooks {
			endpoints[h.ID] = h.Name
		}
	}
	out := make([]scopeView, 0, len(seen))
	for _, sc := range seen {
		name := hook.ScopeName(sc.Key, sc.Value, sc.Data)
		if sc.Key == "hook" {
			name = endpoints[sc.Value]
		}
		out = append(out, scopeView{Key: sc.Key, Value: sc.Value, Name: name, Count: sc.Count, LastSeen: sc.LastSeen})
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": typ, "scopes": out})
}
