package simulate_test

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowdesk/flowdesk/backend/action"
	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/settings"
	"github.com/flowdesk/flowdesk/backend/simulate"
)

const smsToken = "tok-secret"

// twilio is an SMS provider on 127.0.0.1 as Twilio behaves: it answers a message "queued" and
// reports its status later to the StatusCallback it was given, signed with the auth token.
type twilio struct {
	t      *testing.T
	srv    *httptest.Server
	status string // what it reports: "delivered", "failed", or "" (nothing)
	mu     sync.Mutex
	todo   []string // callbacks of messages it has not reported yet
	got    int
}

func newTwilio(t *testing.T, status string) *twilio {
	tw := &twilio{t: t, status: status}
	tw.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		tw.mu.Lock()
		tw.got++
		tw.todo = append(tw.todo, r.PostForm.Get("StatusCallback"))
		tw.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"sid": "SM0001", "status": "queued"}`)
	}))
	t.Cleanup(tw.srv.Close)
	return tw
}

// report posts the status of every message not reported yet, and says whether it posted one.
func (tw *twilio) report() bool {
	tw.mu.Lock()
	todo := tw.todo
	tw.todo = nil
	tw.mu.Unlock()
	if tw.status == "" {
		return false
	}
	for _, cb := range todo {
		form := url.Values{"MessageSid": {"SM0001"}, "AccountSid": {"AC1"}, "MessageStatus": {tw.status}}
		names := []string{"AccountSid", "MessageSid", "MessageStatus"}
		sort.Strings(names)
		m := hmac.New(sha1.New, []byte(smsToken))
		m.Write([]byte(cb))
		for _, k := range names {
			m.Write([]byte(k + form.Get(k)))
		}
		req, _ := http.NewRequest(http.MethodPost, cb, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", base64.StdEncoding.EncodeToString(m.Sum(nil)))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			tw.t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			tw.t.Fatalf("the status report was answered %d", res.StatusCode)
		}
	}
	return len(todo) > 0
}

// newSMSInstall is an installation with its SMS provider set up in Settings (a 127.0.0.1
// Twilio reporting status) and its webhook listener serving the status route on 127.0.0.1.
func newSMSInstall(t *testing.T, status string) (*install, *twilio) {
	t.Helper()
	tw := newTwilio(t, status)
	var mu sync.Mutex
	var l *hook.Listener
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := l
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(hooks.Close)
	in := newInstallWith(t, func(cfg *action.Config) { cfg.HooksURL = hooks.URL })
	mu.Lock()
	l = hook.New(in.db, in.eng, hook.Options{Clock: in.clock, BaseURL: hooks.URL,
		SMSAuth: func(context.Context) (string, string, error) { return smsToken, "", nil }})
	mu.Unlock()
	var u settings.Update
	if err := json.Unmarshal([]byte(`{"sms": {"url": "`+tw.srv.URL+`", "account": "AC1", "from": "+15005550006", "monthly_cap": 0,
		"status_callback_url": "", "status_timeout_hours": 0, "auth_token": "`+smsToken+`"}}`), &u); err != nil {
		t.Fatal(err)
	}
	if err := in.st.Apply(in.ctx, &u); err != nil {
		t.Fatal(err)
	}
	in.reports = tw.report
	return in, tw
}

// TestSimulatorAgreesWithProductionOnSMSDeliveryStatus: an sms step waits for the provider's
// delivery status in a simulation as it does live, and goes on as the scenario's report says:
// delivered (ok), failed (a failed step), or no report (failed when the 72-hour wait ends). Live,
// a real provider on 127.0.0.1 reports to the real listener's status route.
func TestSimulatorAgreesWithProductionOnSMSDeliveryStatus(t *testing.T) {
	ann := M{"email": "ann@example.com", "first_name": "Ann", "phone": "+31612345678"}
	def := flow("text", nil,
		M{"id": "text", "type": "sms", "to": []string{"{{contact.phone}}"}, "text": "Hi {{contact.first_name}}, see you at 11!", "next": "mark"},
		M{"id": "mark", "type": "set_property", "property": "lead_status", "value": "attempted_to_contact"})
	for _, tc := range []struct {
		sms, live string // the scenario's sms_status, and what the live provider reports
		want      []string
		why       string // the failed step's error
	}{
		{"", "delivered", []string{"+0s enrolled", "+0s text:waiting", "+0s text:ok", "+0s mark:ok", "+0s completed"}, ""},
		{simulate.SMSFailed, "failed", []string{"+0s enrolled", "+0s text:waiting", "+0s text:failed", "+0s mark:ok", "+0s completed"}, "the provider reported the message failed"},
		{simulate.SMSNoReport, "", []string{"+0s enrolled", "+0s text:waiting", "+72h0m0s text:failed", "+72h0m0s mark:ok", "+72h0m0s completed"}, "no delivery status from the provider after 72 hours"},
	} {
		t.Run("sms_status "+cmp.Or(tc.sms, "unset"), func(t *testing.T) {
			in, tw := newSMSInstall(t, tc.live)
			sc := scenario{props: ann, events: []simulate.Event{{At: "+0h", Type: "start.text"}}, sms: tc.sms}
			res := in.simulate(def, sc, "30d")
			sim := timeline(res)
			if tw.got != 0 {
				t.Fatalf("the simulation sent %d messages to the provider", tw.got)
			}
			live := in.production(def, sc, 30*24*time.Hour)
			if !reflect.DeepEqual(sim, live) {
				t.Fatalf("the simulator and production disagree\nsimulated %q\nlive      %q", sim, live)
			}
			if !reflect.DeepEqual(sim, tc.want) {
				t.Fatalf("timeline %q, want %q", sim, tc.want)
			}
			if tw.got != 1 {
				t.Fatalf("the provider got %d messages live, want 1", tw.got)
			}
			for _, e := range res.Timeline {
				if e.Outcome == "failed" && (tc.why == "" || !strings.Contains(string(e.Detail), tc.why)) {
					t.Fatalf("failed line %s, want %q", e.Detail, tc.why)
				}
			}
			if len(res.Warnings) != 0 {
				t.Fatalf("warnings %+v", res.Warnings)
			}
			t.Logf("%s: %q", cmp.Or(tc.sms, "unset"), sim)
		})
	}
}

// Without an SMS provider a live message stays in the outbox and its step is ok at once: the
// simulation does not wait either, and says that sms_status then changes nothing.
func TestSimulatedSMSWithoutAProviderDoesNotWait(t *testing.T) {
	in := newInstall(t)
	def := flow("text", nil, M{"id": "text", "type": "sms", "to": []string{"{{contact.phone}}"}, "text": "Hi!"})
	sc := scenario{props: M{"email": "ann@example.com", "phone": "+31612345678"}, events: []simulate.Event{{At: "+0h", Type: "start.text"}}, sms: simulate.SMSFailed}
	res := in.simulate(def, sc, "30d")
	want := []string{"+0s enrolled", "+0s text:ok", "+0s completed"}
	if got := timeline(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("timeline %q, want %q", got, want)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Field != "sms_status" || !strings.Contains(res.Warnings[0].Message, "no SMS provider is set up") {
		t.Fatalf("warnings %+v, want one on sms_status", res.Warnings)
	}
	if live := in.production(def, sc, 30*24*time.Hour); !reflect.DeepEqual(live, want) {
		t.Fatalf("live %q, want %q", live, want)
	}
}
