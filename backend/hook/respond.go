package hook

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
