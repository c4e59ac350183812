package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/api"
	"github.com/flowdesk/flowdesk/backend/store"
)

const smtpPassword = "Sup3r-secret-SMTP-pw"

func TestSettingsMaskSecretsAndKeepThemOutOfTheDatabase(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	srvLog := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// A second handler over the same engine with a captured log.
	h := newAPI(t, api.Options{DB: e.db, Engine: e.eng, Log: srvLog, Settings: e.settings})
	put := `{"smtp": {"host": "smtp.acme.example", "port": 587, "username": "news", "from": "news@acme.example", "tls": "starttls",
		"password": "` + smtpPassword + `"}, "sms": {"url": "https://api.twilio.com", "account": "AC1", "from": "+3531", "monthly_cap": 500,
		"auth_token": "tw-token-98765"}}`
	rec := serve(t, h, http.MethodPut, "/api/settings", put)
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	got := e.call(http.MethodGet, "/api/settings", nil, http.StatusOK)
	body := e.request(http.MethodGet, "/api/settings", "", nil).body
	for _, secret := range []string{smtpPassword, "tw-token-98765"} {
		if bytes.Contains(body, []byte(secret)) || strings.Contains(rec.Body.String(), secret) || strings.Contains(logs.String(), secret) {
			t.Fatalf("a secret is in an API answer or the log:\n%s\n%s", body, logs.String())
		}
	}
	smtp := got["smtp"].(map[string]any)
	if smtp["host"] != "smtp.acme.example" || smtp["password"].(map[string]any)["set"] != true || smtp["configured"] != true {
		t.Fatalf("smtp %v", smtp)
	}
	if got["sms"].(map[string]any)["auth_token"].(map[string]any)["set"] != true {
		t.Fatalf("sms %v", got["sms"])
	}
	fi, err := os.Stat(e.secrets)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file: %v %v", fi, err)
	}
	if raw, _ := os.ReadFile(e.secrets); !bytes.Contains(raw, []byte(smtpPassword)) {
		t.Fatalf("the SMTP password is not in the secrets file %s", e.secrets)
	}
	if !e.db.OnServer() { // on PostgreSQL the database is no file of this machine's to read
		dir := filepath.Dir(e.db.Path())
		e.db.Checkpoint(e.ctx)
		for _, f := range []string{"flowdesk.db", "flowdesk.db-wal"} {
			raw, _ := os.ReadFile(filepath.Join(dir, f))
			if bytes.Contains(raw, []byte(smtpPassword)) {
				t.Fatalf("the SMTP password is in %s", f)
			}
		}
	}

	// Invalid settings: 422 naming each field, secret not echoed.
	bad := e.request(http.MethodPut, "/api/settings", `{"smtp": {"host": "x", "tls": "ssl", "from": "nope", "password": "`+smtpPassword+`"}}`, nil)
	if bad.status != http.StatusUnprocessableEntity || bad.errorCode() != "invalid_settings" || bytes.Contains(bad.body, []byte(smtpPassword)) {
		t.Fatalf("bad PUT: %d %s", bad.status, bad.body)
	}
	// A secret given as a number is refused without echoing the body.
	if r := e.request(http.MethodPut, "/api/settings", `{"smtp": {"host": "x", "from": "a@b.c", "password": 12345678}}`, nil); r.status != http.StatusBadRequest {
		t.Fatalf("wrong type: %d %s", r.status, r.body)
	}
	// Unknown fields are refused (strict decoding).
	if r := e.request(http.MethodPut, "/api/settings", `{"smtp": {"hots": "x"}}`, nil); r.status != http.StatusBadRequest {
		t.Fatalf("unknown field: %d %s", r.status, r.body)
	}
	// Round-tripping the masked view keeps the secrets.
	e.call(http.MethodPut, "/api/settings", body, http.StatusOK)
	again := e.call(http.MethodGet, "/api/settings", nil, http.StatusOK)
	if again["smtp"].(map[string]any)["password"].(map[string]any)["set"] != true {
		t.Fatalf("round trip lost the password: %v", again)
	}
}

func serve(t *testing.T, h http.Handler, method, url, body string) *httptestRecorder {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	req.Host = "127.0.0.1"
	req.Header.Set("Content-Type", "application/json")
	rec := newRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestEmailTemplatesCRUD(t *testing.T) {
	e := newEnv(t)
	tpl := map[string]any{"name": "welcome", "subject": "Hi {{contact.first_name | default \"there\"}}", "body_html": "<p>Hello {{contact.first_name}}</p>"}
	created := e.call(http.MethodPost, "/api/email-templates", tpl, http.StatusCreated)
	if created["name"] != "welcome" || created["created_at"] == nil {
		t.Fatalf("created %v", created)
	}
	if r := e.request(http.MethodPost, "/api/email-templates", `{"name": "welcome", "subject": "x", "body_text": "y"}`, nil); r.status != http.StatusConflict {
		t.Fatalf("duplicate: %d %s", r.status, r.body)
	}
	if got := e.call(http.MethodGet, "/api/email-templates/welcome", nil, http.StatusOK); got["subject"] != tpl["subject"] {
		t.Fatalf("after a refused duplicate the template changed: %v", got)
	}
	e.call(http.MethodPut, "/api/email-templates/welcome", map[string]any{"subject": "New", "body_text": "Plain {{record.city}}"}, http.StatusOK)
	list := e.call(http.MethodGet, "/api/email-templates", nil, http.StatusOK)["templates"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["subject"] != "New" || list[0].(map[string]any)["body_html"] != "" {
		t.Fatalf("list %v", list)
	}
	bad := e.request(http.MethodPost, "/api/email-templates", `{"name": "Bad Name", "subject": "Hi {{contact.first_name | shout}}", "body_html": ""}`, nil)
	if bad.status != http.StatusUnprocessableEntity || bad.errorCode() != "invalid_template" {
		t.Fatalf("bad: %d %s", bad.status, bad.body)
	}
	for _, want := range []string{`"field":"name"`, `"field":"subject"`, `"column":27`, `"shout\" is not a filter`, `"field":"body_html"`} {
		if !bytes.Contains(bad.body, []byte(want)) {
			t.Fatalf("bad answer lacks %s: %s", want, bad.body)
		}
	}
	e.call(http.MethodDelete, "/api/email-templates/welcome", nil, http.StatusNoContent)
	if r := e.request(http.MethodGet, "/api/email-templates/welcome", "", nil); r.status != http.StatusNotFound {
		t.Fatalf("after delete: %d", r.status)
	}
}

func TestOutboxListAndDelete(t *testing.T) {
	e := newEnv(t)
	if err := e.db.Write(e.ctx, func(tx store.Tx) error {
		for i, key := range []string{"k1", "k2", "k3"} {
			if _, err := tx.AddOutbox(&store.OutboxMessage{Channel: "email", Status: store.OutboxQueued, IdempotencyKey: key,
				To: "ann@example.com", Subject: "Hi " + key, BodyText: "Hello", CreatedAt: t0}); err != nil {
				return err
			}
			_ = i
		}
		// The same key again is not a second message.
		_, err := tx.AddOutbox(&store.OutboxMessage{Channel: "email", Status: store.OutboxQueued, IdempotencyKey: "k1", To: "x@example.com", CreatedAt: t0})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	page := e.call(http.MethodGet, "/api/outbox?status=outbox&limit=2", nil, http.StatusOK)
	msgs := page["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["subject"] != "Hi k3" || page["next_before"] == nil {
		t.Fatalf("page %v", page)
	}
	rest := e.call(http.MethodGet, "/api/outbox?before="+jsonNum(page["next_before"]), nil, http.StatusOK)["messages"].([]any)
	if len(rest) != 1 || rest[0].(map[string]any)["to"] != "ann@example.com" {
		t.Fatalf("rest %v", rest)
	}
	id := jsonNum(rest[0].(map[string]any)["id"])
	e.call(http.MethodGet, "/api/outbox/"+id, nil, http.StatusOK)
	e.call(http.MethodDelete, "/api/outbox/"+id, nil, http.StatusNoContent)
	if r := e.request(http.MethodGet, "/api/outbox/"+id, "", nil); r.status != http.StatusNotFound {
		t.Fatalf("after delete %d", r.status)
	}
	if r := e.request(http.MethodGet, "/api/outbox?status=lost", "", nil); r.status != http.StatusBadRequest {
		t.Fatalf("bad status filter %d", r.status)
	}
}

func TestOutboxFailedMessageSaysWhyInWords(t *testing.T) {
	e := newEnv(t)
	raw := "dial tcp 127.0.0.1:2599: connect: connection refused"
	if err := e.db.Write(e.ctx, func(tx store.Tx) error {
		_, err := tx.AddOutbox(&store.OutboxMessage{Channel: "email", Status: store.OutboxFailed, IdempotencyKey: "k1",
			To: "ann@example.com", Subject: "Hi", BodyText: "Hello", CreatedAt: t0, Reason: raw, StatusAt: &t0})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	msgs := e.call(http.MethodGet, "/api/outbox?status=failed", nil, http.StatusOK)["messages"].([]any)
	m := msgs[0].(map[string]any)
	if len(msgs) != 1 || m["reason"] != raw || !strings.HasPrefix(m["reason_text"].(string), "Could not reach the mail server 127.0.0.1:2599 (connection refused)") {
		t.Fatalf("failed message %v", m)
	}
}

type httptestRecorder = httptest.ResponseRecorder

func newRecorder() *httptestRecorder { return httptest.NewRecorder() }

func jsonNum(v any) string { return strconv.FormatInt(int64(v.(float64)), 10) }
