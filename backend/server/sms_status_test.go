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

// A running Flowdesk sends an SMS through a Twilio-style provider on 127.0.0.1 that reports the
// delivery status back to the listener's callback route, signed with the auth token set in
// Settings; the dispatcher moves the waiting step on. Everything goes through the HTTP API.
func TestSMSStatusCallbackThroughARunningServer(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{DBPath: filepath.Join(t.TempDir(), "f.db"), Addr: "127.0.0.1:0", Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	const token = "tok-secret"
	callbacks := make(chan string, 4)
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		cb := r.PostForm.Get("StatusCallback")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"sid": "SM0001", "status": "queued"}`)
		go func() { // the carrier's report, a moment later, as Twilio sends it
			form := url.Values{"MessageSid": {"SM0001"}, "AccountSid": {"AC1"}, "MessageStatus": {"delivered"}}
			names := []string{"AccountSid", "MessageSid", "MessageStatus"}
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
				callbacks <- cb + " " + res.Status
			}
		}()
	}))
	defer prov.Close()

	api := "http://" + s.Addr()
	call := func(method, path, body string, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, api+path, bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	call("PUT", "/api/settings", `{"sms": {"url": "`+prov.URL+`", "account": "AC1", "from": "+15005550006", "monthly_cap": 0,
		"status_callback_url": "", "status_timeout_hours": 0, "auth_token": "`+token+`"}}`, 200)
	call("POST", "/api/workflows", `{"id": "text", "name": "Text", "object": "contact",
		"triggers": [{"id": "go", "type": "event", "event": "go.text"}], "reenroll": {"enabled": false, "triggers": []},
		"start": "sms", "steps": [
		{"id": "sms", "type": "sms", "to": "{{contact.phone}}", "text": "See you at 11!", "next": "done"},
		{"id": "done", "type": "set_property", "property": "lead_status", "value": "texted"}]}`, 201)
	call("POST", "/api/workflows/text/enable", "", 200)
	call("POST", "/api/events", `{"type": "go.text", "record": {"email": "ann@example.com", "properties": {"phone": "+31612345678"}}}`, 201)

	select {
	case cb := <-callbacks:
		if !strings.HasPrefix(cb, s.HooksURL()+"/hooks/sms-status/") || !strings.HasSuffix(cb, " 200 OK") {
			t.Fatalf("status callback %q, want the listener's route answered 200", cb)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the provider got no message with a status callback")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		list := call("GET", "/api/enrollments?workflow=text", "", 200)
		ens, _ := list["enrollments"].([]any)
		if len(ens) == 1 {
			en := ens[0].(map[string]any)
			if en["status"] == "completed" {
				detail := call("GET", "/api/enrollments/"+strconv.FormatInt(int64(en["id"].(float64)), 10), "", 200)
				var trail []string
				for _, h := range detail["history"].([]any) {
					e := h.(map[string]any)
					step, _ := e["step_id"].(string)
					trail = append(trail, step+":"+e["outcome"].(string))
				}
				if got := strings.Join(trail, " "); got != ":enrolled sms:waiting sms:ok done:ok :completed" {
					t.Fatalf("history %s", got)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("enrollments %v, want one completed after the delivered report", ens)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
