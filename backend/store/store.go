package store

import (
	"context"
	"encoding/json"
	"time"
)

// Store is the database seen by the engine and the services built on it: every read, and Write,
// which runs a function in one durable transaction (Tx). It is one interface set, as river's
// driver interfaces are (riverdriver.Executor), rather than a small interface per consumer: a
// second implementation (PostgreSQL, the scale-out issue) then implements one contract, and one
// conformance suite (package storetest) checks any implementation against it. *DB, SQLite in
// one process, is the implementation today.
//
// Add a method here when you add one to *DB that consumers call; the assertion below keeps the
// two in step.
type Store interface {
	// Write runs fn in a durable transaction and returns once it committed (or failed); see
	// (*DB).Write for the group commit. A failing fn changes nothing.
	Write(ctx context.Context, fn func(Tx) error) error
	// Commits counts committed transactions (for benchmarks).
	Commits() int64

	// actions
	ActionAttempts(ctx context.Context, q AttemptQuery) ([]*ActionAttempt, error)

	// associations
	AssociatedRecords(ctx context.Context, id int64, typ string) ([]*Record, error)
	AssociationTypes(ctx context.Context) ([]AssociationType, error)
	Associations(ctx context.Context, id int64, typ string) ([]Association, error)
	CountAssociations(ctx context.Context) (int64, error)

	// db
	Close() error
	Path() string
	OnServer() bool

	// enroll_jobs
	EnrollJob(ctx context.Context, id int64) (*EnrollJob, error)
	EnrollJobs(ctx context.Context, q EnrollJobQuery) ([]*EnrollJob, error)
	EnrollStates(ctx context.Context, workflowID string, recordIDs []int64) (map[int64]EnrollState, error)
	MaxRecordID(ctx context.Context) (int64, error)
	RecordEnrollStates(ctx context.Context, recordID int64) (map[string]EnrollState, error)
	RunningEnrollJobs(ctx context.Context) ([]int64, error)
	// RunningBulkJobs lists the running bulk enrollments, imports and retry jobs in one read.
	RunningBulkJobs(ctx context.Context) ([]BulkJob, error)
	SelectRecords(ctx context.Context, s RecordSelect) ([]*Record, error)

	// enrollments
	Enrollment(ctx context.Context, id int64) (*Enrollment, error)
	Enrollments(ctx context.Context, q EnrollmentQuery) ([]*Enrollment, error)
	GoalsReached(ctx context.Context, recordID int64) ([]string, error)

	// erase
	ErasedAt(ctx context.Context, id int64) (time.Time, bool, error)
	FindText(ctx context.Context, needle string) ([]TextLocation, error)

	// events
	CountEvents(ctx context.Context) (int64, error)
	Event(ctx context.Context, id int64) (*Event, error)
	RecordEvents(ctx context.Context, recordID int64, limit int) ([]*Event, error)
	SeenEventTypes(ctx context.Context, limit, samples int) ([]SeenEventType, error)
	EventScopes(ctx context.Context, typ string, scan, limit int) ([]SeenScope, error)

	// history
	History(ctx context.Context, enrollmentID int64) ([]HistoryEntry, error)
	Stats(ctx context.Context, workflowID string) (*WorkflowStats, error)
	// EnrollmentRetry is the retry an open enrollment waits for (nil: none).
	EnrollmentRetry(ctx context.Context, enrollmentID int64) (*Retry, error)

	// hooks
	CountHookDelayed(ctx context.Context) (int64, error)
	DueHookDeliveries(ctx context.Context, now time.Time, limit int) ([]*HookDelayed, error)
	HookDelivery(ctx context.Context, endpointID, deliveryID string) (*HookDelivery, error)
	HookEndpoint(ctx context.Context, id string) (*HookEndpoint, error)
	HookEndpointByKey(ctx context.Context, key string) (*HookEndpoint, error)
	HookEndpoints(ctx context.Context) ([]*HookEndpoint, error)
	HookRequests(ctx context.Context, endpointID string, before int64, limit int) ([]*HookRequest, error)
	RecordByProperty(ctx context.Context, typ, prop string, value any) (*Record, error)

	// imports
	Import(ctx context.Context, id int64) (*ListImport, error)
	ImportBody(ctx context.Context, id int64) ([]byte, error)
	ImportErrors(ctx context.Context, id int64) ([]ImportError, error)
	Imports(ctx context.Context, list string) ([]*ListImport, error)
	RunningImportID(ctx context.Context) (int64, error)

	// jobs
	NextJobAt(ctx context.Context) (at time.Time, ok bool, err error)
	PendingJobs(ctx context.Context) (int64, error)

	// lists
	CountLists(ctx context.Context) (lists, members int64, err error)
	List(ctx context.Context, id string) (*List, error)
	ListDays(ctx context.Context, list string) ([]ListDay, error)
	ListMemberRecords(ctx context.Context, q MemberQuery) ([]*Record, error)
	ListMembers(ctx context.Context, list string) ([]int64, error)
	Lists(ctx context.Context) ([]*List, error)
	RecordLists(ctx context.Context, recordID int64) ([]string, error)

	// migrate
	SchemaVersion(ctx context.Context) (int, error)

	// notifications
	Notifications(ctx context.Context, unreadOnly bool, limit int) ([]*Notification, error)
	UnreadCount(ctx context.Context) (int64, error)

	// objects
	ObjectTypeList(ctx context.Context) ([]ObjectType, error)
	ObjectTypes(ctx context.Context) ([]string, error)
	Properties(ctx context.Context) ([]Property, error)

	// outbox
	EmailTemplate(ctx context.Context, name string) (*EmailTemplate, error)
	EmailTemplates(ctx context.Context) ([]*EmailTemplate, error)
	Outbox(ctx context.Context, q OutboxQuery) ([]*OutboxMessage, error)
	OutboxMessage(ctx context.Context, id int64) (*OutboxMessage, error)
	Settings(ctx context.Context) (map[string]json.RawMessage, error)

	// owner_rotation
	OwnerPosition(ctx context.Context, workflowID, stepID string) (int, error)

	// records
	Record(ctx context.Context, id int64) (*Record, error)
	RecordByEmail(ctx context.Context, typ, email string) (*Record, error)
	SearchRecords(ctx context.Context, q RecordQuery) ([]*Record, error)

	// refusals
	Refusals(ctx context.Context, recordID int64) ([]Refusal, error)

	// retry_jobs
	CountDeadLetters(ctx context.Context, q DeadLetterQuery) (int64, error)
	DeadLetters(ctx context.Context, q DeadLetterQuery) ([]*ActionAttempt, error)
	MaxAttemptID(ctx context.Context) (int64, error)
	RetryJob(ctx context.Context, id int64) (*RetryJob, error)
	RetryJobs(ctx context.Context, q RetryJobQuery) ([]*RetryJob, error)
	RunningRetryJobs(ctx context.Context) ([]int64, error)

	// retention
	PruneEnrollments(ctx context.Context, before time.Time, limit int) (b Batch, history int64, err error)
	PruneEvents(ctx context.Context, before time.Time, after int64, limit int) (b Batch, last int64, err error)
	PruneHookRequests(ctx context.Context, before time.Time, limit int) (b Batch, err error)
	PruneBulkJobs(ctx context.Context, before time.Time, limit int) (b Batch, err error)

	// rollup
	PathTotals(ctx context.Context, workflowID string) (map[string]map[string]int64, error)
	Rollup(ctx context.Context, workflowID string, from, to time.Time) ([]RollupRow, error)

	// scenarios
	Scenario(ctx context.Context, id int64) (*Scenario, error)
	Scenarios(ctx context.Context, workflowID string) ([]*Scenario, error)

	// schedules
	RecordsPage(ctx context.Context, typ string, after int64, limit int) ([]*Record, error)
	ScheduleFired(ctx context.Context, workflowID, triggerID string, recordID int64, fireDate string) (bool, error)
	ScheduleStates(ctx context.Context) ([]*ScheduleState, error)

	// sms_usage
	SMSCounted(ctx context.Context, key string) (bool, error)
	SMSMonth(ctx context.Context, month string) (sent int, notified bool, err error)
	SMSUsage(ctx context.Context, month string) (int, error)

	// subscriptions
	SubscriptionHistory(ctx context.Context, recordID int64) ([]*SubscriptionChange, error)
	Subscriptions(ctx context.Context, recordID int64) ([]*Subscription, error)

	// tasks
	Task(ctx context.Context, id int64) (*Task, error)
	Tasks(ctx context.Context, q TaskQuery) ([]*Task, error)

	// tokens
	APITokenHashes(ctx context.Context) ([]string, error)

	// trash
	CancelTrashedEnrollments(ctx context.Context, id string, limit int, now time.Time) (b Batch, err error)
	CancelSwitchedOffEnrollments(ctx context.Context, workflowID string, limit int, now time.Time) (Batch, error)
	CancellingWorkflows(ctx context.Context) ([]string, error)
	ExpireTrash(ctx context.Context, before, now time.Time) (int64, error)
	PurgeWorkflow(ctx context.Context, id string, limit int) (b Batch, err error)
	Trash(ctx context.Context) ([]*TrashedWorkflow, error)
	TrashToWork(ctx context.Context) (cancel, purge []string, err error)
	TrashedWorkflow(ctx context.Context, id string) (*TrashedWorkflow, error)

	// usage
	WorkflowDefinitions(ctx context.Context) ([]WorkflowDefinitions, error)

	// workflows
	Workflow(ctx context.Context, id string) (*Workflow, error)
	WorkflowVersion(ctx context.Context, id string, version int) (json.RawMessage, error)
	WorkflowVersions(ctx context.Context, id string) ([]*WorkflowVersion, error)
	Workflows(ctx context.Context) ([]*Workflow, error)

	// writer
}

// Tx is the transaction a Write function runs in: the write repositories, and reads that must
// see the transaction's own writes. *sqlTx (SQLite) implements it.
type Tx interface {

	// actions
	InsertActionAttempt(a *ActionAttempt) error
	LastTry(key string) (int, error)

	// associations
	AddAssociationType(a, b string) error
	Associate(a, b *Record, label string, now time.Time) (created bool, err error)
	AssociatedRecords(id int64, typ string) ([]*Record, error)
	AssociationAllowed(from, to string) (bool, error)
	Associations(id int64, typ string) ([]Association, error)
	Dissociate(a, b int64, label string, all bool) (int64, error)

	// enroll_jobs
	EnrollJob(id int64) (*EnrollJob, error)
	InsertEnrollJob(j *EnrollJob, now time.Time) error
	SaveEnrollJob(j *EnrollJob, now time.Time) error
	SelectRecords(s RecordSelect) ([]*Record, error)

	// enrollments
	CountFailedSteps(id int64, n int) error
	Enrollment(id int64) (*Enrollment, error)
	EnrollmentState(workflowID string, recordID int64) (open, ever bool, err error)
	InsertEnrollment(e *Enrollment, now time.Time) error
	OpenEnrollment(workflowID string, recordID int64) (*Enrollment, error)
	OpenEnrollments(recordID int64) ([]*Enrollment, error)
	GoalsReached(recordID int64) ([]string, error)
	ReachedGoalBefore(workflowID string, recordID, except int64) (bool, error)
	UpdateEnrollment(id int64, status, currentStep string, stepsRun int, errText string, now time.Time) error

	// erase
	EraseRecord(id int64, now time.Time) (*Erasure, error)

	// events
	EventByIdempotencyKey(key string) (*Event, error)
	InsertEvent(e *Event) error
	WatchedWebinarLive(recordID int64, webinar string, before int64) (bool, error)

	// history
	AppendHistory(entries ...HistoryEntry) error
	CountStep(workflowID, stepID string, completed, failed int) error

	// hooks
	ClaimHookCapture(id, captured string, now time.Time) (ok bool, err error)
	CreateHookEndpoint(h *HookEndpoint, now time.Time) error
	DeleteHookEndpoint(id string) error
	DisableHookEndpoint(id, reason string, now time.Time) error
	FinishHookRequest(id int64, outcome, errMsg string, eventID int64) error
	HoldHookDelivery(d *HookDelayed) error
	HookDelivery(endpointID, deliveryID string) (*HookDelivery, error)
	HookEndpoint(id string) (*HookEndpoint, error)
	HookFailed(id string) (*HookEndpoint, error)
	HookSucceeded(id string) error
	InsertHookRequest(r *HookRequest) error
	PruneHookDeliveries(before time.Time) (int64, error)
	PruneHookRequests(before time.Time) (int64, error)
	ReleaseHookDelivery(id int64) (ok bool, err error)
	RememberHookDelivery(d *HookDelivery) error
	TrimHookRequests(endpointID string, keep int) (int64, error)
	UpdateHookEndpoint(h *HookEndpoint, now time.Time) error

	// imports
	AddImportErrors(id int64, errs []ImportError) error
	Import(id int64) (*ListImport, error)
	ImportBody(id int64) ([]byte, error)
	PutImportBody(id int64, body []byte) error
	RunningImportBodies() (map[int64][]byte, error)
	InsertImport(im *ListImport, now time.Time) error
	SaveImport(im *ListImport, now time.Time) error
	Savepoint(fn func() error) error

	// jobs
	ClaimJobs(now time.Time, lease time.Duration, limit int) ([]*Job, error)
	// JobSubjects loads the enrollments and records of claimed jobs, keyed by id, in one query
	// each; a missing one is ErrNotFound.
	JobSubjects(jobs []*Job) (map[int64]*Enrollment, map[int64]*Record, error)
	DeleteJob(enrollmentID int64) error
	ExtendLeases(claims []JobClaim, until time.Time) (int64, error)
	FinishJob(id int64, attempt int) (bool, error)
	PutJob(j *Job) error
	ReleaseAllLeases() (int64, error)
	ReleaseJob(id int64, attempt int, runAt time.Time) error
	WaitingJobs(recordID int64, eventType string) ([]*Job, error)
	WakeJob(id int64, outcome string, eventID int64, now time.Time) error

	// lists
	AddToList(list string, recordID int64, now time.Time) (added bool, err error)
	CreateList(l *List, now time.Time) error
	DeleteList(id string) error
	// List loads a list without its member count (Members 0): counting is O(members), and
	// steps and imports load the list for every record they add.
	List(id string) (*List, error)
	RecordLists(recordID int64) ([]string, error)
	RemoveFromList(list string, recordID int64, now time.Time) (removed bool, err error)
	UpdateList(l *List, now time.Time) error

	// notifications
	AddNotification(n *Notification, now time.Time) error
	// NotifiedSince reports whether a notification of kind with this title was added since then.
	NotifiedSince(kind, title string, since time.Time) (bool, error)
	MarkRead(id int64) error

	// objects
	AddObjectType(name string, now time.Time) error
	CreateObjectType(o ObjectType, now time.Time) error
	DeclareProperty(p Property) (added bool, err error)
	DeleteProperty(object, name string) error
	DuplicateValues(object, name string) (int, error)
	Property(object, name string) (Property, error)
	PropertyValueCount(object, name string) (int, error)
	RecordWithValue(object, name string, value any, except int64) (int64, error)
	UpdateProperty(p Property) error

	// outbox
	AddOutbox(m *OutboxMessage) (added bool, err error)
	DeleteEmailTemplate(name string) error
	DeleteOutbox(id int64) error
	PutEmailTemplate(tpl *EmailTemplate, now time.Time) (created bool, err error)
	PutEmailTemplateIfMissing(tpl *EmailTemplate, now time.Time) (bool, error)
	PutSetting(key string, value json.RawMessage, now time.Time) error
	SetOutboxStatus(key, status, reason string, at time.Time) (changed bool, err error)

	// owner_rotation
	NextOwner(workflowID, stepID string, owners []string, now time.Time) (owner string, position int, err error)

	// refusals
	PutRefusal(r Refusal) error

	// records
	Record(id int64) (*Record, error)
	RecordByEmail(typ, email string) (*Record, error)
	UpdateRecord(rec *Record, mutate func(props map[string]any) error, now time.Time) (*RecordChange, error)
	UpsertRecord(typ string, id int64, email string, props map[string]any, now time.Time) (*RecordChange, error)

	// retry_jobs
	InsertRetryJob(j *RetryJob, now time.Time) error
	RetryJob(id int64) (*RetryJob, error)
	RetryJobs(q RetryJobQuery) ([]*RetryJob, error)
	SaveRetryJob(j *RetryJob, now time.Time) error

	// scenarios
	DeleteScenario(workflowID string, id int64) error
	PutScenario(sc *Scenario, now time.Time) error

	// schedules
	DeleteOrphanScheduleMarks() (int64, error)
	DeleteScheduleState(workflowID, triggerID string) error
	MarkScheduleFired(workflowID, triggerID string, recordID int64, fireDate string, now time.Time) (bool, error)
	PutScheduleState(s *ScheduleState, now time.Time) error
	RecordsPage(typ string, after int64, limit int) ([]*Record, error)
	ScheduleState(workflowID, triggerID string) (*ScheduleState, error)
	ScheduleStates() ([]*ScheduleState, error)

	// sms_usage
	ReleaseSMS(key string) error
	ReserveSMS(month, key string, limit int, now time.Time) (SMSReservation, error)
	SetSMSStatus(key, status, code string, now time.Time) (SMSStatus, error)
	SMSStatus(key string) (SMSStatus, error)

	// subscriptions
	SetSubscription(c *SubscriptionChange) (previous string, err error)

	// tasks
	InsertTask(task *Task, now time.Time) error
	SetTaskStatus(id int64, status string, now time.Time) (*Task, error)

	// tokens
	AddAPIToken(name, token string, now time.Time) (*APIToken, error)

	// trash
	RequestPurge(id string, now time.Time) error
	RestoreWorkflow(id string, now time.Time) error
	TrashWorkflow(id string, cancelOpen bool, now time.Time) error

	// usage
	WorkflowDefinitions() ([]WorkflowDefinitions, error)

	// workflows
	CreateWorkflow(w *Workflow, now time.Time) error
	SetWorkflowEnabled(id string, enabled bool, version int, now time.Time) error
	SetWorkflowTags(id string, tags []string) error
	SnapshotVersion(id string, now time.Time) (int, error)
	UpdateWorkflow(w *Workflow, expectRevision int, now time.Time) error
	Workflow(id string) (*Workflow, error)

	// writer
	Context() context.Context
}

// FileUpkeep is the upkeep of a database kept in a file beside its write-ahead log: returning
// free pages to the file system, checkpointing the log, reading the files' sizes. It is apart
// from Store because a database server does this itself: the maintenance services run it when
// the store has it (a type assertion) and skip it otherwise. *DB (SQLite) implements it.
type FileUpkeep interface {
	// Checkpoint copies committed log frames back into the file without holding the writer.
	Checkpoint(ctx context.Context) (CheckpointResult, error)
	// FreePages is how many pages of the file are free (what Vacuum can return).
	FreePages(ctx context.Context) (int64, error)
	// Prune runs retention, a vacuum and a checkpoint in one call (tests and tools; the
	// maintenance services run the same batches one by one).
	Prune(ctx context.Context, before time.Time, batch int) (PruneResult, error)
	// Sizes are the current sizes of the file and its log.
	Sizes() FileSizes
	// Vacuum returns up to pages free pages to the file system in one write.
	Vacuum(ctx context.Context, pages int) (b Batch, err error)
}

var (
	_ Store      = (*DB)(nil)
	_ FileUpkeep = (*DB)(nil)
	_ Tx         = (*sqlTx)(nil)
)

// write is Write for the store's own batches, which use the SQLite transaction's helpers.
func (db *DB) write(ctx context.Context, fn func(*sqlTx) error) error {
	return db.Write(ctx, func(tx Tx) error { return fn(tx.(*sqlTx)) })
}
