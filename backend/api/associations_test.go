package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
)

// newRecord stores a record of a type (there is no create route; records come from events,
// webhooks, imports and create_record steps).
func (e *env) newRecord(typ, email string, props map[string]any) int64 {
	e.t.Helper()
	var id int64
	if err := e.db.Write(e.ctx, func(tx store.Tx) error {
		ch, err := tx.UpsertRecord(typ, 0, email, props, e.clock.Now())
		if err == nil {
			id = ch.Record.ID
		}
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func TestAssociationsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann := e.newRecord("contact", "ann@example.com", map[string]any{"first_name": "Ann"})
	acme := e.newRecord("company", "", map[string]any{"name": "Acme", "industry": "software"})
	e.call("POST", "/api/objects", `{"name": "invoice", "label": "Invoice"}`, 201)
	inv := e.newRecord("invoice", "", map[string]any{"name": "INV-1"})
	url := fmt.Sprintf("/api/records/%d/associations", ann)
	run(t, e, []scenario{
		{name: "no record_id", method: "POST", url: url, body: `{"label": "Primary"}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record_id"`}},
		{name: "itself", method: "POST", url: url, body: fmt.Sprintf(`{"record_id": %d}`, ann), wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record_id"`, "itself"}},
		{name: "a record that does not exist", method: "POST", url: url, body: `{"record_id": 999}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record_id"`, "no record 999"}},
		{name: "a label too long", method: "POST", url: url, body: fmt.Sprintf(`{"record_id": %d, "label": %q}`, acme, strings.Repeat("x", 101)), wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"label"`}},
		{name: "an unknown field", method: "POST", url: url, body: fmt.Sprintf(`{"record": %d}`, acme), wantStatus: 400, wantCode: "unknown_field"},
		{name: "from a record that does not exist", method: "POST", url: "/api/records/999/associations", body: fmt.Sprintf(`{"record_id": %d}`, acme), wantStatus: 404, wantCode: "not_found"},
		{name: "a type with no association defined", method: "POST", url: url, body: fmt.Sprintf(`{"record_id": %d}`, inv), wantStatus: 422, wantCode: "invalid_input",
			wantContains: []string{`"field":"record_id"`, "a contact cannot be associated with an invoice", "company, deal, ticket"}},
		{name: "a bad type filter", method: "GET", url: url + "?type=planet", wantStatus: 400, wantCode: "bad_query", wantContains: []string{`"field":"type"`}},
		{name: "an association type with an unknown type", method: "POST", url: "/api/association-types", body: `{"from": "contact", "to": "planet"}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"to"`}},
		{
			name: "link the contact to its company", method: "POST", url: url, body: fmt.Sprintf(`{"record_id": %d, "label": "Primary"}`, acme), wantStatus: 201,
			wantContains: []string{`"created":true`, `"label":"Primary"`, `"type":"company"`},
			after: func(t *testing.T, e *env, _ *response) {
				if c := e.counts(); c.Associations != 1 {
					t.Fatalf("associations %d, want 1", c.Associations)
				}
				// Seen from the company too.
				got := e.call("GET", fmt.Sprintf("/api/records/%d/associations", acme), nil, 200)["associations"].([]any)
				if len(got) != 1 || idOf(got[0].(map[string]any)["record_id"]) != ann || got[0].(map[string]any)["record"].(map[string]any)["email"] != "ann@example.com" {
					t.Fatalf("the company's associations %v", got)
				}
			},
		},
		{name: "the same link again", method: "POST", url: url, body: fmt.Sprintf(`{"record_id": %d, "label": "Primary"}`, acme), wantStatus: 200, wantContains: []string{`"created":false`}},
		{name: "list them", method: "GET", url: url + "?type=company", wantStatus: 200, wantContains: []string{`"record_id":` + fmt.Sprint(acme), `"name":"Acme"`, `"associable":["company","deal","ticket"]`}},
		{name: "define contact-invoice", method: "POST", url: "/api/association-types", body: `{"from": "contact", "to": "invoice"}`, wantStatus: 201},
		{name: "now the invoice links", method: "POST", url: url, body: fmt.Sprintf(`{"record_id": %d}`, inv), wantStatus: 201},
		{name: "remove with a label it does not have", method: "DELETE", url: url, body: fmt.Sprintf(`{"record_id": %d, "label": "Billing"}`, acme), wantStatus: 422, wantCode: "invalid_input",
			wantContains: []string{`"field":"record_id"`, "not associated"}},
		{
			name: "remove the company link", method: "DELETE", url: url, body: fmt.Sprintf(`{"record_id": %d}`, acme), wantStatus: 200, wantContains: []string{`"removed":1`},
			after: func(t *testing.T, e *env, _ *response) {
				if c := e.counts(); c.Associations != 1 {
					t.Fatalf("associations %d, want 1 (the invoice)", c.Associations)
				}
			},
		},
	})
}
