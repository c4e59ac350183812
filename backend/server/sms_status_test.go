package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// smsRig is a running Flowdesk with its SMS provider set up in Settings: a Twilio-style provider
// on 127.0.0.1 that answers "queued" and a moment later reports status (with code) to the
// StatusCallback it was given, signed with the auth token, as Twilio does. Everything else goes
// through the HTTP API.
type smsRig struct {
	t         *testing.T
	s         *Server
	api       string
	callbacks chan string // each report's callback address and the listener's answer
}

func newSMSRig(t *testing.T, status, code string) *smsRig {
	t.Helper()
	ctx := context.Background()
	s, err := Start(ctx, Config{DBPath: filepath.Join(t.TempDir(), "f.db"), Addr: "127.0.0.1:0", Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(ctx) })
	const token = "tok-secret"
	r := &smsRig{t: t, s: s, api: "http://" + s.Addr(), callbacks: make(chan string, 4)}
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_ = req.ParseForm()
		cb := req.PostForm.Get("StatusCallback")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"sid": "SM0001", "status": "queued"}`)
		go func() { // the carrier's report, a moment later
			form := url.Values{"MessageSid": {"SM0001"}, "AccountSid": {"AC1"}, "MessageStatus": {status}}
			if code != "" {
				form.Set("ErrorCode", code)
			}
			names := make([]string, 0, len(form))
			for k := range form {
				names = append(names, k)
			}
			sort.Strings(names)
			m := hmac.New(sha1.New, []byte(token))
			m.Write([]byte(cb))
			for _, k := range names {
				m.Write([]byte(k + form.Get(k)))
			}
			req, _ := http.NewRequest(http.MethodPost, cb, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", base64.StdEncoding.EncodeToString(m.Sum(nil)))
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				res.Body.Close()
				r.callbacks <- cb + " " + res.Status
			}
		}()
	}))
	t.Cleanup(prov.Close)
	r.call("PUT", "/api/settings", `{"sms": {"url": "`+prov.URL+`", "account": "AC1", "from": "+15005550006", "monthly_cap": 0,
		"status_callback_url": "", "status_timeout_hours": 0, "auth_token": "`+token+`"}}`, 200)
	r.call("POST", "/api/workflows", `{"id": "text", "name": "Text", "object": "contact",
		"triggers": [{"id": "go", "type": "event", "event": "go.text"}], "reenroll": {"enabled": false, "triggers": []},
		"start": "sms", "steps": [
		{"id": "sms", "type": "sms", "to": "{{contact.phone}}", "text": "See you at 11!", "next": "done"},
		{"id": "done", "type": "set_property", "property": "lead_status", "value": "attempted_to_contact"}]}`, 201)
	r.call("POST", "/api/workflows/text/enable", "", 200)
	return r
}

func (r *smsRig) call(method, path, body string, want int) map[string]any {
	r.t.Helper()
	req, _ := http.NewRequest(method, r.api+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		r.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// send posts the event that enrolls a contact with a phone and waits for the provider's status
// report to reach the listener's callback route.
func (r *smsRig) send() {
	r.t.Helper()
	r.call("POST", "/api/events", `{"type": "go.text", "record": {"email": "ann@example.com", "properties": {"phone": "+31612345678"}}}`, 201)
	select {
	case cb := <-r.callbacks:
		if !strings.HasPrefix(cb, r.s.HooksURL()+"/hooks/sms-status/") || !strings.HasSuffix(cb, " 200 OK") {
			r.t.Fatalf("status callback %q, want the listener's route answered 200", cb)
		}
	case <-time.After(20 * time.Second):
		r.t.Fatal("the provider got no message with a status callback")
	}
}

// finished waits until the one enrollment ends with status and returns its page (GET
// /api/enrollments/{id}) and its history as "step:outcome" words.
func (r *smsRig) finished(status string) (map[string]any, string) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ens, _ := r.call("GET", "/api/enrollments?workflow=text", "", 200)["enrollments"].([]any)
		if len(ens) == 1 && ens[0].(map[string]any)["status"] == status {
			detail := r.call("GET", "/api/enrollments/"+strconv.FormatInt(int64(ens[0].(map[string]any)["id"].(float64)), 10), "", 200)
			var trail []string
			for _, h := range detail["history"].([]any) {
				e := h.(map[string]any)
				step, _ := e["step_id"].(string)
				trail = append(trail, step+":"+e["outcome"].(string))
			}
			return detail, strings.Join(trail, " ")
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("enrollments %v, want one %s after the provider's report", ens, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The dispatcher moves a waiting step on when the provider reports the message delivered.
func TestSMSStatusCallbackThroughARunningServer(t *testing.T) {
	r := newSMSRig(t, "delivered", "")
	r.send()
	if _, trail := r.finished("completed"); trail != ":enrolled sms:waiting sms:ok done:ok :completed" {
		t.Fatalf("history %s", trail)
	}
	box, _ := r.call("GET", "/api/outbox?channel=sms", "", 200)["messages"].([]any)
	if len(box) != 1 || box[0].(map[string]any)["status"] != "delivered" {
		t.Fatalf("outbox %v, want the message delivered", box)
	}
}

// A message the provider reports undelivered is failed everywhere it shows: the enrollment's
// page and status, Activity's status filter, the workflow's step counts, the outbox (with the
// reason, under its failed filter and not under sent) and the delivery log.
func TestFailedSMSIsFailedEverywhere(t *testing.T) {
	r := newSMSRig(t, "undelivered", "30003")
	r.send()
	const reason = "the provider reported the message undelivered (error 30003)"
	page, trail := r.finished("completed_with_errors")
	if trail != ":enrolled sms:waiting sms:failed done:ok :completed" {
		t.Fatalf("history %s", trail)
	}
	en := page["enrollment"].(map[string]any)
	id := strconv.FormatInt(int64(en["id"].(float64)), 10)
	if en["failed_steps"] != 1.0 || en["status"] != "completed_with_errors" {
		t.Fatalf("enrollment page %v, want completed with one failed step", en)
	}
	for _, h := range page["history"].([]any) {
		if e := h.(map[string]any); e["outcome"] == "failed" && !strings.Contains(e["detail"].(map[string]any)["error"].(string), reason) {
			t.Fatalf("failed line %v, want %q", e, reason)
		}
	}

	// Activity lists it under "completed with errors" and not under "completed".
	if ens, _ := r.call("GET", "/api/enrollments?status=completed_with_errors", "", 200)["enrollments"].([]any); len(ens) != 1 {
		t.Fatalf("activity, completed with errors: %v", ens)
	}
	if ens, _ := r.call("GET", "/api/enrollments?status=completed", "", 200)["enrollments"].([]any); len(ens) != 0 {
		t.Fatalf("activity, completed: %v, want none", ens)
	}

	stats := r.call("GET", "/api/workflows/text/stats", "", 200)
	step := stats["steps"].(map[string]any)["sms"].(map[string]any)
	if step["failed"] != 1.0 || step["completed"] != 0.0 || stats["enrollments"].(map[string]any)["completed_with_errors"] != 1.0 {
		t.Fatalf("stats %v", stats)
	}

	failed, _ := r.call("GET", "/api/outbox?status=failed", "", 200)["messages"].([]any)
	if len(failed) != 1 {
		t.Fatalf("failed outbox messages %v, want one", failed)
	}
	msg := failed[0].(map[string]any)
	if msg["reason"] != reason || msg["channel"] != "sms" || msg["enrollment_id"] != en["id"] || msg["status_at"] == nil {
		t.Fatalf("outbox message %v", msg)
	}
	one := r.call("GET", "/api/outbox/"+strconv.FormatInt(int64(msg["id"].(float64)), 10), "", 200)
	if one["status"] != "failed" || one["reason"] != reason {
		t.Fatalf("outbox message %v", one)
	}
	if sent, _ := r.call("GET", "/api/outbox?status=sent", "", 200)["messages"].([]any); len(sent) != 0 {
		t.Fatalf("sent outbox messages %v, want none", sent)
	}
	if bad := r.call("GET", "/api/outbox?status=lost", "", 400); !strings.Contains(bad["error"].(map[string]any)["message"].(string), "outbox, sent, delivered, failed") {
		t.Fatalf("a bad status filter: %v", bad)
	}

	// The delivery log: the failure, newest first, next to the accepted try; and under "failed".
	log, _ := r.call("GET", "/api/deliveries?enrollment="+id, "", 200)["deliveries"].([]any)
	if len(log) != 2 || log[0].(map[string]any)["outcome"] != "failed" || log[0].(map[string]any)["error"] != reason || log[1].(map[string]any)["outcome"] != "ok" {
		t.Fatalf("delivery log %v, want the failure then the accepted try", log)
	}
	if only, _ := r.call("GET", "/api/deliveries?failed=true&workflow=text", "", 200)["deliveries"].([]any); len(only) != 1 {
		t.Fatalf("failed deliveries %v, want one", only)
	}
}
