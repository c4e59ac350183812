package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/flowdesk/flowdesk/backend/store"
)

// bulkJobsListed: the running bulk enrollments, imports and retry jobs are listed in one read,
// by kind and oldest first; a finished one is not.
func bulkJobsListed(t *testing.T, s store.Store) {
	ctx := context.Background()
	if got, err := s.RunningBulkJobs(ctx); err != nil || len(got) != 0 {
		t.Fatalf("running bulk jobs of an empty store: %v %v", got, err)
	}
	e1 := &store.EnrollJob{WorkflowID: "w", Source: store.SourceRecords, Selection: json.RawMessage(`{"record_ids":[1]}`), Total: 1}
	e2 := &store.EnrollJob{WorkflowID: "w", Source: store.SourceRecords, Selection: json.RawMessage(`{"record_ids":[2]}`), Total: 1}
	im := &store.ListImport{List: "vip", Spec: json.RawMessage(`{}`), Body: []byte("Email\n"), Total: 1}
	r1 := &store.RetryJob{WorkflowID: "w", StepID: "hook", UpTo: 1, Total: 1}
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateList(&store.List{ID: "vip", Name: "VIP", Object: "contact"}, T0); err != nil {
			return err
		}
		if err := tx.InsertRetryJob(r1, T0); err != nil { // the kinds are listed in their order, not by time
			return err
		}
		if err := tx.InsertEnrollJob(e1, T0); err != nil {
			return err
		}
		if err := tx.InsertImport(im, T0); err != nil {
			return err
		}
		return tx.InsertEnrollJob(e2, T0)
	})
	want := []store.BulkJob{{Kind: store.BulkEnroll, ID: e1.ID}, {Kind: store.BulkEnroll, ID: e2.ID}, {Kind: store.BulkImport, ID: im.ID}, {Kind: store.BulkRetry, ID: r1.ID}}
	if got, err := s.RunningBulkJobs(ctx); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("running bulk jobs %v %v, want %v", got, err, want)
	}
	write(t, s, func(tx store.Tx) error {
		e1.Status = store.EnrollJobDone
		return tx.SaveEnrollJob(e1, T0)
	})
	if got, _ := s.RunningBulkJobs(ctx); fmt.Sprint(got) != fmt.Sprint(want[1:]) {
		t.Fatalf("after the first finished: %v, want %v", got, want[1:])
	}
}
