package hook

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// FuzzListener sends random bodies and headers through the real handler (real database and
// engine): it must never panic or answer 5xx.
func FuzzListener(f *testing.F) {
	e := newEnv(f)
	open, err := e.l.Endpoints().Create(e.ctx, Config{Name: "open", Auth: AuthNone, Event: EventSpec{Path: "type"}, MaxFailures: 1000,
		Mapping: []Field{{Path: "email", Property: "email"}, {Path: "n", Property: "score", Type: TypeNumber},
			{Path: "d", Property: "renewal_date", Type: TypeDate}, {Path: "tags[]", Property: "tags"}, {Path: "b", Property: "subscribed", Type: TypeBool}},
		Filter: ptrFilter(`{"any": [{"property": "event.skip", "op": "is_unknown"}]}`)})
	if err != nil {
		f.Fatal(err)
	}
	signed, err := e.l.Endpoints().Create(e.ctx, Config{Name: "signed", Preset: "systemeio", MaxFailures: 1000})
	if err != nil {
		f.Fatal(err)
	}
	files, _ := filepath.Glob("../../testdata/payloads/*/*.json")
	for _, p := range files[:3] {
		b, _ := os.ReadFile(p)
		f.Add(b, "application/json", "", "", false)
	}
	f.Add([]byte(`{"type": "a.b", "email": "x@y.z", "n": "12", "tags": ["a", 1, null], "b": "yes"}`), "application/json", "", "k1", false)
	f.Add([]byte(`{"type": "a.b", "email": "x@y.z", "d": 1e300}`), "application/json; charset=utf-8", "", "", false)
	f.Add([]byte(`{"type": "", "email": 5}`), "application/vnd.x+json", "v1,abc", "", true)
	f.Add([]byte(`{`), "text/plain", "v1,", "\x00", true)
	f.Add([]byte(`{"type": "x", "email": "a@b", "n": 12345678901234567890123}`), "application/json", "", "", false)
	f.Fuzz(func(t *testing.T, body []byte, contentType, signature, idem string, useSigned bool) {
		key, ep := open.Key, open.ID
		h := http.Header{}
		if useSigned {
			key, ep = signed.Key, signed.ID
			sh, _ := SignedHeaders(signed.Secret, "fuzz-"+idem, e.clock.Now(), body)
			h = sh
			if signature != "" {
				h.Set(HeaderSignature, signature)
			}
		}
		h.Set("Content-Type", contentType)
		if idem != "" {
			h.Set("Idempotency-Key", idem)
		}
		req := httptest.NewRequest(http.MethodPost, "/hooks/"+key, bytes.NewReader(body))
		for k, v := range h {
			if len(v) > 0 && validHeaderValue(v[0]) {
				req.Header[k] = v
			}
		}
		rec := httptest.NewRecorder()
		e.l.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		if rec.Code == http.StatusGone {
			if _, err := e.l.Endpoints().Enable(e.ctx, ep); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 && s[i] != '\t' || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// FuzzMapping runs random payloads through path parsing, extraction, every conversion, a
// compiled mapping with include/exclude, and Flatten: none may panic.
func FuzzMapping(f *testing.F) {
	f.Add([]byte(`{"data": {"contact": {"email": "a@b.c", "fields": {"age": "41"}}}, "tags": ["x"]}`), "data.contact.fields.age", uint8(1))
	f.Add([]byte(`{"items": [{"sku": "A"}, {"sku": 2}, 3]}`), "items[].sku", uint8(5))
	f.Add([]byte(`{"a": [[1, 2], [3]]}`), "a[][]", uint8(4))
	f.Add([]byte(`{"d": "2026-03-12T10:00:00+01:00"}`), "d", uint8(3))
	f.Add([]byte(`{"n": 1e308, "m": -1e-308}`), "n", uint8(3))
	f.Fuzz(func(t *testing.T, body []byte, path string, typ uint8) {
		payload, err := decodePayload(body)
		Flatten(payload)
		p, perr := ParsePath(path)
		if perr == nil && err == nil {
			v, ok := p.Extract(payload)
			if ok {
				for _, ty := range Types {
					_, _ = convert(v, ty, []string{"a", "b"})
				}
			}
		}
		if perr != nil {
			return
		}
		ty := Types[int(typ)%len(Types)]
		plan, cerr := Compile(Config{Name: "f", Auth: AuthNone, Event: EventSpec{Path: path, Prefix: "x."},
			Mapping: []Field{{Path: path, Property: "email"}, {Path: path, Property: "other", Type: ty, Required: typ%2 == 0}},
			Include: []string{"data", "a.b"}, Exclude: []string{"data.contact"}}, nil)
		if cerr != nil || err != nil {
			return
		}
		_, _ = plan.Map(payload)
	})
}

// FuzzBody fuzzes the listener's pure body handling (content type, signature verification,
// JSON decoding) at full speed, without the database.
func FuzzBody(f *testing.F) {
	secret := NewSecret()
	f.Add([]byte(`{"a": 1}`), "application/json", "id1", "1773333000", "v1,abc")
	f.Add([]byte(`{"a": [1, {"b": null}]}`), "application/cloudevents+json; charset=UTF-8", "", "", "")
	f.Add([]byte(`[`), "text/plain; charset", "x y", "-1", "v1, v1,=== v2,x")
	f.Add([]byte(`type=subscribe&contact[email]=a%40b.c&x[][y]=1&a=1&a[b]=2`), "application/x-www-form-urlencoded", "", "", "")
	f.Fuzz(func(t *testing.T, body []byte, contentType, id, ts, sig string) {
		_, _ = checkContentType(contentType, false)
		_, _ = checkContentType(contentType, true)
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		_ = Verify(secret, h, body, t0)
		if good, err := SignedHeaders(secret, "id", t0, body); err != nil || Verify(secret, good, body, t0) != nil {
			t.Fatalf("a correctly signed body was refused: %v", err)
		}
		if m, err := decodePayload(body); err == nil {
			Flatten(m)
		}
		if m, err := decodeForm(body); err == nil {
			Flatten(m)
		}
	})
}
