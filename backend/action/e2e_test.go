package action_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/hook"
	"github.com/flowdesk/flowdesk/backend/store"
)

// A systeme.io sale posted to the real webhook listener runs a workflow with a branch, a
// signed webhook, an email and a task; every effect is observed at a real receiver, a real SMTP
// server and in the enrollment's history.
func TestSaleEventRunsBranchWebhookEmailAndTask(t *testing.T) {
	s := newMailStack(t, false)
	mb := newMailbox(t, "", "", nil)
	s.useSMTP(mb, "", "")
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	crm := newReceiver(t, s.clock, secret, func(int) answer { return answer{status: 200, body: `{"crm_id": "C-77"}`} })

	listener := hook.New(s.db, s.eng, hook.Options{Clock: s.clock})
	srv := httptest.NewServer(listener)
	t.Cleanup(srv.Close)
	ep, err := listener.Endpoints().Create(s.ctx, hook.Config{Name: "systeme.io", Auth: "none", Preset: "systemeio"})
	if err != nil {
		t.Fatalf("create endpoint: %v", err)
	}

	deployJSON(t, s, `{"id": "sale", "name": "Course sale", "object": "contact",
	  "triggers": [{"id": "shop", "type": "webhook", "hook": "`+ep.ID+`",
	                "filter": {"all": [{"property": "event.type", "op": "eq", "value": "customer.sale.completed"}]}}],
	  "start": "big?",
	  "steps": [
	    {"id": "big?", "type": "branch",
	     "branches": [{"name": "Big order", "filter": {"all": [{"property": "event.data.offer_price_plan.direct_charge_amount", "op": "gte", "value": 50}]}, "next": "crm"}]},
	    {"id": "crm", "type": "webhook", "url": "`+crm.srv.URL+`/in", "secret": "`+secret+`",
	     "response_map": {"crm_id": "crm_id"}, "next": "thanks"},
	    {"id": "thanks", "type": "send_email", "subject": "Thanks for your order, {{contact.first_name | default \"friend\"}}",
	     "body": "Your course is ready.", "next": "call"},
	    {"id": "call", "type": "create_task", "title": "Welcome call", "owner": "sam", "due_in": "2d"}
	  ]}`)

	payload, err := os.ReadFile("../../testdata/payloads/systemeio/customer.sale.completed.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(srv.URL+"/hooks/"+ep.Key, "application/json", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /hooks/%s: %d", ep.Key, res.StatusCode)
	}
	s.run()
	s.run()

	rec, err := s.db.RecordByEmail(s.ctx, "contact", "test-1922@systeme.io")
	if err != nil {
		t.Fatal(err)
	}
	ens, err := s.db.Enrollments(s.ctx, store.EnrollmentQuery{WorkflowID: "sale"})
	if err != nil || len(ens) != 1 {
		t.Fatalf("enrollments %v %v", ens, err)
	}
	s.wantTrail(ens[0].ID, "enrolled", "big?:ok", "crm:ok", "thanks:ok", "call:ok", "completed")

	// The CRM got one signed delivery about the buyer, and its answer landed on the record.
	ds := crm.deliveries()
	if len(ds) != 1 || !ds[0].SignatureOK {
		t.Fatalf("deliveries %d, signature ok %v", len(ds), len(ds) == 1 && ds[0].SignatureOK)
	}
	var envelope struct {
		Type string `json:"type"`
		Data struct {
			Contact struct {
				Email string `json:"email"`
			} `json:"contact"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ds[0].Body, &envelope); err != nil || envelope.Data.Contact.Email != "test-1922@systeme.io" {
		t.Fatalf("envelope %s (%v)", ds[0].Body, err)
	}
	rec, _ = s.db.Record(s.ctx, rec.ID)
	if rec.Properties["crm_id"] != "C-77" {
		t.Fatalf("crm_id not mapped back: %v", rec.Properties)
	}

	// The buyer got the email, personalised.
	msgs := mb.messages()
	if len(msgs) != 1 || !reflect.DeepEqual(msgs[0].To, []string{"test-1922@systeme.io"}) {
		t.Fatalf("mail: %+v", msgs)
	}
	if !strings.Contains(string(msgs[0].Data), "Thanks for your order, test-1922") {
		t.Fatalf("subject not rendered:\n%s", msgs[0].Data)
	}

	// And someone has a call to make.
	tasks, err := s.db.Tasks(s.ctx, store.TaskQuery{RecordID: rec.ID})
	if err != nil || len(tasks) != 1 || tasks[0].Title != "Welcome call" || tasks[0].Owner != "sam" {
		t.Fatalf("tasks %+v %v", tasks, err)
	}
}

func deployJSON(t *testing.T, s *mailStack, def string) {
	t.Helper()
	w, err := s.eng.Workflows().Create(s.ctx, []byte(def))
	if err != nil {
		t.Fatalf("create workflow: %v", err)
	}
	if _, err := s.eng.Workflows().Enable(s.ctx, w.ID); err != nil {
		t.Fatalf("enable workflow: %v", err)
	}
}
