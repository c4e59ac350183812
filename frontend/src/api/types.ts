// Types mirroring the Go JSON of backend/workflow, backend/condition, backend/store and
// backend/api. Field names are the JSON names; optional fields are the Go `omitempty` ones.
// Step types and step fields come from step-schema.ts, generated from the Go definitions.

import { STEP_TYPES } from './step-schema';

/** A filter operator (backend/condition Ops, in the order the UI offers them). */
export type FilterOp =
  | 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'not_in' | 'contains' | 'not_contains'
  | 'starts_with' | 'ends_with' | 'is_known' | 'is_unknown' | 'before' | 'after' | 'within_last';

export const FILTER_OPS: FilterOp[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'contains',
  'not_contains', 'starts_with', 'ends_with', 'is_known', 'is_unknown', 'before', 'after', 'within_last'];

/** One node of a structured filter: a group (all/any), a rule, or a raw expression. */
export interface Filter {
  all?: Filter[];
  any?: Filter[];
  property?: string;
  /** a list rule: the list id, with op member or not_member */
  list?: string;
  /** A workflow rule: whether the record reached that workflow's goal (op goal_reached / not_goal_reached). */
  workflow?: string;
  op?: FilterOp | WorkflowOp;
  value?: unknown;
  expr?: string;
}

/** The operators of a workflow rule (backend/condition WorkflowOps). */
export type WorkflowOp = 'goal_reached' | 'not_goal_reached';

export type TriggerType = 'event' | 'filter' | 'schedule' | 'webhook' | 'list';

export interface Trigger {
  id?: string;
  type: TriggerType;
  event?: string;
  scope?: Record<string, string>;
  exclude_scopes?: Record<string, string>[];
  /** WebinarGeek viewer events: at least this percentage watched (replays of live viewers excluded) */
  min_watch_pct?: number;
  /** webinar.non_viewer: viewers below this percentage count as non-viewers too */
  max_watch_pct?: number;
  filter?: Filter;
  enroll_existing?: boolean;
  cron?: string;
  at?: string;
  date_property?: string;
  offset?: string;
  time?: string;
  timezone?: string;
  hook?: string;
  /** list trigger: the list, and whether joining or leaving it enrolls */
  list?: string;
  on?: 'join' | 'leave';
}

export interface Reenroll {
  enabled: boolean;
  triggers: string[];
}

/** Every step type in palette order (workflow.StepTypes, generated into step-schema.ts). */
export { STEP_TYPES };
export type StepType = (typeof STEP_TYPES)[number];

export interface Until {
  weekdays: string[];
  time: string;
  timezone?: string;
}

export interface WaitEvent {
  type: string;
  filter?: Filter;
  timeout?: string;
  timeout_next?: string;
}

export interface Branch {
  name: string;
  filter?: Filter;
  expr?: string;
  value?: unknown;
  next?: string;
}

/** One step: a flat record whose used fields depend on `type` (docs/workflow-format.md). */
export interface Step {
  id: string;
  type: StepType;
  name?: string;
  next?: string;
  duration?: string;
  until?: Until;
  event?: WaitEvent;
  branches?: Branch[];
  else?: string;
  /** split: the A/B paths, whole percents adding up to 100 */
  paths?: SplitPath[];
  target?: string;
  workflow?: string;
  property?: string;
  value?: unknown;
  mode?: 'replace' | 'append' | '';
  by?: number;
  from?: string;
  to?: string | string[];
  list?: string;
  subscription?: string;
  status?: 'opted_in' | 'opted_out' | '';
  legal_basis?: string;
  explanation?: string;
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  secret?: string;
  template?: string;
  timeout?: string;
  response_map?: Record<string, string>;
  /** webhook: "systemeio" sends systeme.io's structure for event.type */
  format?: string;
  subject?: string;
  body?: string;
  webhook_url?: string;
  users?: string[];
  text?: string;
  record_type?: string;
  properties?: Record<string, unknown>;
  title?: string;
  owner?: string;
  due_in?: string;
  owners?: string[];
  overwrite?: boolean;
}

/** One path of a split step. */
export interface SplitPath {
  name: string;
  percent: number;
  next?: string;
}

/** When records leave a workflow before its end (besides its goal). */
export interface Unenroll {
  when_criteria_no_longer_met?: boolean;
  filter?: Filter;
  on_enroll_remove_from?: string[];
}

export interface Definition {
  id: string;
  name: string;
  description?: string;
  object: string;
  timezone?: string;
  triggers: Trigger[];
  reenroll: Reenroll;
  /** A record that meets the goal leaves at once (status goal_reached) and is never enrolled. */
  goal?: Filter;
  unenroll?: Unenroll;
  max_steps?: number;
  start: string;
  steps: Step[];
  /** Where outgoing requests may go (docs/actions.md, "Destination policy"); kept as it is. */
  policy?: OutboundPolicy;
  /** Business hours: communication steps reached outside them wait for the next start (docs/workflow-format.md). */
  execution_window?: ExecutionWindow;
  /** Suppression lists: their members are never enrolled, and leave when they join one. */
  suppress?: string[];
}

/** A workflow's business hours; `timezone` empty means the workflow's. */
export interface ExecutionWindow {
  timezone?: string;
  days: string[];
  from: string;
  to: string;
}

/** A workflow's destination policy; `loopback: false` refuses this machine's addresses. */
export interface OutboundPolicy {
  allow?: string[];
  deny?: string[];
  loopback?: boolean;
}

/** A stored workflow (GET /api/workflows/{id}). */
export interface Workflow {
  id: string;
  name: string;
  object: string;
  definition: Definition;
  revision: number;
  enabled: boolean;
  active_version?: number;
  created_at: string;
  updated_at: string;
}

/** The answer to a save (create or update): the stored workflow and the problems it has. A
 * workflow with errors is stored as a draft that cannot be switched on. */
export interface SavedWorkflow extends Workflow {
  problems: Problem[];
}

/** A row of GET /api/workflows. */
export interface WorkflowSummary {
  id: string;
  name: string;
  object: string;
  enabled: boolean;
  revision: number;
  active_version?: number;
  tags: string[];
  updated_at: string;
  /** Errors validation finds in the stored definition now: above 0 it is a draft that cannot be switched on. */
  problems: number;
  warnings: number;
}

/** A deleted workflow in the Trash (GET /api/trash): restorable until purged. */
export interface TrashedWorkflow {
  id: string;
  name: string;
  object: string;
  deleted_at: string;
  /** Its open enrollments are being cancelled (false: they run to their end). */
  cancel_open: boolean;
  enrollments: number;
  open: number;
  revision: number;
  versions: number;
  updated_at: string;
  /** When the maintenance service purges it. */
  purge_by: string;
  purge_at?: string;
  /** Progress of a purge that has begun. */
  purge?: { total: number; removed: number };
}

/** One validation problem (workflow.Problem). */
export interface Problem {
  step?: string;
  trigger?: string;
  field?: string;
  message: string;
  /** "error" (absent: error) stops the workflow from being switched on; "warning" does not. */
  severity?: 'error' | 'warning';
}

export interface ValidateResult {
  valid: boolean;
  problems: Problem[];
}

export interface StepStats {
  active: number;
  waiting: number;
  /** Enrollments whose last try of this outbound step failed and that wait for the next (not in active). */
  retrying?: number;
  /** The soonest next try of those, and the newest failed try's error. */
  next_try_at?: string;
  last_error?: string;
  /** last_error in words, with what to do. */
  last_error_text?: string;
  completed: number;
  failed: number;
  /** A split's or branch's records per path name (a branch's Else is "else"). */
  paths?: Record<string, number>;
}

/** GET /api/workflows/{id}/stats (store.WorkflowStats). */
export interface Stats {
  enrollments: Record<EnrollmentStatus, number>;
  /** Open enrollments waiting for another try of an outbound step. */
  retrying?: number;
  /** Open (active or waiting) enrollments that already had a failed step. */
  open_with_failed_steps?: number;
  steps: Record<string, StepStats>;
  /** Share of enrollments that reached the goal, 0..1. */
  goal_conversion?: number;
}

/** completed_with_errors: reached the end, but at least one step failed (failed_steps > 0).
 * goal_reached: left when the record met the workflow's goal; unenrolled: an unenrollment rule
 * took it out. */
export type EnrollmentStatus = 'active' | 'waiting' | 'completed' | 'completed_with_errors' | 'goal_reached' | 'unenrolled' | 'failed' | 'cancelled';

export interface Enrollment {
  id: number;
  workflow_id: string;
  version: number;
  record_id: number;
  /** Filled in list answers: the record's email, to name the contact. */
  record_email?: string;
  status: EnrollmentStatus;
  current_step: string;
  trigger_id: string;
  event_id?: number;
  reason: unknown;
  steps_run: number;
  /** Step visits that failed so far (a refused send, a dead letter, a step that could not run). */
  failed_steps: number;
  error?: string;
  created_at: string;
  updated_at: string;
  finished_at?: string;
}

export interface HistoryEntry {
  id: number;
  enrollment_id: number;
  step_id?: string;
  step_type?: string;
  outcome: string;
  detail: unknown;
  at: string;
}

export interface Diagnose {
  trigger: string;
  trigger_type: string;
  summary: string;
  matched: unknown;
  event?: unknown;
  by?: string;
  version: number;
}

/** Where an enrollment waiting for another try of an outbound step stands: try `try` of
 * `max_tries` failed with `error`; the next runs at `next_try_at`. */
export interface Retry {
  step_id: string;
  try: number;
  max_tries: number;
  next_try_at: string;
  error: string;
  /** error in words, with what to do (absent when there are none). */
  error_text?: string;
  last_try_at: string;
}

export interface EnrollmentDetail {
  enrollment: Enrollment;
  history: HistoryEntry[];
  diagnose: Diagnose;
  /** null unless the enrollment waits for another try. */
  retry?: Retry | null;
}

/** A record (store.Record). Named RecordItem in code to avoid clashing with TS's Record. */
export interface RecordItem {
  id: number;
  type: string;
  email?: string;
  properties: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/** One link from a record to another (GET /api/records/{id}/associations). */
export interface Association {
  record_id: number;
  type: string;
  label: string;
  created_at: string;
  record: RecordItem;
}

export interface RecordDetail {
  record: RecordItem;
  /** ids of the lists the record is in */
  lists: string[];
  events: unknown[];
  enrollments: Enrollment[];
  /** workflows the record was kept out of (a suppression list), the latest first */
  not_enrolled?: Refusal[];
}

/** Why a record was kept out of a workflow a trigger, a hand or a bulk job would have enrolled it in. */
export interface Refusal {
  workflow_id: string;
  /** the trigger that matched, or "manual" */
  trigger_id: string;
  code: string;
  /** in words: "in suppression list customers" */
  reason: string;
  count: number;
  first_at: string;
  at: string;
}

export type PropertyType = 'string' | 'number' | 'integer' | 'bool' | 'date' | 'datetime' | 'enum' | 'multi' | 'email' | 'phone' | 'url';

/** A declared record property (GET /api/properties, /api/schema). */
export interface Property {
  object: string;
  name: string;
  type: PropertyType;
  label: string;
  options?: string[];
  unique?: boolean;
}

/** A record type (GET /api/objects). */
export interface ObjectType {
  name: string;
  label: string;
  primary: string;
  builtin: boolean;
}

/** GET /api/schema. */
export interface Schema {
  objects: string[];
  properties: Property[];
  step_types: StepType[];
  operators: FilterOp[];
}

export interface EventInput {
  type: string;
  record: { type?: string; email?: string; id?: number; properties?: Record<string, unknown> };
  scope?: Record<string, string>;
  data?: Record<string, unknown>;
  occurred_at?: string;
}

export interface Health {
  status: string;
  version: string;
  schema_version: number;
  uptime_seconds: number;
  /** True when the server is reachable beyond this machine (then the API needs a token). */
  exposed?: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

// ---- incoming webhooks (backend/hook, backend/api/hooks.go) ----

export type HookAuth = 'signature' | 'api_key' | 'none';
/** A mapping converts to any property type (the same rules as every write). */
export type MappingType = PropertyType;

/** hook.Field: one payload path mapped to a record property. */
export interface HookField {
  path: string;
  property: string;
  type?: MappingType;
  required?: boolean;
  values?: string[];
}

/** hook.EventSpec as JSON: a fixed type (string) or {path, prefix}. */
export type HookEventSpec = string | { path: string; prefix?: string } | null;

/** hook.Config: the body of POST/PUT /api/hooks (secret/api_key are input only). */
export interface HookConfig {
  name: string;
  auth: HookAuth;
  secret?: string;
  api_key?: string;
  api_key_header?: string;
  preset?: string;
  object?: string;
  event: HookEventSpec;
  occurred_at?: string;
  scope?: Record<string, string>;
  mapping: HookField[];
  match?: string;
  create?: boolean;
  include?: string[];
  exclude?: string[];
  filter?: Filter;
  enabled?: boolean;
  delay_days?: number;
  max_failures?: number;
  max_body_bytes?: number;
  /** "form": also takes application/x-www-form-urlencoded bodies (ActiveCampaign). */
  body?: HookBody;
  /** refuse deliveries that would write a property nobody declared */
  strict?: boolean;
  /** told when Flowdesk switches the endpoint off for failing (at most MAX_ALERT_RECIPIENTS; empty: Settings' alert address) */
  alert_to?: string[];
}

/** What an endpoint's sender posts (hook.BodyJSON, hook.BodyForm). */
export type HookBody = 'json' | 'form';

/** hook.MaxAlertRecipients (a Go test keeps the two equal). */
export const MAX_ALERT_RECIPIENTS = 20;

/** hook.Endpoint: an endpoint as the API shows it (never its secret). */
export interface HookEndpoint {
  id: string;
  key: string;
  url: string;
  name: string;
  config: HookConfig;
  has_secret: boolean;
  enabled: boolean;
  capture: boolean;
  has_captured: boolean;
  consecutive_failures: number;
  max_failures: number;
  disabled_reason?: string;
  created_at: string;
  updated_at: string;
}

/** hook.Created: creating an endpoint or rotating its secret (the only time it is shown). */
export interface HookCreated extends HookEndpoint {
  secret?: string;
  api_key?: string;
}

/** hook.PathSample: one path of a captured payload with its sample value. */
export interface PathSample {
  path: string;
  type: string; // string, number, bool, null, list
  sample: unknown;
}

/** hook.Capture: GET /api/hooks/{id}/captured. */
export interface HookCapture {
  received_at: string;
  webhook_id?: string;
  headers: Record<string, string>;
  payload: Record<string, unknown>;
  paths?: PathSample[];
}

/** hook.Request: a line of an endpoint's request log. */
export interface HookRequest {
  id: number;
  endpoint_id: string;
  received_at: string;
  status_code: number;
  outcome: string; // applied, duplicate, captured, rejected, filtered, skipped, delayed
  error?: string;
  /** a refusal's code, e.g. "undeclared_property" (a strict endpoint's property nobody declared) */
  error_code?: string;
  /** the field the refusal names, e.g. "record.properties.plan" */
  error_field?: string;
  /** for an undeclared_property refusal: the payload path the mapping read the property from */
  error_path?: string;
  /** ...and the value it held there, before conversion (a form's fields are text) */
  error_value?: unknown;
  webhook_id?: string;
  event_id?: number;
  headers: Record<string, string>;
  body?: unknown;
  body_raw?: string;
  /** a body that is not UTF-8 text, base64-encoded (truncated) */
  body_base64?: string;
}

export interface HookPreset {
  name: string;
  label: string;
  description: string;
  event: HookEventSpec;
  occurred_at?: string;
  scope?: Record<string, string>;
  match: string;
  mapping: HookField[];
  /** "form" for a sender that posts forms */
  body?: HookBody;
}

export interface Notification {
  id: number;
  kind: string;
  title: string;
  body: string;
  link?: string;
  user?: string;
  read: boolean;
  created_at: string;
}

// ---- settings (backend/settings View / Update) ----

export interface MaskedSecret { set: boolean }

export interface SettingsView {
  smtp: { host: string; port: number; username: string; from: string; tls: string; alert_to?: string; password: MaskedSecret; configured: boolean };
  sms: { url: string; account: string; from: string; monthly_cap: number; status_callback_url?: string; status_timeout_hours?: number; auth_token: MaskedSecret };
  slack: { default_channel: string; webhook_url: MaskedSecret };
  /** How long finished enrollments' history and raw webhook bodies are kept (0: default_days). */
  retention: { days: number; default_days: number };
  secrets_backend: string;
}

/** A secret in an update: a string sets it, null clears it, absent (undefined) keeps it. */
export type SecretInput = string | null | undefined;

export interface SettingsUpdate {
  smtp?: { host: string; port: number; username: string; from: string; tls: string; alert_to?: string; password?: string | null };
  sms?: { url: string; account: string; from: string; monthly_cap: number; status_callback_url: string; status_timeout_hours: number; auth_token?: string | null };
  slack?: { default_channel: string; webhook_url?: string | null };
  retention?: { days: number };
}

// ---- outbox, deliveries, tasks ----

export interface OutboxMessage {
  id: number;
  channel: string; // email, sms
  status: OutboxStatus;
  idempotency_key: string;
  message_id?: string;
  enrollment_id?: number;
  workflow_id?: string;
  step_id?: string;
  from: string;
  to: string;
  subject: string;
  body_html?: string;
  body_text?: string;
  created_at: string;
  sent_at?: string;
  /** Why it failed, as given: the server's or provider's answer, or no report before the step
   * stopped waiting. */
  reason?: string;
  /** The same in words with what to do, when there are words for it. */
  reason_text?: string;
  /** A failed message whose step tries it again then (absent when the failure is final). */
  retry_at?: string;
  /** When it became delivered or failed. */
  status_at?: string;
}

/** outbox: kept locally (nothing set up to send it); sent: handed to the SMTP server or SMS
 * provider; delivered / failed: what the SMS provider reported (failed also when it said nothing
 * in time). */
export type OutboxStatus = 'outbox' | 'sent' | 'delivered' | 'failed';

export type AttemptOutcome = 'ok' | 'skipped' | 'retry' | 'failed' | 'dead';

/** A "Retry all" of a workflow step (GET /api/deliveries/retry-jobs/{id}): the step's dead
 * letters when it started, sent again by the server in batches. */
export interface RetryJob {
  id: number;
  workflow_id: string;
  step_id: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  /** Tries logged after this delivery-log line are not in the job. */
  up_to: number;
  /** Dead letters selected when it started. */
  total: number;
  /** Handled so far: ok + failed + skipped. */
  done: number;
  /** Delivered by the retry. */
  ok: number;
  /** Failed again (still dead letters, each keeps its Retry). */
  failed: number;
  /** Settled before the job reached them (sent again by hand) or gone. */
  skipped: number;
  /** No longer running (see status). */
  finished: boolean;
  error?: string;
  created_at: string;
  updated_at: string;
  finished_at?: string;
}

export interface Delivery {
  id: number;
  enrollment_id: number;
  workflow_id: string;
  step_id: string;
  step_type: string;
  idempotency_key: string;
  try: number;
  outcome: AttemptOutcome | string;
  target: string;
  status_code?: number;
  latency_ms: number;
  error?: string;
  /** error in words, with what to do (absent when there are none); error stays the raw text. */
  error_text?: string;
  response?: string;
  request?: unknown;
  at: string;
  resolved?: boolean;
}

export interface Task {
  id: number;
  title: string;
  owner: string;
  due_at?: string;
  record_id?: number;
  enrollment_id?: number;
  workflow_id?: string;
  step_id?: string;
  status: 'open' | 'done';
  created_at: string;
  done_at?: string;
}

/** Why a record is not enrolled by hand (codes of the enroll API). */
export type SkipCode = 'already_enrolled' | 'reenrollment_off' | 'wrong_object' | 'record_missing' | 'filter_error' | 'workflow_off' | 'goal_met' | 'unenroll_met';

/** Whom "Enroll records…" enrolls: exactly one field. */
export interface EnrollSelection {
  record_ids?: number[];
  list?: string;
  filter?: Filter;
}

/** POST /api/workflows/{id}/enroll/preview: what enrolling would do now. */
export interface EnrollPreview {
  workflow_id: string;
  source: 'records' | 'list' | 'filter';
  matched: number;
  enrollable: number;
  skipped: Partial<Record<SkipCode, number>>;
}

/** A bulk-enrollment job (GET /api/enroll-jobs/{id}). */
export interface EnrollJob {
  id: number;
  workflow_id: string;
  source: 'records' | 'list' | 'filter';
  status: 'running' | 'done' | 'failed' | 'cancelled';
  total: number;
  matched: number;
  enrolled: number;
  skipped: Partial<Record<SkipCode, number>>;
  skipped_total: number;
  processed: number;
  done: boolean;
  error?: string;
  created_at: string;
  updated_at: string;
  finished_at?: string;
}

/** One workflow of GET /api/records/{id}/enroll-options. */
export interface EnrollOption {
  workflow_id: string;
  name: string;
  enabled: boolean;
  triggers: number;
  available: boolean;
  reason_code?: SkipCode;
  reason?: string;
}

// ---- the simulator (backend/simulate: POST /api/simulate) ----

export interface SimulateEvent {
  at: string;
  type: string;
  scope?: Record<string, string>;
  data?: Record<string, unknown>;
}

export interface SimulateRequest {
  definition?: Definition;
  workflow?: string;
  record?: { properties: Record<string, unknown> };
  record_id?: number;
  events?: SimulateEvent[];
  property_changes?: { at: string; properties: Record<string, unknown> }[];
  start?: string;
  horizon?: string;
  enroll?: '' | 'triggers' | 'manual';
  /** What the SMS provider reports about each text while its step waits (default delivered). */
  sms_status?: '' | 'delivered' | 'failed' | 'none';
}

export interface SimulateEntry {
  at: string;
  offset: string;
  enrollment: number;
  step?: string;
  type?: string;
  name?: string;
  outcome: string;
  detail?: Record<string, unknown>;
}

export interface SimulateEffect {
  at: string;
  offset: string;
  step: string;
  type: string;
  outcome: string;
  target?: string;
  error?: string;
  would_send?: Record<string, unknown>;
}

export interface SimulateResult {
  outcome: 'completed' | 'waiting' | 'goal_reached' | 'unenrolled' | 'failed' | 'not_enrolled';
  why_not?: string;
  start: string;
  end: string;
  stopped: 'done' | 'horizon' | 'step_budget';
  steps_run: number;
  timeline: SimulateEntry[];
  effects: SimulateEffect[];
  record_after: Record<string, unknown>;
  /** What the copies of a real record's linked records hold at the end, under the real ids (the real ones are not changed). */
  associated_after?: { record_id: number; type: string; properties: Record<string, unknown> }[];
  warnings: Problem[];
  /** The result as a scenario file's "expect" (flowdesk test). */
  summary: { outcome: string; timeline: string[]; effects: string[] };
}

/** A scenario's expectation: the lines `flowdesk test` compares. */
export interface ScenarioExpect {
  outcome: string;
  timeline: string[];
  effects: string[];
}

/** A scenario file: a simulation request and what it must produce. */
export interface ScenarioFile extends Omit<SimulateRequest, 'definition'> {
  name: string;
  expect: ScenarioExpect;
}

/** A scenario saved in the app, per workflow. */
export interface SavedScenario {
  id: number;
  workflow_id: string;
  name: string;
  scenario: ScenarioFile;
  created_at: string;
  updated_at: string;
}

export interface ScenarioRun {
  id: number;
  name: string;
  passed: boolean;
  diff: string[];
  expect: ScenarioExpect;
  actual?: ScenarioExpect;
  error?: string;
}

/** What a dry run covers: exactly one of filter, list or record_ids. */
export interface DryRunRequest {
  filter?: Filter;
  list?: string;
  record_ids?: number[];
  limit?: number;
  horizon?: string;
  definition?: Definition;
}

export interface DryRun {
  id: string;
  workflow_id: string;
  draft: boolean;
  status: 'running' | 'done' | 'stopped' | 'cancelled' | 'failed';
  error?: string;
  start: string;
  horizon: string;
  total: number;
  more: boolean;
  done: number;
  simulated: number;
  skipped: Record<string, number>;
  outcomes: Record<string, number>;
  steps: Record<string, { reached: number; failed: number; skipped: number; waiting: number }>;
  edges: { source: string; port: string; n: number }[];
  steps_run: number;
  warnings: Problem[];
}

/** One rule of a filter as evaluated for "why not": passed, and the values it read. */
export interface ConditionOutcome {
  path: string;
  rule: Filter;
  passed: boolean;
  read: Record<string, unknown>;
  error?: string;
}

export interface WhyNot {
  workflow_id: string;
  record_id: number;
  enrolled: boolean;
  enrollment_id?: number;
  summary: string;
  version?: number;
  on_since?: string;
  blockers: { code: string; message: string; list?: string; conditions?: ConditionOutcome[] }[];
  triggers: {
    trigger: string;
    type: string;
    matched: boolean;
    code: string;
    reason: string;
    conditions?: ConditionOutcome[];
    event?: { id: number; type: string; occurred_at: string; scope?: Record<string, string> };
  }[];
}

/** How a step or trigger differs between two versions (workflow.Diff). */
export type ChangeKind = 'added' | 'removed' | 'changed';

export interface StepChange {
  id: string;
  type: StepType;
  name?: string;
  change: ChangeKind;
  fields?: string[];
}

export interface TriggerChange {
  index: number;
  type: TriggerType;
  change: ChangeKind;
  fields?: string[];
  /** The trigger's id in the older version, when it was renamed. */
  from?: string;
}

/** What changed from one definition of a workflow to another. */
export interface Changes {
  steps: StepChange[];
  triggers: TriggerChange[];
  settings: string[];
  summary: string;
}

/** A row of GET /api/workflows/{id}/versions. */
export interface VersionInfo {
  version: number;
  created_at: string;
  active: boolean;
  summary: string;
  changes: Changes;
}

/** POST /api/workflows/{id}/review: what publishing would do. */
export interface PublishReview {
  workflow_id: string;
  enabled: boolean;
  live_version?: number;
  changes: Changes;
  problems: Problem[];
  valid: boolean;
  existing: { filter_triggers: number; matching: number; enrollable: number; already_enrolled: number; reenrollment_off: number; suppressed?: number };
}

/** POST /api/workflows/{id}/publish. */
export interface Published extends SavedWorkflow {
  enrolled: number;
}

/** One UTC day of GET /api/workflows/{id}/performance. */
export interface DayCounts {
  day: string;
  enrolled: number;
  completed: number;
  failed: number;
  goal_reached: number;
  unenrolled: number;
  cancelled: number;
  /** goal_reached over enrolled (0..1) */
  goal_conversion: number;
}

/** GET /api/workflows/{id}/performance: read from the rollup the step commit keeps. */
export interface Performance {
  workflow_id: string;
  from: string;
  to: string;
  days: DayCounts[];
  totals: DayCounts;
  steps: { step_id: string; ok: number; failed: number; skipped: number }[];
  /** records per branch or split path; for split paths also how many reached the goal */
  paths: { step_id: string; path: string; n: number; goal_reached?: number; goal_conversion?: number }[];
}

/** A list: static (members put in by steps, the API, the UI, imports) or active (a filter). */
export interface ListItem {
  id: string;
  name: string;
  object: string;
  filter?: Filter;
  members: number;
  created_at: string;
  updated_at: string;
}

/** One UTC day of a list's membership. */
export interface ListDay {
  day: string;
  joins: number;
  leaves: number;
  members: number;
}

/** A column of a CSV file mapped to a property ("" skips it). */
export interface ImportColumn {
  column: string;
  property: string;
  type?: PropertyType;
}

export interface ImportPreview {
  columns: string[];
  rows: string[][];
  total: number;
  suggested: ImportColumn[];
}

/** A CSV import into a list and how far it got. */
export interface ListImport {
  id: number;
  list: string;
  /** cancelled: stopped by hand; the rows before processed are written */
  status: 'running' | 'done' | 'failed' | 'cancelled';
  total: number;
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  joined: number;
  failed: number;
  error?: string;
  created_at: string;
  updated_at: string;
}
