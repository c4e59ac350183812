package api_test

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestEmailIdentity: addresses that differ only in Unicode case or normalisation are one contact,
// and the spelling first seen is kept for display.
func TestEmailIdentity(t *testing.T) {
	e := newEnv(t)
	first := e.call("POST", "/api/events", `{"type": "x", "record": {"email": "jörg@bücher.de", "properties": {"city": "Köln"}}}`, 201)
	for _, spelling := range []string{"JÖRG@BÜCHER.DE", "jo\u0308rg@bu\u0308cher.de", " Jörg@Bücher.de "} {
		got := e.call("POST", "/api/events", `{"type": "x", "record": {"email": "`+spelling+`"}}`, 201)
		if got["record_id"] != first["record_id"] || got["record_created"] != false {
			t.Fatalf("%q: record %v (created %v), want the existing record %v", spelling, got["record_id"], got["record_created"], first["record_id"])
		}
	}
	if c := e.counts(); c.Records != 1 {
		t.Fatalf("%d records, want 1", c.Records)
	}
	recs := e.call("GET", "/api/records?email=J%C3%96RG@B%C3%9CCHER.DE", nil, 200)["records"].([]any)
	if len(recs) != 1 || recs[0].(map[string]any)["email"] != "jörg@bücher.de" {
		t.Fatalf("lookup by another spelling: %v", recs)
	}
}

// TestHookLogStaysUTF8: a webhook body that is not UTF-8 is refused with the byte named, and the
// request log shows it base64-encoded, so the API's answer is valid UTF-8.
func TestHookLogStaysUTF8(t *testing.T) {
	e := newEnv(t)
	ep := e.call("POST", "/api/hooks", map[string]any{"name": "Form", "auth": "none", "preset": "systemeio"}, 201)
	id := ep["id"].(string)
	url := ep["url"].(string)
	body := "{\"type\": \"contact.tag.added\", \"data\": {\"contact\": {\"email\": \"a@b.co\"}, \"tag\": {\"name\": \"K\xf6ln\"}}}"
	st, m := sendHook(t, url, []byte(body), http.Header{})
	if st != 400 || !strings.Contains(mustJSON(t, m), "not valid UTF-8 at byte") {
		t.Fatalf("non-UTF-8 body: %d %v", st, m)
	}
	res := e.request("GET", "/api/hooks/"+id+"/requests", "", nil)
	if res.status != 200 || !utf8.Valid(res.body) || !strings.Contains(string(res.body), `"body_base64":`) {
		t.Fatalf("request log: %d valid UTF-8 %v\n%s", res.status, utf8.Valid(res.body), res.body)
	}
	if c := e.counts(); c.Records != 0 || c.Events != 0 {
		t.Fatalf("a refused body wrote %+v", c)
	}
}
