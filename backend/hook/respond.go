package hook

import (
	"encoding/json"
	"net/http"
)

// Outcomes of a delivery, as logged and answered.
const (
	OutcomeApplied   = "applied"   // the event was stored (201)
	OutcomeDuplicate = "duplicate" // the delivery id was seen before; nothing applied (200)
	OutcomeCaptured  = "captured"  // stored as the endpoint's test payload, not applied (202)
	OutcomeFiltered  = "filtered"  // the endpoint's filter did not pass; no event (202)
	OutcomeSkipped   = "skipped"   // create is off and no record matched; no event (202)
	OutcomeDelayed   = "delayed"   // held for delay_days, ingested when due (202)
	OutcomeRejected  = "rejected"  // a 4xx or 5xx answer
)

// errorBody is {"error": {"code", "message", "details"}}, as the API answers.
type errorBody struct {
	Error errorInfo `json:"error"`
}

type errorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string, details any) {
	writeJSON(w, status, errorBody{Error: errorInfo{Code: code, Message: message, Details: details}})
}

// Answer is the body of a 2xx answer.
type Answer struct {
	Outcome       string  `json:"outcome"`
	RequestID     int64   `json:"request_id,omitempty"`
	EventID       int64   `json:"event_id,omitempty"`
	RecordID      int64   `json:"record_id,omitempty"`
	RecordCreated bool    `json:"record_created,omitempty"`
	Enrollments   []int64 `json:"enrollments,omitempty"`
	DueAt         string  `json:"due_at,omitempty"`
	Message       string  `json:"message,omitempty"`
}
