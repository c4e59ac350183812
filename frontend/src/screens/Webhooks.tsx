// Incoming webhooks: the endpoint list, creating one (its secret shown once), and an endpoint's
// page: URL, secret rotation, on/off, "send a test event" (capture), the mapping editor over the
// captured payload's paths, include/exclude, filter, the endpoint settings (what the sender
// posts, strictness, alert addresses, failures, delay, body limit), and the request log, where a
// strict endpoint's refusal of a property nobody declared offers to declare it.
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { parseOptions, PROPERTY_TYPES, TYPE_LABELS } from '../lib/properties';
import { declareDraft, undeclaredProperty, type DeclareDraft } from '../lib/declare';
import {
  api, ApiError, MAX_ALERT_RECIPIENTS, type HookAuth, type HookBody, type HookCapture, type HookConfig, type HookCreated, type HookEndpoint, type HookField,
  type HookPreset, type HookRequest, type MappingType, type PathSample, type Property, type PropertyType, type Schema,
} from '../api';
import { ago, CopyField, Dialog, Empty, ErrorBanner, Spinner } from '../components/common';
import { FilterEditor } from '../components/filter/FilterEditor';
import { AddressListField, ListField, NumberField, outOfRange, Toggle } from '../components/panel/fields';
import { cleanMapping, flattenPayload, formatSample, setMapping, suggestProperty, suggestType } from '../lib/payload';
import { navigate } from '../router';
import { formatDateTime } from '../lib/datetime';

const MAPPING_TYPES: MappingType[] = PROPERTY_TYPES;
const AUTH_LABEL: Record<HookAuth, string> = { signature: 'Signature (Standard Webhooks)', api_key: 'API key header', none: 'None (anyone with the URL)' };
const FAILED = new Set(['rejected']);

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

type FieldProblems = { field: string; message: string }[];

/** The fields a refusal names: a 422's details.problems, or the one details.field of a 400 (a wrong type). */
export function refusalProblems(e: unknown): FieldProblems {
  if (!(e instanceof ApiError)) return [];
  const d = e.details as { problems?: FieldProblems; field?: string } | undefined;
  if (Array.isArray(d?.problems)) return d.problems;
  return d?.field ? [{ field: d.field, message: e.message }] : [];
}

/** The messages of the problems about field or anything under it (field.x, field[i]). */
function problemText(problems: FieldProblems, field: string): string {
  return problems.filter((p) => p.field === field || p.field.startsWith(field + '.') || p.field.startsWith(field + '[')).map((p) => p.message).join(' ');
}

/** A request is a failure when it was refused (4xx/5xx). */
export function isFailedRequest(r: HookRequest): boolean {
  return r.status_code >= 400 || FAILED.has(r.outcome);
}

function eventText(c: HookConfig, presets: HookPreset[]): string {
  const e = c.event;
  if (typeof e === 'string' && e) return e;
  if (e && typeof e === 'object' && e.path) return `from payload ${e.path}${e.prefix ? ` (prefix ${e.prefix})` : ''}`;
  const p = presets.find((x) => x.name === c.preset);
  if (p) return `from the ${p.label} preset`;
  return 'not set';
}

function StatusPill({ ep }: { ep: HookEndpoint }) {
  return ep.enabled
    ? <span className="pill on">enabled</span>
    : <span className="pill failed" title={ep.disabled_reason}>disabled</span>;
}

export function WebhooksScreen() {
  const [hooks, setHooks] = useState<HookEndpoint[] | null>(null);
  const [last, setLast] = useState<Record<string, HookRequest | null>>({});
  const [presets, setPresets] = useState<HookPreset[]>([]);
  const [error, setError] = useState('');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<HookCreated | null>(null);
  const load = useCallback(async () => {
    try {
      const list = await api.listHooks();
      setHooks(list);
      setError('');
      const lasts = await Promise.all(list.map(async (h) => [h.id, (await api.hookRequests(h.id, { limit: 1 }).catch(() => []))[0] ?? null] as const));
      setLast(Object.fromEntries(lasts));
    } catch (e) {
      setError(msg(e));
    }
  }, []);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount
    load();
    api.hookPresets().then(setPresets, () => undefined);
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, [load]);
  return (
    <div className="screen">
      <div className="screen-head">
        <div>
          <h1>Webhooks</h1>
          <div className="sub">Endpoints other tools post JSON or form fields to. Each delivery becomes an event on a contact and can start workflows.</div>
        </div>
        <button type="button" className="btn primary" onClick={() => setCreating(true)}>New endpoint</button>
      </div>
      <ErrorBanner error={error} onRetry={load} />
      {!hooks && !error && <Spinner label="Loading endpoints…" />}
      {hooks && hooks.length === 0 && (
        <Empty title="No webhook endpoints yet" actions={<button type="button" className="btn primary" onClick={() => setCreating(true)}>New endpoint</button>}>
          Create one for a form tool, a webinar platform or a shop; systeme.io and WebinarGeek work without hand mapping.
        </Empty>
      )}
      {hooks && hooks.length > 0 && (
        <table className="table hooks">
          <thead><tr><th>Name</th><th>Status</th><th>Event</th><th>Auth</th><th>Failures</th><th>Last request</th></tr></thead>
          <tbody>
            {hooks.map((h) => {
              const l = last[h.id];
              return (
                <tr key={h.id} data-hook={h.id} onClick={() => navigate('#/webhooks/' + encodeURIComponent(h.id))}>
                  <td><a href={'#/webhooks/' + encodeURIComponent(h.id)} onClick={(e) => e.stopPropagation()}>{h.name}</a>{h.capture && <span className="chip small">capturing</span>}</td>
                  <td><StatusPill ep={h} />{!h.enabled && h.disabled_reason && <div className="sub">{h.disabled_reason}</div>}</td>
                  <td className="mono sub">{eventText(h.config, presets)}</td>
                  <td className="sub">{h.config.auth}</td>
                  <td className={h.consecutive_failures > 0 ? 'warn-text' : 'sub'}>{h.consecutive_failures} / {h.max_failures}</td>
                  <td>
                    {l === undefined ? '' : l === null ? <span className="sub">none yet</span> : (
                      <span className={isFailedRequest(l) ? 'warn-text' : ''} title={formatDateTime(l.received_at)}>
                        {l.status_code} {l.outcome} · {ago(l.received_at)}
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {creating && (
        <CreateHookDialog presets={presets} onClose={() => setCreating(false)} onCreated={(c) => { setCreating(false); setCreated(c); load(); }} />
      )}
      {created && <SecretOnceDialog title="Endpoint created" created={created} onClose={() => { const id = created.id; setCreated(null); navigate('#/webhooks/' + encodeURIComponent(id)); }} />}
    </div>
  );
}

/** Shows the URL and the secret or API key of a new (or rotated) endpoint, once. */
function SecretOnceDialog({ title, created, onClose }: { title: string; created: HookCreated; onClose(): void }) {
  const secret = created.secret ?? created.api_key;
  return (
    <Dialog title={title} onClose={onClose}>
      <div data-testid="secret-once">
        <CopyField label="Endpoint URL" value={created.url} testId="hook-url" />
        {secret && (
          <>
            <CopyField label={created.secret ? 'Signing secret' : 'API key'} value={secret} testId="hook-secret" />
            <div className="banner warn" role="note">
              Copy the {created.secret ? 'secret' : 'API key'} now: <strong>you won't see it again.</strong> Flowdesk keeps only what it needs to check requests.
              {created.api_key && <> Send it in the <span className="mono">{created.config.api_key_header || 'X-Api-Key'}</span> header.</>}
            </div>
          </>
        )}
        {!secret && created.config.auth === 'none' && <p className="sub">This endpoint has no authentication: anyone with the URL can post to it. Keep the URL private.</p>}
        <div className="dialog-actions">
          <button type="button" className="btn primary" onClick={onClose}>{secret ? "I've copied it" : 'Done'}</button>
        </div>
      </div>
    </Dialog>
  );
}

function CreateHookDialog({ presets, onClose, onCreated }: { presets: HookPreset[]; onClose(): void; onCreated(c: HookCreated): void }) {
  const [name, setName] = useState('');
  const [auth, setAuth] = useState<HookAuth>('signature');
  const [preset, setPreset] = useState('');
  const [eventMode, setEventMode] = useState<'preset' | 'fixed' | 'path'>('fixed');
  const [eventType, setEventType] = useState('');
  const [eventPath, setEventPath] = useState('type');
  const [match, setMatch] = useState('email');
  const [create, setCreate] = useState(true);
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);
  const [error, setError] = useState('');
  const mode = preset && eventMode === 'fixed' && !eventType ? 'preset' : eventMode;
  const submit = async () => {
    setBusy(true);
    setError('');
    setProblems([]);
    const cfg: HookConfig = { name: name.trim(), auth, event: null, mapping: [] };
    if (preset) cfg.preset = preset;
    if (mode === 'fixed' && eventType.trim()) cfg.event = eventType.trim();
    if (mode === 'path' && eventPath.trim()) cfg.event = { path: eventPath.trim() };
    if (match.trim() && match.trim() !== 'email') cfg.match = match.trim();
    if (!create) cfg.create = false;
    try {
      onCreated(await api.createHook(cfg));
    } catch (e) {
      setProblems(refusalProblems(e));
      setError(msg(e));
    } finally {
      setBusy(false);
    }
  };
  const problemOf = (f: string) => problems.filter((p) => p.field === f || p.field.startsWith(f + '.')).map((p) => p.message).join(' ');
  return (
    <Dialog title="New webhook endpoint" onClose={onClose}>
      <form className="form" onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <div className="field">
          <label htmlFor="hook-name">Name</label>
          <input id="hook-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Opt-in form" autoFocus />
          {problemOf('name') && <div className="hint error">{problemOf('name')}</div>}
        </div>
        <div className="field">
          <label htmlFor="hook-auth">Authentication</label>
          <select id="hook-auth" value={auth} onChange={(e) => setAuth(e.target.value as HookAuth)}>
            {(Object.keys(AUTH_LABEL) as HookAuth[]).map((a) => <option key={a} value={a}>{AUTH_LABEL[a]}</option>)}
          </select>
          <div className="hint">{auth === 'signature' ? 'Requests carry webhook-id, webhook-timestamp and webhook-signature headers signed with a whsec_ secret.' : auth === 'api_key' ? 'Requests carry a secret key in the X-Api-Key header.' : 'Only for senders that cannot sign; the URL is the only protection.'}</div>
        </div>
        <div className="field">
          <label htmlFor="hook-preset">Sender preset</label>
          <select id="hook-preset" value={preset} onChange={(e) => { setPreset(e.target.value); if (e.target.value) setEventMode('preset'); else if (eventMode === 'preset') setEventMode('fixed'); }}>
            <option value="">None (map fields yourself)</option>
            {presets.map((p) => <option key={p.name} value={p.name}>{p.label}</option>)}
            {presets.length === 0 && <><option value="systemeio">systeme.io</option><option value="webinargeek">WebinarGeek</option></>}
          </select>
          {preset && <div className="hint">{presets.find((p) => p.name === preset)?.description ?? 'Fills the event type and the contact mapping.'}</div>}
        </div>
        <div className="field">
          <span className="field-label">Event type</span>
          <div className="segmented" role="radiogroup" aria-label="Event type source">
            {preset && <button type="button" role="radio" aria-checked={mode === 'preset'} className={mode === 'preset' ? 'on' : ''} onClick={() => setEventMode('preset')}>From the preset</button>}
            <button type="button" role="radio" aria-checked={mode === 'fixed'} className={mode === 'fixed' ? 'on' : ''} onClick={() => setEventMode('fixed')}>Fixed</button>
            <button type="button" role="radio" aria-checked={mode === 'path'} className={mode === 'path' ? 'on' : ''} onClick={() => setEventMode('path')}>From a payload path</button>
          </div>
          {mode === 'fixed' && <input aria-label="Fixed event type" value={eventType} onChange={(e) => setEventType(e.target.value)} placeholder="form.submitted" />}
          {mode === 'path' && <input aria-label="Event type path" className="mono" value={eventPath} onChange={(e) => setEventPath(e.target.value)} placeholder="type" />}
          {problemOf('event') && <div className="hint error">{problemOf('event')}</div>}
          {!preset && mode === 'fixed' && !eventType && <div className="hint">You can leave it empty and set it after capturing a test event.</div>}
        </div>
        <div className="field">
          <label htmlFor="hook-match">Match records by</label>
          <input id="hook-match" value={match} onChange={(e) => setMatch(e.target.value)} placeholder="email" />
          {problemOf('match') && <div className="hint error">{problemOf('match')}</div>}
        </div>
        <div className="field">
          <span className="field-label">When no record matches</span>
          <label className="check"><input type="radio" name="hook-create" checked={create} onChange={() => setCreate(true)} /> Create the record (create or update)</label>
          <label className="check"><input type="radio" name="hook-create" checked={!create} onChange={() => setCreate(false)} /> Ignore the request (only update existing records)</label>
        </div>
        {error && <div className="banner error" role="alert">{error}</div>}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn primary" disabled={busy || !name.trim()}>{busy ? 'Creating…' : 'Create endpoint'}</button>
        </div>
      </form>
    </Dialog>
  );
}

export function WebhookDetailScreen({ id }: { id: string }) {
  const [ep, setEp] = useState<HookEndpoint | null>(null);
  const [draft, setDraft] = useState<HookConfig | null>(null);
  const [dirty, setDirty] = useState(false);
  const [requests, setRequests] = useState<HookRequest[] | null>(null);
  const [presets, setPresets] = useState<HookPreset[]>([]);
  const [schema, setSchema] = useState<Schema | null>(null);
  const [capture, setCapture] = useState<HookCapture | null>(null);
  const [waiting, setWaiting] = useState(false);
  const [rotated, setRotated] = useState<HookCreated | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [problems, setProblems] = useState<FieldProblems>([]);
  const [busy, setBusy] = useState('');
  const [settingsAlertTo, setSettingsAlertTo] = useState('');
  const [openReq, setOpenReq] = useState<number | null>(null);
  const [declareReq, setDeclareReq] = useState<number | null>(null);
  const [declared, setDeclared] = useState<{ id: number; text: string } | null>(null);

  const loadRequests = useCallback(async () => {
    try {
      setRequests(await api.hookRequests(id, { limit: 50 }));
    } catch {
      // the endpoint error shows above
    }
  }, [id]);
  const load = useCallback(async () => {
    try {
      const e = await api.getHook(id);
      setEp(e);
      setError('');
      return e;
    } catch (e) {
      setError(msg(e));
      return null;
    }
  }, [id]);

  useEffect(() => {
    let live = true;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount
    load().then((e) => {
      if (!live || !e) return;
      setDraft(e.config);
      if (e.capture) setWaiting(true);
      else if (e.has_captured) api.hookCaptured(id).then((c) => live && setCapture(c), () => undefined);
    });
    loadRequests();
    api.hookPresets().then((p) => live && setPresets(p), () => undefined);
    api.schema().then((s) => live && setSchema(s), () => undefined);
    api.getSettings().then((s) => live && setSettingsAlertTo(s.smtp.alert_to ?? ''), () => undefined);
    const t = setInterval(() => {
      loadRequests();
      load();
    }, 4000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [id, load, loadRequests]);

  // capture: poll until the test request arrives
  useEffect(() => {
    if (!waiting) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ctrl = new AbortController();
    const started = Date.now();
    const tick = async () => {
      try {
        const c = await api.hookCaptured(id, ctrl.signal);
        if (!live) return;
        setCapture(c);
        setWaiting(false);
        loadRequests();
        load();
        return;
      } catch (e) {
        if (!live) return;
        if (!(e instanceof ApiError && e.status === 404)) {
          if (!(e instanceof DOMException)) setError(msg(e));
        }
      }
      if (Date.now() - started > 15 * 60_000) {
        setWaiting(false);
        setNotice('No test request arrived in 15 minutes. Send it again when the sender is ready.');
        return;
      }
      timer = setTimeout(tick, 1000);
    };
    tick();
    return () => {
      live = false;
      ctrl.abort();
      clearTimeout(timer);
    };
  }, [waiting, id, load, loadRequests]);

  const object = draft?.object || 'contact';
  const properties = useMemo(() => schema?.properties.filter((p) => p.object === object) ?? [], [schema, object]);
  const paths: PathSample[] = useMemo(() => (capture ? (capture.paths?.length ? capture.paths : flattenPayload(capture.payload)) : []), [capture]);
  const preset = presets.find((p) => p.name === draft?.preset);

  if (error && !ep) return <div className="screen"><ErrorBanner error={error} onRetry={load} /><a href="#/webhooks">Webhooks</a></div>;
  if (!ep || !draft) return <div className="screen"><Spinner label="Loading endpoint…" /></div>;

  const change = (p: Partial<HookConfig>) => {
    setDraft({ ...draft, ...p });
    setDirty(true);
  };
  const run = async (label: string, f: () => Promise<void>) => {
    setBusy(label);
    setError('');
    setNotice('');
    try {
      await f();
    } catch (e) {
      setError(msg(e));
    } finally {
      setBusy('');
    }
  };
  const armCapture = () => run('capture', async () => {
    setEp(await api.captureHook(id));
    setCapture(null);
    setWaiting(true);
  });
  const toggle = () => run('toggle', async () => {
    const e = ep.enabled ? await api.disableHook(id) : await api.enableHook(id);
    setEp(e);
    setDraft((d) => (d ? { ...d, enabled: e.enabled } : d));
    setNotice(e.enabled ? 'Endpoint enabled: requests are applied again.' : 'Endpoint disabled: requests are refused until you enable it.');
  });
  const rotate = () => {
    if (!confirm('Make a new secret? The current one stops working at once, so the sender must be updated.')) return;
    run('rotate', async () => {
      const c = await api.rotateHookSecret(id);
      setEp(c);
      setRotated(c);
    });
  };
  const remove = () => {
    if (!confirm(`Delete the endpoint "${ep.name}"? Requests to its URL will be refused.`)) return;
    run('delete', async () => {
      await api.deleteHook(id);
      navigate('#/webhooks');
    });
  };
  const save = () => run('save', async () => {
    setProblems([]);
    const body: HookConfig = { ...draft, mapping: cleanMapping(draft.mapping ?? []), enabled: ep.enabled };
    delete body.secret;
    delete body.api_key;
    if (!body.include?.length) delete body.include;
    if (!body.exclude?.length) delete body.exclude;
    if (!body.filter) delete body.filter;
    try {
      const c = await api.updateHook(id, body);
      setEp(c);
      setDraft(c.config);
      setDirty(false);
      setNotice('Saved. The next request uses these settings and this mapping.');
    } catch (e) {
      setProblems(refusalProblems(e));
      throw e;
    }
  });

  // "Declare <name>" on a strict refusal: the endpoint's saved object and mapping (its own rows before its preset's).
  const savedObject = ep.config.object || 'contact';
  const savedMapping = [...(ep.config.mapping ?? []), ...(presets.find((p) => p.name === ep.config.preset)?.mapping ?? [])];
  const isDeclared = (name: string) => !!schema?.properties.some((p) => p.object === savedObject && p.name === name);
  const onDeclared = async (r: HookRequest, refused: string, p: Property) => {
    setDeclareReq(null);
    const how = `Declared ${p.name} (${TYPE_LABELS[p.type] ?? p.type}) on ${p.object}.`;
    setDeclared({
      id: r.id,
      text: p.name === refused
        ? `${how} Logged requests are not replayed: the sender’s next delivery that fills ${refused} is applied.`
        : `${how} The mapping still fills ${refused}, which is not declared: change the mapping or declare ${refused} too.`,
    });
    api.schema().then(setSchema, () => undefined);
  };

  const failures = requests?.filter(isFailedRequest).length ?? 0;
  return (
    <div className="screen">
      <div className="crumbs"><a href="#/webhooks">Webhooks</a> / {ep.name}</div>
      <div className="screen-head">
        <div>
          <h1>{ep.name} <StatusPill ep={ep} /></h1>
          <div className="sub">
            {AUTH_LABEL[ep.config.auth] ?? ep.config.auth} · event {eventText(ep.config, presets)} · {ep.consecutive_failures} of {ep.max_failures} failures before auto-disable · created {ago(ep.created_at)}
          </div>
        </div>
        <div className="head-actions">
          <button type="button" className={ep.enabled ? 'btn' : 'btn primary'} onClick={toggle} disabled={!!busy}>{ep.enabled ? 'Disable' : ep.disabled_reason && ep.disabled_reason !== 'switched off by the user' ? 'Re-enable' : 'Enable'}</button>
          <button type="button" className="btn ghost warn" onClick={remove} disabled={!!busy}>Delete</button>
        </div>
      </div>
      {!ep.enabled && (
        <div className="banner error" role="alert" data-testid="disabled-banner">
          <span className="grow">Disabled{ep.disabled_reason ? `: ${ep.disabled_reason}` : ''}. Requests are refused until you enable it again.</span>
          <button type="button" className="btn" onClick={toggle} disabled={!!busy}>Re-enable</button>
        </div>
      )}
      <ErrorBanner error={error} onClose={() => setError('')} />
      {notice && <div className="banner ok" role="status"><span className="grow">{notice}</span><button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => setNotice('')}>×</button></div>}

      <div className="two-col">
        <div className="col">
          <section className="card">
            <h2>Endpoint</h2>
            <CopyField label="URL" value={ep.url} testId="hook-url" />
            {ep.config.auth !== 'none' ? (
              <div className="field">
                <span className="field-label">{ep.config.auth === 'signature' ? 'Signing secret' : 'API key'}</span>
                <div className="copy-row">
                  <span className="sub grow">{ep.has_secret ? 'Set — shown only when created or rotated.' : 'Not set.'}</span>
                  <button type="button" className="btn small" onClick={rotate} disabled={!!busy}>Rotate secret</button>
                </div>
              </div>
            ) : <div className="hint">No authentication: anyone with the URL can post. Keep it private.</div>}
            <h3>Send a test event</h3>
            {waiting ? (
              <div className="capture-wait" data-testid="capture-waiting">
                <Spinner label="Waiting for a test request…" />
                <div className="hint">Send one request from the sender to the URL above. It is stored for mapping, not applied.</div>
                <button type="button" className="btn small" onClick={() => setWaiting(false)}>Stop waiting</button>
              </div>
            ) : (
              <>
                <p className="sub">The next request to this endpoint is kept (not applied) so you can map its fields.</p>
                <button type="button" className="btn" onClick={armCapture} disabled={!!busy}>{capture ? 'Capture another test event' : 'Send a test event'}</button>
                {capture && <div className="hint capture-note">Captured {ago(capture.received_at)}{capture.webhook_id ? ` (webhook-id ${capture.webhook_id})` : ''}.</div>}
              </>
            )}
          </section>

          <section className="card">
            <div className="section-head">
              <h2>Recent requests <span className="count">{requests?.length ?? 0}</span></h2>
              {failures > 0 && <span className="pill failed">{failures} failed</span>}
            </div>
            {!requests && <Spinner label="Loading requests…" />}
            {requests && requests.length === 0 && <div className="sub">No requests yet. Post JSON to the URL above.</div>}
            {requests && requests.length > 0 && (
              <table className="table compact requests" data-testid="hook-requests">
                <thead><tr><th>Time</th><th>Status</th><th>Outcome</th><th>Error / event</th><th><span className="sr-only">Request body</span></th></tr></thead>
                <tbody>
                  {requests.map((r) => {
                    const refused = undeclaredProperty(r);
                    const declare = refused && !isDeclared(refused) ? refused : undefined;
                    return (
                      <RequestRow key={r.id} r={r} open={openReq === r.id} onToggle={() => setOpenReq(openReq === r.id ? null : r.id)}
                        declare={declare} onDeclare={() => { setDeclared(null); setDeclareReq(declareReq === r.id ? null : r.id); }}
                        form={declare && declareReq === r.id
                          ? <DeclareForm requestId={r.id} draft={declareDraft(savedObject, declare, savedMapping, r)} onCancel={() => setDeclareReq(null)} onDeclared={(p) => onDeclared(r, declare, p)} />
                          : declared?.id === r.id ? <div className="banner ok" role="status" data-testid="declared">{declared.text}</div> : undefined} />
                    );
                  })}
                </tbody>
              </table>
            )}
          </section>
        </div>

        <div className="col">
        <section className="card">
          <h2>How requests are applied</h2>
          <div className="field">
            <label htmlFor="hook-event">Event type</label>
            <input id="hook-event" className="mono" value={typeof draft.event === 'string' ? draft.event : ''} list="hook-event-paths"
              placeholder={typeof draft.event === 'object' && draft.event?.path ? `from payload path ${draft.event.path}` : preset ? 'from the preset' : 'form.submitted'}
              onChange={(e) => change({ event: e.target.value || null })} />
            <label className="check"><input type="checkbox" checked={typeof draft.event === 'object' && !!draft.event?.path}
              onChange={(e) => change({ event: e.target.checked ? { path: 'type' } : null })} /> Read it from the payload</label>
            {typeof draft.event === 'object' && draft.event && (
              <div className="inline-fields">
                <input aria-label="Event type path" className="mono" list="hook-paths" value={draft.event.path} onChange={(e) => change({ event: { ...(draft.event as { path: string }), path: e.target.value } })} />
                <input aria-label="Event type prefix" className="mono" placeholder="prefix, e.g. webinar." value={draft.event.prefix ?? ''} onChange={(e) => change({ event: { ...(draft.event as { path: string }), prefix: e.target.value || undefined } })} />
              </div>
            )}
            <FieldProblem problems={problems} field="event" />
          </div>
          <div className="field">
            <label htmlFor="hook-match2">Match records by</label>
            <input id="hook-match2" list="hook-props" value={draft.match ?? ''} placeholder={preset?.match || 'email'} onChange={(e) => change({ match: e.target.value || undefined })} />
            <FieldProblem problems={problems} field="match" />
          </div>
          <div className="field">
            <label htmlFor="hook-create2">When no record matches</label>
            <select id="hook-create2" value={draft.create === false ? 'update' : 'create'} onChange={(e) => change({ create: e.target.value === 'update' ? false : undefined })}>
              <option value="create">Create the record (create or update)</option>
              <option value="update">Ignore the request (only update existing)</option>
            </select>
          </div>
          <ListField label="Keep only these payload fields in the event (include)" value={draft.include} onChange={(v) => change({ include: v })} placeholder="data.contact, data.funnel" />
          <ListField label="Leave these out of the event (exclude)" value={draft.exclude} onChange={(v) => change({ exclude: v })} placeholder="data.contact.fields.phone_number" />
          <div className="field">
            <span className="field-label">Only apply requests that match</span>
            <FilterEditor value={draft.filter} properties={properties} allowEvent onChange={(f) => change({ filter: f })} />
            <div className="hint">Bare properties are the mapped ones; <span className="mono">event.&lt;path&gt;</span> reads the payload.</div>
          </div>
        </section>

        <EndpointSettings draft={draft} preset={preset} problems={problems} settingsAlertTo={settingsAlertTo} change={change}
          save={<>
            {dirty && <span className="status dirty">Unsaved changes</span>}
            <button type="button" className="btn primary" data-testid="save-settings" onClick={save} disabled={!!busy || !dirty || settingsOutOfRange(draft)}>{busy === 'save' ? 'Saving…' : 'Save'}</button>
          </>} />
        </div>
      </div>

      <section className="card mapping-card">
        <div className="section-head">
          <h2>Field mapping</h2>
          <span className="grow" />
          {dirty && <span className="status dirty">Unsaved changes</span>}
          <button type="button" className="btn primary" onClick={save} disabled={!!busy || !dirty || settingsOutOfRange(draft)}>{busy === 'save' ? 'Saving…' : 'Save'}</button>
        </div>
        {preset && (
          <div className="hint">The {preset.label} preset already maps {preset.mapping.map((f) => f.property).join(', ')}. Rows you add here come on top (and replace a preset row for the same property).</div>
        )}
        <FieldProblem problems={problems} field="mapping" />
        <MappingEditor mapping={draft.mapping ?? []} preset={preset?.mapping ?? []} paths={paths} properties={properties} onChange={(m) => change({ mapping: m })} />
        <datalist id="hook-props">{properties.map((p) => <option key={p.name} value={p.name}>{p.label || p.name} ({p.type})</option>)}</datalist>
        <datalist id="hook-paths">{paths.map((p) => <option key={p.path} value={p.path}>{formatSample(p.sample, 40)}</option>)}</datalist>
      </section>

      {rotated && <SecretOnceDialog title="New secret" created={rotated} onClose={() => setRotated(null)} />}
    </div>
  );
}

function FieldProblem({ problems, field }: { problems: FieldProblems; field: string }) {
  const m = problemText(problems, field);
  return m ? <div className="hint error">{m}</div> : null;
}

const BODY_LABEL: Record<HookBody, string> = { json: 'JSON', form: 'Form fields (ActiveCampaign)' };
const KIB = 1024;

/**
 * The endpoint's settings in a marketer's words: what the sender posts, whether a delivery may
 * declare new properties, who is told when the endpoint is switched off, after how many
 * failures, a delay before deliveries apply, and the body size limit. The server's refusals
 * show under the control they name.
 */
/** The ranges of the endpoint's number settings (the server's; 0 failures would quietly be its default of 10). */
const LIMITS = { failures: [1, 1000], days: [0, 365], kib: [1, 10240] } as const;

/** Whether a number setting is out of its range: said under its field, and Save waits for a fix. */
function settingsOutOfRange(d: HookConfig): boolean {
  const kib = d.max_body_bytes ? d.max_body_bytes / KIB : undefined;
  return !!(outOfRange(d.max_failures, ...LIMITS.failures) || outOfRange(d.delay_days, ...LIMITS.days) || outOfRange(kib, ...LIMITS.kib));
}

function EndpointSettings({ draft, preset, problems, settingsAlertTo, change, save }: {
  draft: HookConfig; preset?: HookPreset; problems: FieldProblems; settingsAlertTo: string; change(p: Partial<HookConfig>): void; save: ReactNode;
}) {
  const presetBody: HookBody = preset?.body ?? 'json';
  const body: HookBody = draft.body ?? presetBody;
  const alertTo = draft.alert_to ?? [];
  const flagged = problems.map((p) => /^alert_to\[(\d+)\]/.exec(p.field)).filter((m): m is RegExpExecArray => !!m).map((m) => Number(m[1]));
  const kib = draft.max_body_bytes ? Math.round((draft.max_body_bytes / KIB) * 100) / 100 : undefined;
  return (
    <section className="card" data-testid="endpoint-settings">
      <div className="section-head">
        <h2>Endpoint settings</h2>
        <span className="grow" />
        {save}
      </div>
      <div className="field">
        <span className="field-label" id="hook-body-label">What the sender posts</span>
        <div className="segmented" role="radiogroup" aria-labelledby="hook-body-label">
          {(Object.keys(BODY_LABEL) as HookBody[]).map((b) => (
            <button key={b} type="button" role="radio" aria-checked={body === b} className={body === b ? 'on' : ''}
              onClick={() => change({ body: b === presetBody ? undefined : b })}>{BODY_LABEL[b]}</button>
          ))}
        </div>
        {problemText(problems, 'body') && <div className="hint error">{problemText(problems, 'body')}</div>}
        <div className="hint">
          {body === 'form'
            ? <>Takes form posts (<span className="mono">application/x-www-form-urlencoded</span>) as ActiveCampaign sends them, and JSON too. Bracketed names are nested: <span className="mono">contact[email]</span> is the path <span className="mono">contact.email</span>.</>
            : 'Takes one JSON object per request; a form post is refused.'}
          {preset?.body && draft.body === undefined && <> The {preset.label} preset sets this.</>}
        </div>
      </div>
      <Toggle label="Refuse deliveries that write a property nobody declared" checked={!!draft.strict} onChange={(v) => change({ strict: v || undefined })}
        error={problemText(problems, 'strict')}
        hint={draft.strict
          ? 'A delivery whose mapping fills a property that does not exist yet is refused and shows in Recent requests; declare the property first (Properties).'
          : 'Off: a mapped property that does not exist yet is created with the mapping’s type.'} />
      <AddressListField label="Tell these addresses when the endpoint is switched off for failing" value={draft.alert_to} max={MAX_ALERT_RECIPIENTS}
        onChange={(v) => change({ alert_to: v })} placeholder="ops@example.com" flagged={flagged} error={problemText(problems, 'alert_to')}
        hint={alertTo.length
          ? `Press Enter after each address; at most ${MAX_ALERT_RECIPIENTS}.`
          : settingsAlertTo ? `None listed: the alert address in Settings (${settingsAlertTo}) is told.` : 'None listed: the alert address in Settings is told (none is set there yet).'} />
      <NumberField label="Switch the endpoint off after this many failed requests in a row" value={draft.max_failures} min={LIMITS.failures[0]} max={LIMITS.failures[1]} placeholder="10"
        onChange={(v) => change({ max_failures: v })} error={problemText(problems, 'max_failures')}
        hint="1 to 1000 (empty: 10). A refused request counts; any accepted one starts the count again." />
      <NumberField label="Hold each delivery this many days before applying it" value={draft.delay_days} min={LIMITS.days[0]} max={LIMITS.days[1]} placeholder="0"
        onChange={(v) => change({ delay_days: v || undefined })} error={problemText(problems, 'delay_days')}
        hint="0 to 365 (empty or 0: apply at once). Held deliveries are checked when they arrive and enroll the contact when they come due." />
      <NumberField label="Refuse request bodies larger than (KiB)" value={kib} min={LIMITS.kib[0]} max={LIMITS.kib[1]} step="any" placeholder="256"
        onChange={(v) => change({ max_body_bytes: v === undefined ? undefined : Math.round(v * KIB) })} error={problemText(problems, 'max_body_bytes')}
        hint="1 to 10240 KiB, that is 10 MiB (empty: 256 KiB)." />
    </section>
  );
}

/**
 * A line of the request log. A strict endpoint's refusal of a property nobody declared (declare:
 * its name, from the line's error_code and error_field) has a "Declare <name>" button; form is
 * what shows under the line then (the declare form, or what declaring did).
 */
function RequestRow({ r, open, onToggle, declare, onDeclare, form }: {
  r: HookRequest; open: boolean; onToggle(): void; declare?: string; onDeclare(): void; form?: ReactNode;
}) {
  const failed = isFailedRequest(r);
  return (
    <>
      <tr className={failed ? 'row-failed' : ''} data-outcome={r.outcome} data-request={r.id}>
        <td title={formatDateTime(r.received_at)}>{formatDateTime(r.received_at)}</td>
        <td className="mono">{r.status_code}</td>
        <td><span className={`pill ${failed ? 'failed' : r.outcome === 'applied' ? 'completed' : 'waiting'}`}>{r.outcome}</span></td>
        <td className={failed ? 'warn-text' : 'sub'}>
          {r.error || (r.event_id ? `event #${r.event_id}` : '')}
          {declare && <div><button type="button" className="btn small" onClick={onDeclare}>Declare {declare}</button></div>}
        </td>
        <td><button type="button" className="link-btn" onClick={onToggle}>{open ? 'Hide' : 'Body'}</button></td>
      </tr>
      {form && (
        <tr className="detail-row declare-row">
          <td colSpan={5}>{form}</td>
        </tr>
      )}
      {open && (
        <tr className="detail-row">
          <td colSpan={5}>
            <pre className="code">{r.body !== undefined ? JSON.stringify(r.body, null, 2) : r.body_raw || (r.body_base64 ? `Not UTF-8 text (base64): ${r.body_base64}` : '(no body)')}</pre>
          </td>
        </tr>
      )}
    </>
  );
}

/**
 * Declares the property a strict endpoint refused, prefilled from the refusal (object, name, a
 * label from the name, a type guessed from the value the request carried). The server checks it
 * as the Properties screen's "New property" does; a refusal shows under the field it names and
 * nothing is declared.
 */
function DeclareForm({ requestId, draft, onCancel, onDeclared }: { requestId: number; draft: DeclareDraft; onCancel(): void; onDeclared(p: Property): void }) {
  const [name, setName] = useState(draft.name);
  const [label, setLabel] = useState(draft.label);
  const [type, setType] = useState<PropertyType>(draft.type);
  const [options, setOptions] = useState(draft.options.join(', '));
  const [problems, setProblems] = useState<FieldProblems>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const id = (f: string) => `declare-${requestId}-${f}`;
  const submit = async () => {
    setBusy(true);
    setProblems([]);
    setError('');
    try {
      onDeclared(await api.createProperty({ object: draft.object, name: name.trim(), label: label.trim(), type, options: type === 'enum' ? parseOptions(options) : [] }));
    } catch (e) {
      const ps = refusalProblems(e);
      setProblems(ps);
      if (!ps.some((p) => ['name', 'label', 'type', 'options', 'object'].some((f) => p.field === f || p.field.startsWith(f + '[')))) setError(msg(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form declare-form" data-testid="declare-form" aria-label={`Declare ${draft.name}`} onSubmit={(e) => { e.preventDefault(); submit(); }}>
      <div className="sub">
        A new {draft.object} property{draft.path ? <> filled from <span className="mono">{draft.path}</span>{draft.value !== undefined && <> ({formatSample(draft.value, 40)} in this request)</>}</> : null}.
      </div>
      <div className="inline-fields">
        <div className="field">
          <label htmlFor={id('name')}>Name</label>
          <input id={id('name')} className="mono" value={name} onChange={(e) => setName(e.target.value)} />
          <FieldProblem problems={problems} field="name" />
        </div>
        <div className="field">
          <label htmlFor={id('label')}>Label</label>
          <input id={id('label')} value={label} onChange={(e) => setLabel(e.target.value)} />
          <FieldProblem problems={problems} field="label" />
        </div>
        <div className="field">
          <label htmlFor={id('type')}>Type</label>
          <select id={id('type')} value={type} onChange={(e) => setType(e.target.value as PropertyType)}>
            {PROPERTY_TYPES.map((t) => <option key={t} value={t}>{TYPE_LABELS[t]}</option>)}
          </select>
          <FieldProblem problems={problems} field="type" />
        </div>
        {type === 'enum' && (
          <div className="field">
            <label htmlFor={id('options')}>Options</label>
            <input id={id('options')} value={options} placeholder="free, pro, team" onChange={(e) => setOptions(e.target.value)} />
            <FieldProblem problems={problems} field="options" />
          </div>
        )}
      </div>
      <FieldProblem problems={problems} field="object" />
      {error && <div className="error-text" role="alert">{error}</div>}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onCancel}>Cancel</button>
        <button type="submit" className="btn primary" disabled={busy || !name.trim()}>{busy ? 'Declaring…' : 'Declare'}</button>
      </div>
    </form>
  );
}

/** Maps payload paths to record properties: one row per captured path (with its sample) and per saved mapping. */
function MappingEditor({ mapping, preset, paths, properties, onChange }: { mapping: HookField[]; preset: HookField[]; paths: PathSample[]; properties: Property[]; onChange(m: HookField[]): void }) {
  const presetOf = (path: string) => {
    const norm = path.replace(/\[\d+\]/g, '[]');
    return preset.find((f) => f.path === path || f.path === norm);
  };
  const [newPath, setNewPath] = useState('');
  const byPath = new Map(mapping.map((m) => [m.path, m]));
  const rows: { path: string; sample?: PathSample }[] = paths.map((p) => ({ path: p.path, sample: p }));
  for (const m of mapping) if (!paths.some((p) => p.path === m.path)) rows.push({ path: m.path });
  const propType = (name: string) => properties.find((p) => p.name === name)?.type;
  if (rows.length === 0) {
    return (
      <div className="sub">
        Nothing mapped yet. Use <strong>Send a test event</strong> to capture a payload and pick its fields, or add a path by hand below.
        <AddPath value={newPath} onChange={setNewPath} onAdd={() => { onChange(setMapping(mapping, newPath.trim(), { property: suggestProperty(newPath) })); setNewPath(''); }} />
      </div>
    );
  }
  return (
    <>
      <table className="table compact mapping" data-testid="mapping">
        <thead><tr><th>Payload path</th><th>Sample</th><th>Record property</th><th>Type</th><th>Required</th><th><span className="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {rows.map(({ path, sample }) => {
            const m = byPath.get(path);
            const pm = !m ? presetOf(path) : undefined;
            return (
              <tr key={path} className={m ? 'mapped' : pm ? 'preset' : ''} data-path={path}>
                <td className="mono">{path}</td>
                <td className="mono sub sample">{sample ? formatSample(sample.sample) : <em>not in the test event</em>}</td>
                <td>
                  <input aria-label={`Property for ${path}`} list="hook-props" value={m?.property ?? ''} placeholder={m ? '' : pm ? `${pm.property} (preset)` : 'not mapped'}
                    onChange={(e) => {
                      const v = e.target.value;
                      if (!v && m) return onChange(setMapping(mapping, path, { property: '' }));
                      const t = m?.type ?? (propType(v) || (sample ? suggestType(sample) : undefined));
                      onChange(setMapping(mapping, path, { property: v, type: t === 'string' ? undefined : t }));
                    }} />
                </td>
                <td>
                  <select aria-label={`Type for ${path}`} value={m?.type ?? 'string'} disabled={!m}
                    onChange={(e) => onChange(setMapping(mapping, path, { type: e.target.value === 'string' ? undefined : e.target.value as MappingType }))}>
                    {MAPPING_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
                  </select>
                </td>
                <td><input type="checkbox" aria-label={`Required ${path}`} disabled={!m} checked={!!m?.required} onChange={(e) => onChange(setMapping(mapping, path, { required: e.target.checked || undefined }))} /></td>
                <td>
                  {!m && sample && (
                    <button type="button" className="btn small" onClick={() => onChange(setMapping(mapping, path, { property: suggestProperty(path), type: suggestType(sample) === 'string' ? undefined : suggestType(sample) }))}>Map</button>
                  )}
                  {m && <button type="button" className="icon-btn" aria-label={`Unmap ${path}`} onClick={() => onChange(setMapping(mapping, path, null))}>×</button>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <AddPath value={newPath} onChange={setNewPath} onAdd={() => { onChange(setMapping(mapping, newPath.trim(), { property: suggestProperty(newPath) })); setNewPath(''); }} />
    </>
  );
}

function AddPath({ value, onChange, onAdd }: { value: string; onChange(v: string): void; onAdd(): void }) {
  return (
    <div className="inline-fields add-path">
      <input aria-label="Add a payload path" className="mono" placeholder="data.contact.fields.first_name" value={value} list="hook-paths" onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => { if (e.key === 'Enter' && value.trim()) { e.preventDefault(); onAdd(); } }} />
      <button type="button" className="btn small" disabled={!value.trim()} onClick={onAdd}>Add path</button>
    </div>
  );
}
