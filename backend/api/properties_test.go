package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// A user declares properties and an object type over HTTP, writes through every route, and
// every bad write is refused naming record.properties.<name> with nothing written.
func TestPropertiesAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var ann int64
	run(t, e, []scenario{
		{name: "declare an enum", method: "POST", url: "/api/properties",
			body:       `{"object": "contact", "name": "plan", "label": "Plan", "type": "enum", "options": ["free", "pro"]}`,
			wantStatus: 201, wantContains: []string{`"options":["free","pro"]`}},
		{name: "declare a date", method: "POST", url: "/api/properties", body: `{"name": "trial_end", "label": "Trial ends", "type": "date"}`, wantStatus: 201},
		{name: "declare an integer", method: "POST", url: "/api/properties", body: `{"name": "big", "type": "integer"}`, wantStatus: 201},
		{name: "declare a unique id", method: "POST", url: "/api/properties", body: `{"name": "customer_id", "type": "string", "unique": true}`, wantStatus: 201},
		{name: "declare twice", method: "POST", url: "/api/properties", body: `{"name": "plan", "type": "string"}`, wantStatus: 409, wantCode: "conflict"},
		{name: "declare with every mistake", method: "POST", url: "/api/properties", body: `{"object": "planet", "name": "1x", "type": "decimal", "options": ["a"]}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"object"`, "name:", "type:", "options:"}},
		{name: "an event with good values", method: "POST", url: "/api/events", wantStatus: 201,
			body: `{"type": "signup", "record": {"email": "ann@example.com", "properties": {"plan": "Pro", "trial_end": "2026-12-02", "big": 9223372036854775807, "score": "12,5", "customer_id": "C-1"}}}`,
			after: func(t *testing.T, e *env, res *response) {
				ann = idOf(res.json(t)["record_id"])
				body := string(e.request("GET", "/api/records/"+itoa(ann), "", nil).body)
				for _, want := range []string{`"big":9223372036854775807`, `"plan":"pro"`, `"score":12.5`, `"trial_end":"2026-12-02"`} {
					if !strings.Contains(body, want) {
						t.Fatalf("record lacks %s: %s", want, body)
					}
				}
			}},
		{name: "a word for a number", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "bob@example.com", "properties": {"score": "abc"}}}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.properties.score"`}},
		{name: "an enum value outside its options", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "bob@example.com", "properties": {"plan": "gold"}}}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.properties.plan"`, "free, pro"}},
		{name: "a date that does not parse", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "bob@example.com", "properties": {"trial_end": "31-02-2026"}}}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.properties.trial_end"`}},
		{name: "an integer beyond 64 bits", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "bob@example.com", "properties": {"big": 92233720368547758080}}}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"record.properties.big"`, "64 bits"}},
		{name: "a unique value another record holds", method: "POST", url: "/api/events", body: `{"type": "x", "record": {"email": "bob@example.com", "properties": {"customer_id": "C-1"}}}`,
			wantStatus: 409, wantCode: "unique_conflict", wantContains: []string{`"field":"record.properties.customer_id"`, `"record_id":1`}},
		{name: "PATCH a wrong type", method: "PATCH", url: "/api/records/1", body: `{"properties": {"plan": "gold", "city": "Utrecht"}}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"properties.plan"`},
			after: func(t *testing.T, e *env, res *response) {
				if strings.Contains(string(e.request("GET", "/api/records/1", "", nil).body), "Utrecht") {
					t.Fatal("a refused PATCH wrote the good property next to the bad one")
				}
			}},
		{name: "PATCH keeps 64 bits", method: "PATCH", url: "/api/records/1", body: `{"properties": {"big": 9223372036854775806}}`,
			wantStatus: 200, wantContains: []string{`"big":9223372036854775806`}},
		{name: "PATCH an integer beyond 64 bits", method: "PATCH", url: "/api/records/1", body: `{"properties": {"big": 9223372036854775808}}`,
			wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"properties.big"`, "64 bits"}},
		{name: "change a type the values cannot take", method: "PATCH", url: "/api/properties/contact/plan", body: `{"type": "number"}`,
			wantStatus: 409, wantCode: "values_do_not_convert", wantContains: []string{`"count":1`, `"records":[1]`}},
		{name: "change a label", method: "PATCH", url: "/api/properties/contact/plan", body: `{"label": "Pricing plan"}`,
			wantStatus: 200, wantContains: []string{`"label":"Pricing plan"`}},
		{name: "a workflow that uses plan", method: "POST", url: "/api/workflows", wantStatus: 201,
			body: `{"id": "upgrade", "name": "Upgrade", "object": "contact", "triggers": [{"type": "event", "event": "paid"}], "start": "s", "steps": [{"id": "s", "type": "set_property", "property": "plan", "value": "pro"}]}`},
		{name: "delete a property in use", method: "DELETE", url: "/api/properties/contact/plan", wantStatus: 409, wantCode: "in_use",
			wantContains: []string{`"used_by":["workflow \"Upgrade\" (upgrade)"]`}},
		{name: "delete an unused property", method: "DELETE", url: "/api/properties/contact/big", wantStatus: 204},
		{name: "delete it again", method: "DELETE", url: "/api/properties/contact/big", wantStatus: 404, wantCode: "not_found"},
		{name: "a custom object type", method: "POST", url: "/api/objects", body: `{"name": "invoice", "label": "Invoice", "primary": "number"}`, wantStatus: 201},
		{name: "a bad object name", method: "POST", url: "/api/objects", body: `{"name": "Invoice Items"}`, wantStatus: 422, wantCode: "invalid_input", wantContains: []string{`"field":"name"`}},
		{name: "list objects", method: "GET", url: "/api/objects", wantStatus: 200, wantContains: []string{`"name":"invoice","label":"Invoice","primary":"number"`}},
		{name: "a property of the custom object", method: "POST", url: "/api/properties", body: `{"object": "invoice", "name": "total", "type": "number"}`, wantStatus: 201},
		{name: "list the invoice properties", method: "GET", url: "/api/properties?object=invoice", wantStatus: 200,
			wantContains: []string{`"name":"number"`, `"name":"total"`, `"types":["string","number","integer"`}},
		{name: "a workflow on the custom object", method: "POST", url: "/api/workflows", wantStatus: 201,
			body: `{"id": "inv", "name": "Invoices", "object": "invoice", "triggers": [{"type": "filter", "filter": {"property": "total", "op": "gt", "value": 100}}], "start": "s", "steps": [{"id": "s", "type": "notify", "users": ["ann"], "text": "big"}]}`},
	})
}

// A webhook mapping's type declares the property it fills; a strict endpoint refuses what
// nobody declared; a payload email that is not an email is refused.
func TestHookMappingDeclaresType(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mk := func(body string) string {
		return e.call("POST", "/api/hooks", body, 201)["url"].(string)
	}
	url := mk(`{"name": "Trials", "auth": "none", "event": "trial.started", "mapping": [{"path": "email", "property": "email"}, {"path": "ends", "property": "trial_end", "type": "date"}, {"path": "seats", "property": "seats", "type": "integer"}]}`)
	strict := mk(`{"name": "Strict", "auth": "none", "strict": true, "event": "x", "mapping": [{"path": "email", "property": "email"}, {"path": "c", "property": "ctiy"}]}`)
	if st, body := sendHook(t, url, []byte(`{"email": "ann@example.com", "ends": "2026-12-02", "seats": 9007199254740993}`), http.Header{}); st != 201 {
		t.Fatalf("delivery: %d %v", st, body)
	}
	props := e.call("GET", "/api/properties?object=contact", nil, 200)["properties"].([]any)
	types := map[string]any{}
	for _, p := range props {
		m := p.(map[string]any)
		types[m["name"].(string)] = m["type"]
	}
	if types["trial_end"] != "date" || types["seats"] != "integer" {
		t.Fatalf("declared %v %v", types["trial_end"], types["seats"])
	}
	// The date property drives before/after filters.
	if v := e.call("POST", "/api/workflows/validate", `{"name": "f", "object": "contact", "triggers": [{"type": "filter", "filter": {"property": "trial_end", "op": "before", "value": "2027-01-01"}}], "start": "n", "steps": [{"id": "n", "type": "notify", "users": ["a"], "text": "x"}]}`, 200); v["valid"] != true {
		t.Fatalf("before on a mapped date: %v", v)
	}

	for _, tc := range []struct {
		name, url, body, field string
	}{
		{"a payload email that is not one", url, `{"email": "not-an-email", "ends": "2026-12-02"}`, "email"},
		{"a date that does not parse", url, `{"email": "bob@example.com", "ends": "31-02-2026"}`, "ends"},
		{"a property a strict mapping does not know", strict, `{"email": "bob@example.com", "c": "Utrecht"}`, "record.properties.ctiy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.counts()
			st, body := sendHook(t, tc.url, []byte(tc.body), http.Header{})
			if st != 422 || !strings.Contains(mustJSON(t, body), tc.field) {
				t.Fatalf("status %d %v, want 422 naming %s", st, body, tc.field)
			}
			if after := e.counts(); after != before {
				t.Fatalf("counts %+v -> %+v", before, after)
			}
		})
	}
}
