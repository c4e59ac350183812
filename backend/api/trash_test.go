package api_test

import (
	"fmt"
	"net/http"
	"testing"
)

// The enrollments of a workflow in the Trash are not listed (their workflow links would answer
// 404), on the enrollment list and the record page alike; a restore lists them again.
func TestTrashedWorkflowsEnrollmentsAreNotListed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.deploy(dublinWF)
	rec := e.ingest(`{"type": "form.submitted", "record": {"type": "contact", "email": "ann@example.com", "properties": {"city": "Dublin"}}}`)
	recordURL := fmt.Sprintf("/api/records/%d", idOf(rec["record_id"]))
	listed := func() (int, int) {
		t.Helper()
		all := e.call(http.MethodGet, "/api/enrollments", nil, http.StatusOK)["enrollments"].([]any)
		page := e.call(http.MethodGet, recordURL, nil, http.StatusOK)["enrollments"].([]any)
		return len(all), len(page)
	}
	if all, page := listed(); all != 1 || page != 1 {
		t.Fatalf("before the delete: %d listed, %d on the record page; want 1 and 1", all, page)
	}
	e.call(http.MethodDelete, "/api/workflows/dublin", nil, http.StatusOK)
	if all, page := listed(); all != 0 || page != 0 {
		t.Fatalf("in the Trash: %d listed, %d on the record page; want none", all, page)
	}
	e.call(http.MethodPost, "/api/workflows/dublin/restore", nil, http.StatusOK)
	if all, page := listed(); all != 1 || page != 1 {
		t.Fatalf("after the restore: %d listed, %d on the record page; want 1 and 1", all, page)
	}
}
