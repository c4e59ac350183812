import { useCallback, useEffect, useState } from 'react';
import { api, type Enrollment, type RecordDetail } from '../api';
import { ago, Dialog, Empty, ErrorBanner, Spinner, StatusPill } from '../components/common';
import { AssociationsSection } from '../components/Associations';
import { EnrollInWorkflowDialog, UnenrollDialog } from '../components/Enroll';
import { WhyNotDialog } from '../components/WhyNot';
import { showValue } from '../lib/history';
import { flattenPayload } from '../lib/payload';
import { hrefOf, navigate } from '../router';
import { recordName } from './Records';
import { formatDateTime } from '../lib/datetime';
import { stepTitle } from '../nodes';

interface RecordEvent {
  id: number;
  type: string;
  scope?: Record<string, string> | null;
  data?: Record<string, unknown> | null;
  occurred_at: string;
}

/** One record: properties, lists, recent events and enrollments. */
export function RecordDetailScreen({ id }: { id: number }) {
  const [data, setData] = useState<RecordDetail | null>(null);
  const [names, setNames] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [enrolling, setEnrolling] = useState(false);
  const [unenroll, setUnenroll] = useState<Enrollment | null>(null);
  const [note, setNote] = useState('');
  const [erasing, setErasing] = useState(false);
  const [asking, setAsking] = useState(false);
  const load = useCallback(() => {
    setError('');
    api.getRecord(id).then(setData, (e: Error) => setError(e.message));
    api.listWorkflows().then((ws) => setNames(Object.fromEntries(ws.map((w) => [w.id, w.name]))), () => undefined);
  }, [id]);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount
    load();
  }, [load]);
  // step names of the workflows this record is in (the list shows where each enrollment is)
  const [stepNames, setStepNames] = useState<Record<string, Record<string, string>>>({});
  const wfIds = [...new Set((data?.enrollments ?? []).map((e) => e.workflow_id))].sort().join(',');
  useEffect(() => {
    let live = true;
    for (const wid of wfIds ? wfIds.split(',') : []) {
      api.getWorkflow(wid).then((w) => {
        if (!live) return;
        const m = Object.fromEntries(w.definition.steps.map((st) => [st.id, stepTitle(st)]));
        setStepNames((prev) => ({ ...prev, [wid]: m }));
      }, () => undefined);
    }
    return () => {
      live = false;
    };
  }, [wfIds]);
  if (error) return <div className="screen"><ErrorBanner error={error} onRetry={load} /><a href="#/records">All records</a></div>;
  if (!data) return <div className="screen"><Spinner label={`Loading record #${id}…`} /></div>;
  const r = data.record;
  const lists = Array.isArray(data.lists) ? (data.lists as string[]) : [];
  const events = data.events as RecordEvent[];
  const props = Object.entries(r.properties).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="screen">
      <div className="crumbs"><a href="#/records">Records</a> / #{r.id}</div>
      <div className="screen-head">
        <div>
          <h1>{recordName(r) || r.email || `${r.type} #${r.id}`}</h1>
          <div className="sub">{r.email && recordName(r) ? r.email + ' · ' : ''}{r.type} #{r.id} · created {ago(r.created_at)} · updated {ago(r.updated_at)}</div>
        </div>
        <div className="head-actions">
          <button type="button" className="btn" onClick={load}>Refresh</button>
          <button type="button" className="btn" onClick={() => setAsking(true)} title="Why is this record not in a workflow? Checks each trigger and rule">Why not enrolled?</button>
          <button type="button" className="btn primary" onClick={() => setEnrolling(true)}>Enroll in workflow…</button>
          <button type="button" className="btn danger" onClick={() => setErasing(true)}>Erase record…</button>
        </div>
      </div>
      {note && <div className="banner ok" role="status">{note}<button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => setNote('')}>×</button></div>}
      <div className="two-col">
        <section>
          <h2>Properties <span className="count">{props.length}</span></h2>
          {props.length === 0 ? <Empty title="No properties" /> : (
            <table className="table kv">
              <tbody>
                {props.map(([k, v]) => <tr key={k}><th>{k}</th><td className="mono">{showValue(v)}</td></tr>)}
              </tbody>
            </table>
          )}
          <h2>Lists <span className="count">{lists.length}</span></h2>
          {lists.length === 0 ? <div className="sub">Not in any list.</div> : <div className="chips">{lists.map((l) => <a key={l} className="chip" href={"#/lists/" + encodeURIComponent(l)}>{l}</a>)}</div>}
          <AssociationsSection key={r.id} recordId={r.id} />
        </section>
        <section>
          <h2>Enrollments <span className="count">{data.enrollments.length}</span></h2>
          {data.enrollments.length === 0 && <Empty title="Not enrolled in any workflow" />}
          {data.enrollments.length > 0 && (
            <table className="table">
              <thead><tr><th>Workflow</th><th>Status</th><th>Current step</th><th>Started</th><th><span className="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {data.enrollments.map((e) => (
                  <tr key={e.id} data-enrollment={e.id} onClick={() => navigate(hrefOf({ name: 'enrollment', id: e.id, from: 'record' }))}>
                    <td><a href={hrefOf({ name: 'enrollment', id: e.id, from: 'record' })} onClick={(ev) => ev.stopPropagation()}>{names[e.workflow_id] ?? e.workflow_id}</a><div className="sub">#{e.id} · v{e.version}</div></td>
                    <td><StatusPill e={e} /></td>
                    <td>{e.current_step ? stepNames[e.workflow_id]?.[e.current_step] ?? e.current_step : '—'}</td>
                    <td title={formatDateTime(e.created_at)}>{ago(e.created_at)}</td>
                    <td>
                      {(e.status === 'active' || e.status === 'waiting') && (
                        <button type="button" className="btn ghost small" onClick={(ev) => { ev.stopPropagation(); setUnenroll(e); }}>Unenroll…</button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {(data.not_enrolled ?? []).length > 0 && (
            <>
              <h2>Not enrolled <span className="count">{data.not_enrolled?.length}</span></h2>
              <ul className="refusals" data-testid="not-enrolled">
                {(data.not_enrolled ?? []).map((f) => (
                  <li key={f.workflow_id} title={formatDateTime(f.at)}>
                    <strong>{names[f.workflow_id] ?? f.workflow_id}</strong>: not enrolled, {f.reason}
                    <div className="sub">{f.trigger_id === 'manual' ? 'enrolling by hand' : `trigger ${f.trigger_id}`} · {ago(f.at)}{f.count > 1 ? ` · ${f.count} times since ${formatDateTime(f.first_at)}` : ''}</div>
                  </li>
                ))}
              </ul>
            </>
          )}
          <h2>Recent events <span className="count">{events.length}</span></h2>
          {events.length === 0 && <div className="sub">No events.</div>}
          {events.length > 0 && (
            <table className="table static record-events">
              <thead><tr><th>Event</th><th>Details</th><th>When</th></tr></thead>
              <tbody>
                {events.map((ev) => <EventRow key={ev.id} ev={ev} />)}
              </tbody>
            </table>
          )}
        </section>
      </div>
      {asking && <WhyNotDialog recordId={r.id} object={r.type} onClose={() => setAsking(false)} />}
      {enrolling && (
        <EnrollInWorkflowDialog recordId={r.id} onClose={() => setEnrolling(false)} onEnrolled={(enID) => {
          setEnrolling(false);
          setNote(`Enrolled (enrollment #${enID}).`);
          load();
        }} />
      )}
      {erasing && (
        <EraseDialog who={recordName(r) || r.email || `${r.type} #${r.id}`} confirmWord={r.email || String(r.id)} open={data.enrollments.filter((e) => e.status === 'active' || e.status === 'waiting').length}
          onClose={() => setErasing(false)} onErase={async () => {
            const out = await api.eraseRecord(r.id);
            setErasing(false);
            navigate('#/records');
            return out;
          }} />
      )}
      {unenroll && (
        <UnenrollDialog enrollmentId={unenroll.id} who={recordName(r) || r.email || `Record #${r.id}`} workflow={names[unenroll.workflow_id] ?? unenroll.workflow_id}
          onClose={() => setUnenroll(null)} onDone={() => {
            setUnenroll(null);
            setNote(`Unenrolled from ${names[unenroll.workflow_id] ?? unenroll.workflow_id}.`);
            load();
          }} />
      )}
    </div>
  );
}

/** Asks before erasing a record: says what goes, and wants the email (or id) typed. */
function EraseDialog({ who, confirmWord, open, onClose, onErase }: { who: string; confirmWord: string; open: number; onClose(): void; onErase(): Promise<unknown> }) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const ok = typed.trim().toLowerCase() === confirmWord.toLowerCase();
  return (
    <Dialog title={`Erase ${who}?`} onClose={onClose}>
      <p>This removes the record and its personal data for good (as the GDPR's right to erasure asks): its properties, its events' data, the details of its workflow history, what was sent to or about it (deliveries, outbox, notifications), its tasks, subscriptions, list memberships and associations.
        {open > 0 ? ` Its ${open} open enrollment${open === 1 ? ' is' : 's are'} cancelled.` : ''} Counters keep their numbers; an anonymous tombstone stays. It cannot be undone.</p>
      <p className="sub">Records it is associated with (its company, a deal a workflow created from it) stay: they are records of their own. If one holds this person&apos;s data, erase it on its own page too.</p>
      <div className="field">
        <label htmlFor="erase-confirm">Type <strong className="mono">{confirmWord}</strong> to confirm</label>
        <input id="erase-confirm" value={typed} autoComplete="off" onChange={(e) => setTyped(e.target.value)} />
      </div>
      {error && <div className="banner error" role="alert">{error}</div>}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>Cancel</button>
        <button type="button" className="btn danger" disabled={!ok || busy} onClick={async () => {
          setBusy(true);
          try {
            await onErase();
          } catch (e) {
            setError(e instanceof Error ? e.message : String(e));
            setBusy(false);
          }
        }}>{busy ? 'Erasing…' : 'Erase for good'}</button>
      </div>
    </Dialog>
  );
}

/** How many fields of an event's data a row shows before "N more". */
const EVENT_FIELDS_SHOWN = 6;

/** An event in the record's list: its scope, then its data as field paths with their values
 * (subscriber.first_name: Bram), the first few shown and the rest behind "N more". */
function EventRow({ ev }: { ev: RecordEvent }) {
  const scope = Object.entries(ev.scope ?? {}).map(([k, v]) => `${k} ${v}`);
  const fields = flattenPayload(ev.data ?? {}, 200).map((p) => `${p.path}: ${showValue(p.sample)}`);
  const shown = [...scope, ...fields.slice(0, EVENT_FIELDS_SHOWN)].join(' · ');
  const rest = fields.slice(EVENT_FIELDS_SHOWN);
  return (
    <tr>
      <td className="mono">{ev.type}</td>
      <td className="sub">
        {shown || '—'}
        {rest.length > 0 && (
          <details>
            <summary>{rest.length} more</summary>
            {rest.join(' · ')}
          </details>
        )}
      </td>
      <td title={formatDateTime(ev.occurred_at)}>{ago(ev.occurred_at)}</td>
    </tr>
  );
}
