package hook

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
)

var formHeader = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

// The ActiveCampaign samples post as the form ActiveCampaign sends, the HubSpot sample as the
// contact a HubSpot workflow's webhook sends, each to an endpoint with its preset: the right
// contact, event type, scope and tags, and a workflow on the event starts.
func TestActiveCampaignAndHubSpotSamples(t *testing.T) {
	e := newEnv(t)
	ac := e.create(Config{Name: "ActiveCampaign", Preset: "activecampaign", Auth: AuthNone})
	hs := e.create(Config{Name: "HubSpot", Preset: "hubspot", Auth: AuthNone})
	cases := []struct {
		file  string
		ep    *Created
		head  http.Header
		typ   string
		email string
		props map[string]any
		scope map[string]string
	}{
		{"activecampaign/subscribe.form", ac, formHeader, "activecampaign.subscribe", "ann.jansen@example.com",
			map[string]any{"first_name": "Ann", "last_name": "Jansen", "company": "Acme", "activecampaign_id": "1042", "phone": "+31612345678"},
			map[string]string{"list": "3"}},
		{"activecampaign/contact_tag_added.form", ac, formHeader, "activecampaign.contact_tag_added", "ann.jansen@example.com",
			map[string]any{"tags": []any{"webinar-march"}},
			map[string]string{"list": "0", "tag": "webinar-march"}},
		{"hubspot/form_submitted.json", hs, nil, "hubspot.form_submitted", "bram.devries@example.com",
			map[string]any{"first_name": "Bram", "last_name": "de Vries", "company": "Acme BV", "hubspot_id": "3234574"},
			map[string]string{"form": "70e9f9f2-6a9b-4f55-9a53-9e0b1d7f4b11", "portal": "62515"}},
	}
	var files []string
	for _, dir := range []string{"activecampaign", "hubspot"} {
		fs, _ := filepath.Glob("../../testdata/payloads/" + dir + "/*")
		files = append(files, fs...)
	}
	if len(files) != len(cases) {
		t.Fatalf("%d sample files, %d cases: every file needs a case", len(files), len(cases))
	}
	for _, c := range cases {
		e.deploy(`{"id": "wf-` + strings.NewReplacer(".", "-", "_", "-").Replace(c.typ) + `", "name": "On ` + c.typ + `", "object": "contact",
			"triggers": [{"type": "event", "event": "` + c.typ + `"}],
			"start": "s", "steps": [{"id": "s", "type": "delay", "duration": "1d"}]}`)
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			body, err := os.ReadFile("../../testdata/payloads/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			r := e.post(c.ep.Key, body, c.head)
			if r.status != http.StatusCreated || r.outcome() != OutcomeApplied {
				t.Fatalf("status %d %s", r.status, r.raw)
			}
			rec := e.record(c.email)
			for k, want := range c.props {
				if got := rec.Properties[k]; !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
			ev, err := e.db.Event(e.ctx, int64(r.body["event_id"].(float64)))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"hook": c.ep.ID}
			for k, v := range c.scope {
				want[k] = v
			}
			if ev.Type != c.typ || ev.RecordID != rec.ID || !reflect.DeepEqual(ev.Scope, want) {
				t.Errorf("event %s for record %d scope %v, want %s for %d scope %v", ev.Type, ev.RecordID, ev.Scope, c.typ, rec.ID, want)
			}
			ens, err := e.db.Enrollments(e.ctx, store.EnrollmentQuery{WorkflowID: "wf-" + strings.NewReplacer(".", "-", "_", "-").Replace(c.typ)})
			if err != nil || len(ens) != 1 {
				t.Errorf("enrollments %v %v, want the workflow on %s started once", ens, err, c.typ)
			}
		})
	}
}

// Every field the catalogue lists for an ActiveCampaign or HubSpot event is in its sample.
func TestActiveCampaignAndHubSpotCatalogueMatchesSamples(t *testing.T) {
	samples := map[string]string{
		"activecampaign.subscribe":         "activecampaign/subscribe.form",
		"activecampaign.contact_tag_added": "activecampaign/contact_tag_added.form",
		"hubspot.form_submitted":           "hubspot/form_submitted.json",
	}
	seen := 0
	for _, ev := range Catalogue {
		if ev.Source != "activecampaign" && ev.Source != "hubspot" {
			continue
		}
		seen++
		file, ok := samples[ev.Type]
		if !ok {
			t.Errorf("%s is catalogued but has no sample", ev.Type)
			continue
		}
		body, err := os.ReadFile("../../testdata/payloads/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		if strings.HasSuffix(file, ".form") {
			p, err = decodeForm(body)
		} else {
			p, err = decodePayload(body)
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, pr := range ev.Properties {
			if !keyInAny([]map[string]any{p}, pr.Path) {
				t.Errorf("%s: catalogue field %q is not in the sample", ev.Type, pr.Path)
			}
		}
	}
	if seen != len(samples) {
		t.Fatalf("%d ActiveCampaign/HubSpot events catalogued, want %d", seen, len(samples))
	}
}

func TestDecodeFormNestsBracketedKeys(t *testing.T) {
	got, err := decodeForm([]byte("type=subscribe&contact[email]=a%40example.com&contact[fields][12]=x&ids[]=1&ids[]=2&dup=a&dup=b"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"type": "subscribe", "contact": map[string]any{"email": "a@example.com", "fields": map[string]any{"12": "x"}},
		"ids": []any{"1", "2"}, "dup": []any{"a", "b"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
}

// Bad form bodies are refused with what is wrong and change nothing.
func TestFormBodiesRefused(t *testing.T) {
	e := newEnv(t)
	ac := e.create(Config{Name: "ActiveCampaign", Preset: "activecampaign", Auth: AuthNone})
	plain := e.create(Config{Name: "JSON only", Auth: AuthNone, Mapping: []Field{{Path: "email", Property: "email", Type: TypeString, Required: true}}})
	before := e.counts()
	cases := []struct {
		name   string
		key    string
		body   []byte
		head   http.Header
		status int
		code   string
		says   string
	}{
		{"value and object", ac.Key, []byte("type=subscribe&contact=x&contact[email]=a%40example.com"), formHeader, 400, "malformed_form", `contact[email]`},
		{"unclosed bracket", ac.Key, []byte("type=subscribe&contact[email=a%40example.com"), formHeader, 400, "malformed_form", "unclosed ["},
		{"bad escape", ac.Key, []byte("type=subscribe&contact[email]=%zz"), formHeader, 400, "malformed_form", "does not parse"},
		{"not UTF-8", ac.Key, append([]byte("type=subscribe&contact[first_name]="), 0xff), formHeader, 400, "invalid_utf8", `"offset":35`},
		{"no email", ac.Key, []byte("type=subscribe&list=3&contact[first_name]=Ann"), formHeader, 422, "mapping_failed", "contact.email"},
		{"not an email", ac.Key, []byte("type=subscribe&list=3&contact[email]=ann"), formHeader, 422, "mapping_failed", "contact.email"},
		{"JSON not UTF-8", plain.Key, []byte("{\"email\": \"\xff\"}"), nil, 400, "invalid_utf8", `"field":"body","offset":11`},
		{"form at a JSON endpoint", plain.Key, []byte("email=a%40example.com"), formHeader, 415, "unsupported_media_type", "application/json"},
		{"text at a form endpoint", ac.Key, []byte("hello"), http.Header{"Content-Type": {"text/plain"}}, 415, "unsupported_media_type", "application/x-www-form-urlencoded"},
	}
	for _, c := range cases {
		r := e.post(c.key, c.body, c.head)
		msg, _ := r.body["error"].(map[string]any)["message"].(string)
		if r.status != c.status || r.code() != c.code || !strings.Contains(r.raw, c.says) || msg == "" {
			t.Errorf("%s: %d %s, want %d %s saying %s", c.name, r.status, r.raw, c.status, c.code, c.says)
		}
	}
	after := e.counts()
	after.requests = before.requests
	if after != before {
		t.Fatalf("refused forms changed %+v into %+v", before, after)
	}
	// A form endpoint takes JSON too (a hand test with curl).
	if r := e.post(ac.Key, []byte(`{"type": "subscribe", "list": "3", "contact": {"email": "json@example.com"}}`), nil); r.status != http.StatusCreated {
		t.Fatalf("JSON at a form endpoint: %d %s", r.status, r.raw)
	}
}
