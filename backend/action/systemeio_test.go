package action_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/engine"
)

// shapeDiff lists where got's structure differs from want's: the same keys at every level and
// the same JSON value types. systeme.io's own quirks are allowed: "fields" is [] or an object,
// a null may hold a value, and an empty list stands for any list.
func shapeDiff(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		if strings.HasSuffix(path, ".fields") {
			if l, ok := got.([]any); ok && len(l) == 0 {
				return nil
			}
			if _, ok := got.(map[string]any); ok {
				return nil // the contact's own fields: which ones depends on the contact
			}
		}
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: an object in systeme.io's body, %T here", path, got)}
		}
		var out []string
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			wv, inW := w[k]
			gv, inG := g[k]
			switch {
			case !inG:
				out = append(out, path+"."+k+": missing")
			case !inW:
				out = append(out, path+"."+k+": not in systeme.io's body")
			default:
				out = append(out, shapeDiff(path+"."+k, wv, gv)...)
			}
		}
		return out
	case []any:
		if strings.HasSuffix(path, ".fields") {
			if _, ok := got.(map[string]any); ok {
				return nil
			}
		}
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: a list in systeme.io's body, %T here", path, got)}
		}
		if len(w) > 0 && len(g) > 0 {
			return shapeDiff(path+"[0]", w[0], g[0])
		}
		return nil
	case nil:
		return nil
	case string, float64, bool:
		if got == nil && strings.HasSuffix(path, ".ip") {
			return nil // systeme.io sends the contact's IP or null
		}
		if fmt.Sprintf("%T", w) != fmt.Sprintf("%T", got) {
			return []string{fmt.Sprintf("%s: %T in systeme.io's body, %T here", path, w, got)}
		}
	}
	return nil
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// TestSystemeioFormatMatchesSystemeio: for every systeme.io event type, a webhook step with
// "format": "systemeio" sends a 127.0.0.1 receiver exactly systeme.io's structure (the fixture
// files are systeme.io's own bodies), filled from the record and the step.
func TestSystemeioFormatMatchesSystemeio(t *testing.T) {
	rc := newReceiver(t, nil, "", func(int) answer { return answer{} })
	s := newStack(t, action.Config{}, engine.RetryPolicy{})
	files, _ := filepath.Glob("../../testdata/payloads/systemeio/*.json")
	if len(files) != 11 {
		t.Fatalf("%d fixture files, want systeme.io's 11", len(files))
	}
	for i, f := range files {
		fixture := readJSON(t, f)
		typ := fixture["type"].(string)
		t.Run(filepath.Base(f), func(t *testing.T) {
			id := fmt.Sprintf("sio-%d", i)
			extra := ""
			if strings.Contains(f, "blog-page") {
				extra = `, "properties": {"page_model.blog.name": "Test blog"}`
			}
			s.deploy(fmt.Sprintf(`{"id": %q, "name": %q, "object": "contact",
				"triggers": [{"type": "event", "event": "go.%d"}], "start": "tag",
				"steps": [{"id": "tag", "type": "set_property", "property": "tags", "value": "vip", "mode": "append", "next": "hook"},
				          {"id": "hook", "type": "webhook", "url": %q, "format": "systemeio", "event": {"type": %q}%s}]}`,
				id, "Forward "+typ, i, rc.srv.URL+"/in", typ, extra))
			before := len(rc.deliveries())
			en := s.event(fmt.Sprintf("go.%d", i), fmt.Sprintf("greta%d@example.com", i), nil,
				map[string]any{"first_name": "Greta", "last_name": "Jansen", "systemeio_id": "29150412", "city": "Gent"})
			s.run()
			ds := rc.deliveries()
			if len(ds) != before+1 {
				t.Fatalf("%d deliveries, want 1; trail %v", len(ds)-before, s.trail(en))
			}
			var got map[string]any
			if err := json.Unmarshal(ds[len(ds)-1].Body, &got); err != nil {
				t.Fatal(err)
			}
			if diff := shapeDiff("body", fixture, got); len(diff) > 0 {
				t.Errorf("not systeme.io's %s structure:\n  %s\nsent: %s", typ, strings.Join(diff, "\n  "), ds[len(ds)-1].Body)
			}
			if got["type"] != typ {
				t.Errorf("type %v, want %s", got["type"], typ)
			}
			data := got["data"].(map[string]any)
			person, _ := data["contact"].(map[string]any)
			if person == nil {
				person = data["customer"].(map[string]any)
				if person["contact_id"] != 29150412.0 {
					t.Errorf("customer.contact_id %v, want the record's systemeio_id", person["contact_id"])
				}
			} else if person["id"] != 29150412.0 {
				t.Errorf("contact.id %v, want the record's systemeio_id", person["id"])
			}
			if person["email"] != fmt.Sprintf("greta%d@example.com", i) || person["fields"].(map[string]any)["surname"] != "Jansen" {
				t.Errorf("person %v", person)
			}
			if typ == "contact.tag.added" && data["tag"].(map[string]any)["name"] != "vip" {
				t.Errorf("tag %v, want the tag the step before added", data["tag"])
			}
		})
	}
}

// TestSystemeioFormatForwardsTheEventAndStepValues: a systeme.io sale that arrived as an event is
// forwarded with its price plan; the step's values win over the event's; a path systeme.io does
// not have fails the step with the field named, and nothing is sent.
func TestSystemeioFormatForwardsTheEventAndStepValues(t *testing.T) {
	rc := newReceiver(t, nil, "", func(int) answer { return answer{} })
	s := newStack(t, action.Config{}, engine.RetryPolicy{})
	s.deploy(`{"id": "fwd", "name": "Forward sales", "object": "contact",
		"triggers": [{"type": "event", "event": "customer.sale.completed"}], "start": "hook",
		"steps": [{"id": "hook", "type": "webhook", "url": "` + rc.srv.URL + `/in", "format": "systemeio",
		           "event": {"type": "customer.sale.completed"}, "properties": {"coupon": "SPRING"}}]}`)
	sale := readJSON(t, "../../testdata/payloads/systemeio/customer.sale.completed.json")
	s.event("customer.sale.completed", "test-1922@systeme.io", sale, nil)
	s.run()
	ds := rc.deliveries()
	if len(ds) != 1 {
		t.Fatalf("%d deliveries", len(ds))
	}
	var got map[string]any
	_ = json.Unmarshal(ds[0].Body, &got)
	data := got["data"].(map[string]any)
	plan := data["offer_price_plan"].(map[string]any)
	if plan["direct_charge_amount"] != 583.0 || plan["currency"] != "eur" || data["coupon"] != "SPRING" {
		t.Errorf("forwarded plan %v, coupon %v", plan, data["coupon"])
	}
	if diff := shapeDiff("body", sale, got); len(diff) > 0 {
		t.Errorf("structure: %v", diff)
	}

	s.deploy(`{"id": "bad", "name": "Bad path", "object": "contact",
		"triggers": [{"type": "event", "event": "go.bad"}], "start": "hook",
		"steps": [{"id": "hook", "type": "webhook", "url": "` + rc.srv.URL + `/in", "format": "systemeio",
		           "event": {"type": "contact.tag.added"}, "properties": {"tag.colour": "red"}}]}`)
	en := s.event("go.bad", "ann@example.com", nil, nil)
	s.run()
	if len(rc.deliveries()) != 1 {
		t.Fatalf("a bad path was sent")
	}
	atts := s.attempts(en)
	if len(atts) != 1 || !strings.Contains(atts[0].Error, `"tag.colour" is not a field`) {
		t.Fatalf("attempts %+v", atts)
	}
}
