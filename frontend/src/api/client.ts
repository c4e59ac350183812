// The one typed client of the Flowdesk HTTP API. URLs are relative ("/api/...") so the same
// code works in the Wails window (AssetServer) and in a browser on `flowdesk serve`.
import { canonical } from '../lib/canonical';
import type { TestEmailAnswer } from '../lib/settings';
import type {
  Association, Changes, Definition, Delivery, RetryJob, EnrollJob, EnrollOption, EnrollPreview, EnrollSelection, Enrollment, EnrollmentDetail, EnrollmentStatus, EventInput, Filter, Health, HookCapture,
  HookConfig, HookCreated, HookEndpoint, HookPreset, HookRequest, ImportColumn, ImportPreview, ListDay, ListImport, ListItem, Notification, ObjectType, OutboxMessage, Performance, Problem, Property, PropertyType, RecordDetail,
  RecordItem, PublishReview, Published, SavedWorkflow, SavedScenario, ScenarioFile, ScenarioRun, DryRun, DryRunRequest, WhyNot, Schema, SimulateRequest, SimulateResult, SettingsUpdate, SettingsView, Stats, Task, TrashedWorkflow, ValidateResult, VersionInfo, Workflow, WorkflowSummary,
} from './types';

/** An error answer of the API ({"error": {"code", "message", "details"}}) or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Validation problems carried by an invalid_workflow error (empty otherwise: every 422 lists
   * its problems, but only a workflow's belong in the editor's problems list). */
  get problems(): Problem[] {
    if (this.code !== 'invalid_workflow') return [];
    const d = this.details as { problems?: Problem[] } | undefined;
    return Array.isArray(d?.problems) ? d.problems : [];
  }

  /** True for a refused stale save (409). */
  get isConflict(): boolean {
    return this.status === 409;
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RequestOptions {
  body?: unknown;
  /** A body already encoded as JSON text (a definition in its canonical form). */
  json?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** The fetch function used by the client; tests replace it. */
let fetchImpl: typeof fetch = (...args) => fetch(...args);

/** Replaces the fetch implementation (tests). */
export function setFetch(f: typeof fetch): void {
  fetchImpl = f;
}

const TOKEN_KEY = 'flowdesk.token';

/** The API token for a Flowdesk reachable from the network (kept for this browser session). */
export function apiToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Stores (or, with "", forgets) the API token sent as a bearer token. */
export function setApiToken(token: string): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // no storage (private mode): the token lasts until reload
  }
  memoryToken = token;
}

let memoryToken = '';

/** One API call; the typed functions of this file and of the screen-specific API files use it. */
export async function request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<{ data: T; headers: Headers }> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (method !== 'GET') headers['Content-Type'] = 'application/json';
  const token = apiToken() || memoryToken;
  if (token) headers.Authorization = 'Bearer ' + token;
  let res: Response;
  try {
    res = await fetchImpl(path, {
      method,
      headers,
      body: opts.json ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `Flowdesk could not be reached: ${(e as Error).message}`);
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      if (!res.ok) throw new ApiError(res.status, 'http_' + res.status, text.slice(0, 200));
      throw new ApiError(res.status, 'bad_response', 'The server sent an answer that is not JSON.');
    }
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? res.statusText, err?.details);
  }
  return { data: json as T, headers: res.headers };
}

function qs(params: Record<string, string | number | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') u.set(k, String(v));
  }
  const s = u.toString();
  return s ? '?' + s : '';
}

const wf = (id: string) => '/api/workflows/' + encodeURIComponent(id);

export const api = {
  health: async () => (await request<Health>('GET', '/api/health')).data,

  listWorkflows: async () => (await request<{ workflows: WorkflowSummary[] }>('GET', '/api/workflows')).data.workflows,
  getWorkflow: async (id: string) => (await request<Workflow>('GET', wf(id))).data,
  /** Stores a new workflow (a draft when it has problems); definitions go in canonical form. */
  createWorkflow: async (def: Definition) => (await request<SavedWorkflow>('POST', '/api/workflows', { json: canonical(def) })).data,
  /** Saves a definition; `revision` is the one edited, sent as If-Match (409 when stale). */
  updateWorkflow: async (id: string, def: Definition, revision: number) =>
    (await request<SavedWorkflow>('PUT', wf(id), { json: canonical(def), headers: { 'If-Match': `"${revision}"` } })).data,
  /** Moves a workflow to the Trash; its open enrollments are cancelled or kept running. */
  deleteWorkflow: async (id: string, enrollments: 'cancel' | 'keep' = 'cancel') =>
    (await request<TrashedWorkflow>('DELETE', wf(id) + qs({ enrollments }))).data,
  /** Brings a workflow back from the Trash (switched off) with its history and counters. */
  restoreWorkflow: async (id: string) => (await request<Workflow>('POST', wf(id) + '/restore')).data,
  listTrash: async () => (await request<{ trash: TrashedWorkflow[]; keep_days: number }>('GET', '/api/trash')).data,
  /** Starts removing a workflow in the Trash for good (a background job; see purge progress). */
  purgeTrashed: async (id: string) => (await request<TrashedWorkflow>('DELETE', '/api/trash/' + encodeURIComponent(id))).data,
  enableWorkflow: async (id: string) => (await request<Workflow>('POST', wf(id) + '/enable')).data,
  disableWorkflow: async (id: string, cancel = false) =>
    (await request<Workflow>('POST', wf(id) + '/disable' + qs({ cancel: cancel ? 'true' : undefined }))).data,
  validateWorkflow: async (def: Definition, signal?: AbortSignal) =>
    (await request<ValidateResult>('POST', '/api/workflows/validate', { json: canonical(def), signal })).data,
  workflowStats: async (id: string, signal?: AbortSignal) => (await request<Stats>('GET', wf(id) + '/stats', { signal })).data,
  enrollRecord: async (id: string, recordId: number) =>
    (await request<Enrollment>('POST', wf(id) + '/enroll', { body: { record_id: recordId } })).data,
  /** Counts what enrolling a selection would do now; writes nothing. */
  previewEnroll: async (id: string, sel: EnrollSelection) =>
    (await request<EnrollPreview>('POST', wf(id) + '/enroll/preview', { body: sel })).data,
  /** Starts a bulk enrollment (answered 202); poll getEnrollJob for its progress. */
  startEnroll: async (id: string, sel: EnrollSelection) => (await request<EnrollJob>('POST', wf(id) + '/enroll', { body: sel })).data,
  getEnrollJob: async (id: number, signal?: AbortSignal) => (await request<EnrollJob>('GET', '/api/enroll-jobs/' + id, { signal })).data,
  /** Stops a running bulk enrollment after its current batch. */
  cancelEnrollJob: async (id: number) => (await request<EnrollJob>('POST', `/api/enroll-jobs/${id}/cancel`)).data,
  listEnrollJobs: async (q: { workflow?: string; status?: EnrollJob['status'] } = {}) =>
    (await request<{ jobs: EnrollJob[] }>('GET', '/api/enroll-jobs' + qs(q))).data.jobs,
  /** The workflows a record could be enrolled in by hand, each with why not when it cannot. */
  enrollOptions: async (recordId: number) =>
    (await request<{ workflows: EnrollOption[] }>('GET', `/api/records/${recordId}/enroll-options`)).data.workflows,
  /** Unenrolls one record; the reason goes into the enrollment's history. */
  cancelEnrollment: async (id: number, reason: string) =>
    (await request<{ enrollment: Enrollment }>('POST', `/api/enrollments/${id}/cancel`, { body: { reason } })).data.enrollment,

  /** Runs a failed enrollment again from its failed step (the same enrollment). */
  rerunEnrollment: async (id: number) =>
    (await request<{ enrollment: Enrollment }>('POST', `/api/enrollments/${id}/rerun`)).data.enrollment,

  postEvent: async (ev: EventInput, idempotencyKey?: string) =>
    (await request<unknown>('POST', '/api/events', {
      body: ev, headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : undefined,
    })).data,

  listRecords: async (q: { type?: string; email?: string; q?: string; limit?: number; cursor?: string } = {}) => {
    const d = (await request<{ records: RecordItem[]; next_cursor?: string }>('GET', '/api/records' + qs(q))).data;
    return { items: d.records, nextCursor: d.next_cursor };
  },
  getRecord: async (id: number) => (await request<RecordDetail>('GET', '/api/records/' + id)).data,
  /** Erases a record for good (GDPR); the answer says what was removed. */
  eraseRecord: async (id: number) =>
    (await request<{ erased: { record_id: number; cancelled: number; enrollments: number; rows: Record<string, number> } }>('DELETE', `/api/records/${id}`)).data.erased,
  listAssociationTypes: async () =>
    (await request<{ association_types: { from: string; to: string }[] }>('GET', '/api/association-types')).data.association_types,
  listAssociations: async (id: number) =>
    (await request<{ associations: Association[]; associable: string[] }>('GET', `/api/records/${id}/associations`)).data,
  associate: async (id: number, recordId: number, label: string) =>
    (await request<{ association: Association; created: boolean }>('POST', `/api/records/${id}/associations`, { body: { record_id: recordId, label } })).data,
  dissociate: async (id: number, recordId: number, label: string) =>
    (await request<{ removed: number }>('DELETE', `/api/records/${id}/associations`, { body: { record_id: recordId, label } })).data,
  patchRecord: async (id: number, properties: Record<string, unknown>) =>
    (await request<{ record: RecordItem; enrollments: Enrollment[] }>('PATCH', '/api/records/' + id, { body: { properties } })).data,

  listEnrollments: async (q: { workflow?: string; record?: number; status?: EnrollmentStatus; step?: string; contact?: string; from?: string; to?: string; limit?: number; cursor?: string } = {}) => {
    const d = (await request<{ enrollments: Enrollment[]; next_cursor?: string }>('GET', '/api/enrollments' + qs(q))).data;
    return { items: d.enrollments, nextCursor: d.next_cursor };
  },
  getEnrollment: async (id: number) => (await request<EnrollmentDetail>('GET', '/api/enrollments/' + id)).data,
  /** One stored version of a workflow: the definition its enrollments run. */
  getVersion: async (id: string, version: number) =>
    (await request<{ workflow_id: string; version: number; definition: Definition }>('GET', `/api/workflows/${encodeURIComponent(id)}/versions/${version}`)).data,

  /** Replaces a workflow's tags (not part of its definition: no new revision or version). */
  setTags: async (id: string, tags: string[]) => (await request<Workflow>('PUT', wf(id) + '/tags', { body: { tags } })).data,
  /** A workflow's published versions, newest first, each with what it changed. */
  listVersions: async (id: string) => (await request<{ versions: VersionInfo[] }>('GET', wf(id) + '/versions')).data.versions,
  /** What changed between two definitions: version numbers, 'draft' or 'live'. */
  compareVersions: async (id: string, from: string | number, to: string | number) =>
    (await request<{ changes: Changes }>('GET', wf(id) + '/compare' + qs({ from: String(from), to: String(to) }))).data.changes,
  /** What publishing a definition (or, without one, the saved draft) would do; writes nothing. */
  reviewPublish: async (id: string, def?: Definition) =>
    (await request<PublishReview>('POST', wf(id) + '/review', def ? { json: `{"definition":${canonical(def)}}` } : {})).data,
  /** Puts a definition (or the saved draft) live, enrolling the records that meet its triggers now when asked. */
  publish: async (id: string, opts: { definition?: Definition; revision?: number; enrollExisting: boolean }) =>
    (await request<Published>('POST', wf(id) + '/publish', {
      json: `{${opts.definition ? `"definition":${canonical(opts.definition)},` : ''}"revision":${opts.revision ?? 0},"enroll_existing":${opts.enrollExisting}}`,
    })).data,

  /** Enrollments per day, per-step runs and failures and path counts over UTC days (YYYY-MM-DD). */
  performance: async (id: string, q: { from?: string; to?: string } = {}, signal?: AbortSignal) =>
    (await request<Performance>('GET', wf(id) + '/performance' + qs(q), { signal })).data,

  schema: async () => (await request<Schema>('GET', '/api/schema')).data,
  /** Runs one record through a workflow (saved or a draft) over virtual time; nothing is written or sent. */
  simulate: async (req: SimulateRequest) => (await request<SimulateResult>('POST', '/api/simulate', { body: req })).data,
  /** Starts a dry run over real records (answered 202); poll getDryRun for its progress. */
  startDryRun: async (id: string, req: DryRunRequest) => (await request<DryRun>('POST', wf(id) + '/dry-run', { body: req })).data,
  getDryRun: async (run: string, signal?: AbortSignal) => (await request<DryRun>('GET', '/api/dry-runs/' + encodeURIComponent(run), { signal })).data,
  cancelDryRun: async (run: string) => (await request<DryRun>('POST', `/api/dry-runs/${encodeURIComponent(run)}/cancel`)).data,
  /** The records behind one dry-run count (step:ID, edge:ID:PORT, outcome:X, skipped:CODE). */
  dryRunRecords: async (run: string, count: string, cursor?: string) => {
    const d = (await request<{ records: RecordItem[]; total: number; next_cursor?: string }>('GET', `/api/dry-runs/${encodeURIComponent(run)}/records` + qs({ count, cursor, limit: 50 }))).data;
    return { items: d.records, total: d.total, nextCursor: d.next_cursor };
  },
  /** Why a record is not (or is) in a workflow: blockers and each trigger's failed conditions. */
  whyNot: async (id: string, recordId: number) => (await request<WhyNot>('GET', wf(id) + '/why-not' + qs({ record_id: recordId }))).data,
  listScenarios: async (id: string) => (await request<{ scenarios: SavedScenario[] }>('GET', wf(id) + '/scenarios')).data.scenarios,
  saveScenario: async (id: string, sc: ScenarioFile) => (await request<SavedScenario>('POST', wf(id) + '/scenarios', { body: sc })).data,
  updateScenario: async (id: string, sid: number, sc: ScenarioFile) => (await request<SavedScenario>('PUT', `${wf(id)}/scenarios/${sid}`, { body: sc })).data,
  deleteScenario: async (id: string, sid: number) => {
    await request<null>('DELETE', `${wf(id)}/scenarios/${sid}`);
  },
  /** Runs a workflow's saved scenarios, against the editor's draft when given; nothing is written. */
  runScenarios: async (id: string, definition?: Definition) =>
    (await request<{ results: ScenarioRun[]; passed: number; failed: number }>('POST', wf(id) + '/scenarios/run', definition ? { json: `{"definition":${canonical(definition)}}` } : {})).data,

  // declared properties and object types
  listProperties: async (object?: string) => (await request<{ properties: Property[]; types: PropertyType[] }>('GET', '/api/properties' + qs({ object }))).data.properties,
  createProperty: async (p: Omit<Property, 'label'> & { label?: string }) => (await request<{ property: Property }>('POST', '/api/properties', { body: p })).data.property,
  /** Changes a property; a type or options change converts the values (409 with the count when some cannot). */
  updateProperty: async (object: string, name: string, patch: { label?: string; type?: PropertyType; options?: string[]; unique?: boolean }) =>
    (await request<{ property: Property; converted: number }>('PATCH', `/api/properties/${encodeURIComponent(object)}/${encodeURIComponent(name)}`, { body: patch })).data,
  /** Deletes a property; 409 (details.used_by) while a workflow or webhook mapping uses it. */
  deleteProperty: async (object: string, name: string) => {
    await request<null>('DELETE', `/api/properties/${encodeURIComponent(object)}/${encodeURIComponent(name)}`);
  },
  listObjects: async () => (await request<{ objects: ObjectType[] }>('GET', '/api/objects')).data.objects,
  createObject: async (o: { name: string; label?: string; primary?: string }) => (await request<{ object: ObjectType }>('POST', '/api/objects', { body: o })).data.object,

  // incoming webhooks
  listHooks: async () => (await request<{ hooks: HookEndpoint[] }>('GET', '/api/hooks')).data.hooks,
  hookPresets: async () => (await request<{ presets: HookPreset[] }>('GET', '/api/hooks/presets')).data.presets,
  getHook: async (id: string) => (await request<HookEndpoint>('GET', hk(id))).data,
  createHook: async (cfg: HookConfig) => (await request<HookCreated>('POST', '/api/hooks', { body: cfg })).data,
  updateHook: async (id: string, cfg: HookConfig) => (await request<HookCreated>('PUT', hk(id), { body: cfg })).data,
  deleteHook: async (id: string) => {
    await request<void>('DELETE', hk(id));
  },
  enableHook: async (id: string) => (await request<HookEndpoint>('POST', hk(id) + '/enable')).data,
  disableHook: async (id: string) => (await request<HookEndpoint>('POST', hk(id) + '/disable')).data,
  /** Arms capture mode: the next request is stored, not applied. */
  captureHook: async (id: string) => (await request<HookEndpoint>('POST', hk(id) + '/capture')).data,
  /** The captured test request; ApiError 404 nothing_captured until one arrives. */
  hookCaptured: async (id: string, signal?: AbortSignal) => (await request<HookCapture>('GET', hk(id) + '/captured', { signal })).data,
  hookRequests: async (id: string, q: { before?: number; limit?: number } = {}) =>
    (await request<{ requests: HookRequest[] }>('GET', hk(id) + '/requests' + qs(q))).data.requests,
  rotateHookSecret: async (id: string) => (await request<HookCreated>('POST', hk(id) + '/rotate-secret')).data,

  // notification centre
  listNotifications: async (q: { unread?: boolean; limit?: number } = {}, signal?: AbortSignal) =>
    (await request<{ notifications: Notification[]; unread: number }>('GET', '/api/notifications' + qs({ unread: q.unread ? 'true' : undefined, limit: q.limit }), { signal })).data,
  readNotification: async (id: number) => {
    await request<unknown>('POST', `/api/notifications/${id}/read`);
  },

  // settings (secrets are write-only)
  getSettings: async () => (await request<SettingsView>('GET', '/api/settings')).data,
  putSettings: async (u: SettingsUpdate) => (await request<SettingsView>('PUT', '/api/settings', { body: u })).data,
  /** Sends a short email through the saved SMTP settings now (502 send_failed in words when it cannot). */
  testEmailSettings: async (to: string) => (await request<TestEmailAnswer>('POST', '/api/settings/email/test', { body: { to } })).data,

  // outbox
  listOutbox: async (q: { status?: string; channel?: string; enrollment?: number; before?: number; limit?: number } = {}) => {
    const d = (await request<{ messages: OutboxMessage[]; next_before?: number }>('GET', '/api/outbox' + qs(q))).data;
    return { items: d.messages, nextBefore: d.next_before };
  },
  deleteOutbox: async (id: number) => {
    await request<void>('DELETE', '/api/outbox/' + id);
  },

  // delivery log
  listDeliveries: async (q: { workflow?: string; enrollment?: number; key?: string; dead?: boolean; failed?: boolean; limit?: number } = {}) =>
    (await request<{ deliveries: Delivery[] }>('GET', '/api/deliveries' + qs({ ...q, dead: q.dead ? 'true' : undefined, failed: q.failed ? 'true' : undefined }))).data.deliveries,
  retryDelivery: async (id: number) => (await request<{ delivery: Delivery }>('POST', `/api/deliveries/${id}/retry`)).data.delivery,
  /** Starts "Retry all" of a step as a server-side job (answered 202); poll getRetryJob. */
  startRetryJob: async (q: { workflow: string; step: string }) => (await request<RetryJob>('POST', '/api/deliveries/retry-jobs', { body: q })).data,
  getRetryJob: async (id: number, signal?: AbortSignal) => (await request<RetryJob>('GET', '/api/deliveries/retry-jobs/' + id, { signal })).data,
  listRetryJobs: async (q: { workflow?: string; step?: string; status?: RetryJob['status'] } = {}) =>
    (await request<{ jobs: RetryJob[] }>('GET', '/api/deliveries/retry-jobs' + qs(q))).data.jobs,
  /** Stops a running retry job after its current batch. */
  cancelRetryJob: async (id: number) => (await request<RetryJob>('POST', `/api/deliveries/retry-jobs/${id}/cancel`)).data,

  // lists and CSV import
  listLists: async () => (await request<{ lists: ListItem[] }>('GET', '/api/lists')).data.lists,
  getList: async (id: string) => (await request<{ list: ListItem; days: ListDay[] }>('GET', ls(id))).data,
  /** Creates a list; without an id one is made from the name. A filter makes it active. */
  createList: async (l: { id?: string; name: string; object?: string; filter?: Filter }) => (await request<{ list: ListItem }>('POST', '/api/lists', { body: l })).data.list,
  updateList: async (id: string, l: { name: string; filter?: Filter }) => (await request<{ list: ListItem }>('PUT', ls(id), { body: l })).data.list,
  /** Deletes a list; 409 (details.used_by) while a workflow names it. */
  deleteList: async (id: string) => {
    await request<null>('DELETE', ls(id));
  },
  listMembers: async (id: string, q: { q?: string; cursor?: string; limit?: number } = {}) => {
    const d = (await request<{ members: RecordItem[]; total: number; next_cursor?: string }>('GET', ls(id) + '/members' + qs(q))).data;
    return { items: d.members, total: d.total, nextCursor: d.next_cursor };
  },
  addListMembers: async (id: string, recordIds: number[]) =>
    (await request<{ added: number; list: ListItem }>('POST', ls(id) + '/members', { body: { record_ids: recordIds } })).data,
  removeListMember: async (id: string, recordId: number) => {
    await request<null>('DELETE', `${ls(id)}/members/${recordId}`);
  },
  /** Reads a CSV file (its bytes, base64) and suggests a mapping; writes nothing. */
  previewImport: async (id: string, file: string) => (await request<{ preview: ImportPreview }>('POST', ls(id) + '/imports/preview', { body: { file } })).data.preview,
  /** Starts an import (answered 202); poll getImport for its progress. */
  startImport: async (id: string, file: string, mapping: ImportColumn[], key: string) =>
    (await request<{ import: ListImport }>('POST', ls(id) + '/imports', { body: { file, mapping, key } })).data.import,
  getImport: async (id: number, signal?: AbortSignal) => (await request<{ import: ListImport }>('GET', '/api/imports/' + id, { signal })).data.import,
  /** Stops a running import; the rows so far stay and it reads "cancelled". */
  cancelImport: async (id: number) => (await request<{ import: ListImport }>('POST', '/api/imports/' + id + '/cancel')).data.import,
  listImports: async (id: string) => (await request<{ imports: ListImport[] }>('GET', ls(id) + '/imports')).data.imports,

  // tasks
  listTasks: async (q: { status?: 'open' | 'done'; owner?: string; record?: number; workflow?: string; limit?: number; cursor?: string } = {}) => {
    const d = (await request<{ tasks: Task[]; next_cursor?: string }>('GET', '/api/tasks' + qs(q))).data;
    return { items: d.tasks, nextCursor: d.next_cursor };
  },
  patchTask: async (id: number, status: 'open' | 'done') => (await request<Task>('PATCH', '/api/tasks/' + id, { body: { status } })).data,
};

const hk = (id: string) => '/api/hooks/' + encodeURIComponent(id);
const ls = (id: string) => '/api/lists/' + encodeURIComponent(id);

/** Downloads a file the API serves (a CSV export or report) with the API token, as name. */
export async function download(path: string, name: string): Promise<void> {
  const headers: Record<string, string> = {};
  const token = apiToken() || memoryToken;
  if (token) headers.Authorization = 'Bearer ' + token;
  let res: Response;
  try {
    res = await fetchImpl(path, { headers });
  } catch (e) {
    throw new ApiError(0, 'network', `Flowdesk could not be reached: ${(e as Error).message}`);
  }
  if (!res.ok) {
    const text = await res.text();
    let message = text.slice(0, 200);
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: the text itself
    }
    throw new ApiError(res.status, 'http_' + res.status, message);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Where the CSV report of an import's failed rows downloads from. */
export const importErrorsURL = (id: number) => `/api/imports/${id}/errors.csv`;
/** Where a list's members (optionally searched) download as CSV. */
export const listExportURL = (id: string, q?: string) => ls(id) + '/export.csv' + qs({ q });
/** Where the records view (type, search) downloads as CSV. */
export const recordsExportURL = (q: { type?: string; q?: string }) => '/api/records/export.csv' + qs(q);

export type Api = typeof api;
