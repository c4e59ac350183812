import './testing.css';
import { useEffect, useState } from 'react';
import { api } from '../api';
import type { CatalogueEntry } from '../api/templates';
import type { RecordItem, SimulateEffect, SimulateRequest, SimulateResult } from '../api/types';
import { exampleData } from '../lib/catalogue';
import { formatWeekdayTime, zoneLabel } from '../lib/datetime';
import { afterProperties, recordName, showValue } from '../lib/simulate-after';
import { stepById } from '../lib/lookup';
import { nodeConfig } from '../nodes';
import { useEditor, useEditorStore } from '../store/context';
import { DryRunPanel } from './DryRunPanel';
import { useCatalogue } from './EventPicker';
import { ScenariosPanel } from './ScenariosPanel';

/** One scenario event as typed: when ("+2h"), its type and its data as JSON text. */
interface EventRow {
  at: string;
  type: string;
  /** "webinar=54072, list=7" */
  scope: string;
  data: string;
}

const OUTCOME_TEXT: Record<SimulateResult['outcome'], string> = {
  completed: 'Completed',
  waiting: 'Still waiting at the horizon',
  goal_reached: 'Reached the goal',
  unenrolled: 'Unenrolled',
  failed: 'Failed',
  not_enrolled: 'Not enrolled',
};

/**
 * The editor's Test panel: one record (a real one, found by search, or typed in) through the
 * workflow as it is in the editor now (saved or not), with scenario events at their times. The
 * server runs the production engine on a virtual clock and sends nothing; the steps reached
 * light up on the canvas and each effect shows what would have been sent.
 */
export function TestPanel({ onClose }: { onClose(): void }) {
  const store = useEditorStore();
  const object = useEditor((s) => s.definition.object);
  const steps = useEditor((s) => s.definition.steps);
  const zone = useEditor((s) => s.definition.timezone);
  // a step's time on the workflow's clock ("Tue 11:00"), the offset from the start as a hint
  const when = (at: string, offset: string) => (
    <><span className="when" title={`${zoneLabel(zone)}, ${offset} after the start`}>{formatWeekdayTime(at, { timeZone: zone })}</span> <span className="offset">t{offset}</span></>
  );
  const catalogue = useCatalogue().events;
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<RecordItem[]>([]);
  const [picked, setRecord] = useState<RecordItem | null>(null);
  const [props, setProps] = useState('{\n  "email": "test@example.com",\n  "first_name": "Test"\n}');
  const [events, setEvents] = useState<EventRow[]>([]);
  const [horizon, setHorizon] = useState('30d');
  const [smsStatus, setSmsStatus] = useState<'' | 'failed' | 'none'>('');
  const texts = steps.some((st) => st.type === 'sms');
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<SimulateResult | null>(null);
  const [effect, setEffect] = useState<SimulateEffect | null>(null);
  const [sent, setSent] = useState<SimulateRequest | null>(null);
  // the properties before the run: the record's own, and its linked records' (by real id)
  const [before, setBefore] = useState<{ record: Record<string, unknown>; linked: Record<number, Record<string, unknown>> } | null>(null);
  const workflowId = useEditor((s) => s.workflowId);
  const name = useEditor((s) => s.definition.name);
  const [tab, setTab] = useState<'one' | 'dry' | 'scenarios'>('one');
  const [scenarioName, setScenarioName] = useState('');
  const [savedNote, setSavedNote] = useState('');
  const [reloadScenarios, setReloadScenarios] = useState(0);

  useEffect(() => {
    return () => store.setState({ simulated: null }); // the highlight goes with the panel
  }, [store]);

  useEffect(() => {
    if (!query.trim()) return;
    let live = true;
    const t = setTimeout(() => {
      api.listRecords({ type: object, q: query.trim(), limit: 8 }).then((r) => live && setFound(r.items)).catch(() => live && setFound([]));
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [query, object]);

  const stepName = (id?: string) => {
    if (!id) return '';
    const st = stepById(steps, id);
    return st ? st.name || nodeConfig(st.type).summary(st) : id;
  };

  const run = async () => {
    setError(null);
    setEffect(null);
    // a search typed but no record picked: never run the sample record in its place
    let record = picked;
    const q = query.trim();
    if (!record && q) {
      if (found.length !== 1) {
        setError(found.length
          ? `Pick one of the ${found.length} records found for “${q}”, or clear the search to run the properties typed below.`
          : `No record matches “${q}”. Clear the search to run the properties typed below.`);
        return;
      }
      record = found[0];
      setRecord(record);
      setQuery('');
    }
    let properties: Record<string, unknown> | undefined;
    if (!record) {
      try {
        properties = JSON.parse(props) as Record<string, unknown>;
      } catch (e) {
        setError(`The record's properties are not JSON: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
    }
    const evs = [];
    for (const [i, ev] of events.entries()) {
      let data: Record<string, unknown> | undefined;
      if (ev.data.trim()) {
        try {
          data = JSON.parse(ev.data) as Record<string, unknown>;
        } catch {
          const like = exampleData(fieldsOf(catalogue, ev.type));
          setError(`Event ${i + 1}: its data is not JSON${like ? ` (write it like ${like})` : ''}`);
          return;
        }
      }
      const scope: Record<string, string> = {};
      for (const part of ev.scope.split(',')) {
        const [k, ...v] = part.split('=');
        if (k.trim()) scope[k.trim()] = v.join('=').trim();
      }
      evs.push({ at: ev.at.trim() || '+0h', type: ev.type.trim(), scope: Object.keys(scope).length ? scope : undefined, data });
    }
    setRunning(true);
    try {
      const req: SimulateRequest = {
        definition: store.getState().definition,
        ...(record ? { record: { properties: record.properties } } : { record: { properties: properties ?? {} } }),
        events: evs, horizon: horizon.trim() || '30d',
        ...(texts && smsStatus ? { sms_status: smsStatus } : {}),
      };
      const res = await api.simulate(record ? { ...req, record: undefined, record_id: record.id } : req);
      const linked: Record<number, Record<string, unknown>> = {};
      if (record && res.associated_after?.length) {
        const got = await api.listAssociations(record.id).catch(() => null);
        for (const a of got?.associations ?? []) linked[a.record_id] = a.record.properties;
      }
      setBefore({ record: record ? record.properties : properties ?? {}, linked });
      setResult(res);
      setSent({ ...req, start: res.start });
      const reached: Record<string, string> = {};
      for (const e of res.timeline) if (e.step && !(e.step in reached)) reached[e.step] = e.offset;
      store.setState({ simulated: reached });
    } catch (e) {
      setResult(null);
      store.setState({ simulated: null });
      // A 422's message already says every problem (the one problem shape of the API).
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setRunning(false);
    }
  };

  const setEvent = (i: number, patch: Partial<EventRow>) => setEvents((rows) => rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  return (
    <aside className="test-panel" role="region" aria-label="Test">
      <div className="test-head">
        <strong>Test this workflow</strong>
        <button type="button" className="icon-btn" title="Close" onClick={onClose}>×</button>
      </div>
      <div className="test-tabs segmented" role="tablist" aria-label="What to test">
        {([['one', 'One record'], ['dry', 'Dry run'], ['scenarios', 'Scenarios']] as const).map(([k, label]) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} className={tab === k ? 'on' : ''}
            onClick={() => {
              setTab(k);
              store.setState({ simulated: null, dryRun: null, dryRunPick: null }); // one overlay at a time
              if (k === 'one' && result) {
                const reached: Record<string, string> = {};
                for (const e of result.timeline) if (e.step && !(e.step in reached)) reached[e.step] = e.offset;
                store.setState({ simulated: reached });
              }
            }}>{label}</button>
        ))}
      </div>
      {tab === 'dry' && <DryRunPanel />}
      {tab === 'scenarios' && <ScenariosPanel reload={reloadScenarios} />}
      {tab === 'one' && (<>
      <p className="test-note">Runs the workflow as it is in the editor for one record over virtual time. Nothing is sent and nothing is saved.</p>

      <fieldset>
        <legend>Record</legend>
        {picked ? (
          <div className="test-record">
            <span>{picked.email || `#${picked.id}`}</span>
            <button type="button" className="btn ghost" onClick={() => setRecord(null)}>Type one instead</button>
          </div>
        ) : (
          <>
            <label>Find a real record <input type="search" value={query} placeholder="name or email" onChange={(e) => setQuery(e.target.value)} /></label>
            {query.trim() !== '' && found.length > 0 && (
              <ul className="test-found">
                {found.map((r) => (
                  <li key={r.id}><button type="button" onClick={() => { setRecord(r); setQuery(''); }}>{r.email || `#${r.id}`}</button></li>
                ))}
              </ul>
            )}
            <label>Or type its properties (JSON)
              <textarea rows={4} value={props} onChange={(e) => setProps(e.target.value)} aria-label="Record properties" spellCheck={false} />
            </label>
          </>
        )}
      </fieldset>

      <fieldset>
        <legend>What happens</legend>
        <datalist id="test-event-types">
          {catalogue.map((c) => <option key={c.type} value={c.type}>{c.label}</option>)}
        </datalist>
        {events.map((ev, i) => (
          <div className="test-event" key={i} data-testid="test-event">
            <input aria-label={`Event ${i + 1} time`} value={ev.at} onChange={(e) => setEvent(i, { at: e.target.value })} placeholder="+2h" className="at" />
            <input aria-label={`Event ${i + 1} type`} value={ev.type} list="test-event-types" onChange={(e) => setEvent(i, { type: e.target.value })} placeholder="event type" />
            <input aria-label={`Event ${i + 1} scope`} value={ev.scope} onChange={(e) => setEvent(i, { scope: e.target.value })} placeholder="webinar=54072" />
            <input aria-label={`Event ${i + 1} data`} value={ev.data} onChange={(e) => setEvent(i, { data: e.target.value })} placeholder={exampleData(fieldsOf(catalogue, ev.type)) || 'data as JSON'}
              title={fieldsHint(catalogue, ev.type)} />
            <button type="button" className="icon-btn" title="Remove" onClick={() => setEvents((rows) => rows.filter((_, j) => j !== i))}>×</button>
          </div>
        ))}
        <button type="button" className="btn ghost" onClick={() => setEvents((rows) => [...rows, { at: rows.length ? '+1h' : '+0h', type: '', scope: '', data: '' }])}>Add an event</button>
        {events.map((ev, i) => ev.type && (
          <p className="test-hint" key={i} data-testid="event-fields">Event {i + 1}: {fieldsHint(catalogue, ev.type)}</p>
        ))}
        <p className="test-hint">With no events the record is enrolled by hand at the start; with events, only the triggers enroll it.</p>
        <label>Over <input value={horizon} onChange={(e) => setHorizon(e.target.value)} aria-label="Horizon" className="at" /></label>
        {texts && (
          <label>The SMS provider reports{' '}
            <select aria-label="SMS delivery status" value={smsStatus} onChange={(e) => setSmsStatus(e.target.value as '' | 'failed' | 'none')}>
              <option value="">delivered</option>
              <option value="failed">failed</option>
              <option value="none">nothing (the step fails when its wait ends)</option>
            </select>
          </label>
        )}
      </fieldset>

      <button type="button" className="btn primary" disabled={running} onClick={run}>{running ? 'Running…' : 'Run test'}</button>
      {error && <div className="banner error" role="alert">{error}</div>}

      {result && (
        <div className="test-result" data-testid="test-result">
          <p className={`test-outcome ${result.outcome}`} data-outcome={result.outcome}>
            {OUTCOME_TEXT[result.outcome]}{result.stopped === 'step_budget' ? ' (stopped: too many steps)' : ''}
          </p>
          {result.why_not && <p className="test-why">{result.why_not}</p>}
          {result.warnings.map((w, i) => <p key={i} className="test-warning">{w.message}</p>)}
          <ol className="test-timeline">
            {result.timeline.map((e, i) => (
              <li key={i} className={e.outcome}>
                {when(e.at, e.offset)} {e.step ? stepName(e.step) : ''} <span className="what">{e.outcome}</span>
                {typeof e.detail?.branch === 'string' && <span className="why"> → {e.detail.branch}</span>}
                {typeof e.detail?.error === 'string' && <span className="why"> {e.detail.error}</span>}
              </li>
            ))}
          </ol>
          {result.effects.length > 0 && (
            <>
              <strong>Would send</strong>
              <ul className="test-effects">
                {result.effects.map((f, i) => (
                  <li key={i}>
                    <button type="button" className={effect === f ? 'on' : ''} onClick={() => setEffect(effect === f ? null : f)} data-testid="test-effect">
                      {when(f.at, f.offset)} {stepName(f.step)} · {f.outcome === 'ok' ? String(f.would_send?.subject ?? f.target ?? f.type) : `${f.outcome}: ${f.error ?? ''}`}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
          {effect && <EffectPreview effect={effect} />}
          <div className="test-after" data-testid="test-after">
            <AfterView title="The record after the run" before={before?.record} after={result.record_after} />
            {(result.associated_after ?? []).map((a) => (
              <AfterView key={a.record_id} title={`${a.type} ${recordName(a.record_id, a.properties)} (#${a.record_id}) after the run`}
                before={before?.linked[a.record_id]} after={a.properties} testid="test-associated" />
            ))}
          </div>
          {sent && workflowId && (
            <fieldset className="save-scenario">
              <legend>Keep this run as a scenario</legend>
              <label>Name <input aria-label="Scenario name" value={scenarioName} placeholder={`${name || workflowId}: ${OUTCOME_TEXT[result.outcome].toLowerCase()}`} onChange={(e) => setScenarioName(e.target.value)} /></label>
              <button type="button" className="btn" onClick={async () => {
                setError(null);
                setSavedNote('');
                try {
                  const rest = { ...sent };
                  delete rest.definition; // a saved scenario tests its own workflow
                  const saved = await api.saveScenario(workflowId, { ...rest, name: scenarioName.trim() || `${name || workflowId}: ${OUTCOME_TEXT[result.outcome].toLowerCase()}`, expect: result.summary });
                  setSavedNote(`Saved scenario "${saved.name}". The Scenarios tab runs it.`);
                  setScenarioName('');
                  setReloadScenarios((n) => n + 1);
                } catch (e) {
                  setError(e instanceof Error ? e.message : String(e));
                }
              }} title="Save this run with the workflow: the Scenarios tab checks the workflow still does this">Save as scenario</button>
              {savedNote && <p className="test-hint" role="status">{savedNote}</p>}
            </fieldset>
          )}
          {sent && (
            <button type="button" className="btn ghost" onClick={() => saveScenario(name || workflowId || 'workflow', workflowId, store.getState().dirty, sent, result)}
              title="Download this run as a scenario file for flowdesk test (the record's properties are copied into it)">Download scenario file</button>
          )}
        </div>
      )}
      </>)}
    </aside>
  );
}

/**
 * Downloads a run as a scenario file for `flowdesk test`: the saved workflow by id (or the draft
 * itself, when it has unsaved changes), the record, the events, the start, and the result as
 * the expectation.
 */
function saveScenario(name: string, workflowId: string | null, dirty: boolean, req: SimulateRequest, res: SimulateResult) {
  const { definition, ...rest } = req;
  const scenario = {
    name: `${name}: ${res.summary.outcome}`,
    ...(workflowId && !dirty ? { workflow: workflowId } : { definition }),
    ...rest,
    expect: res.summary,
  };
  const url = URL.createObjectURL(new Blob([JSON.stringify(scenario, null, 2) + '\n'], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = (workflowId || 'workflow') + '-scenario.json';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** What one step would have sent: an email's headers and body, or a request's body and headers. */
function EffectPreview({ effect }: { effect: SimulateEffect }) {
  const w = effect.would_send;
  if (!w) return <div className="test-preview" data-testid="test-preview">{effect.error || 'Nothing would be sent.'}</div>;
  if (typeof w.subject === 'string') {
    return (
      <div className="test-preview" data-testid="test-preview">
        <div><b>From</b> {String(w.from)}</div>
        <div><b>To</b> {(w.to as string[] | undefined)?.join(', ')}</div>
        <div><b>Subject</b> <span data-testid="preview-subject">{w.subject}</span></div>
        {typeof w.html === 'string' && w.html
          ? <iframe title="Email preview" sandbox="" srcDoc={w.html} className="test-mail" />
          : <pre>{String(w.text ?? '')}</pre>}
      </div>
    );
  }
  let body = String(w.body ?? w.text ?? '');
  try {
    body = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // not JSON: shown as it is
  }
  return (
    <div className="test-preview" data-testid="test-preview">
      {typeof w.url === 'string' && <div><b>{String(w.method ?? 'POST')}</b> {w.url}</div>}
      {typeof w.to === 'string' && <div><b>To</b> {w.to}</div>}
      {w.headers !== undefined && <pre className="headers">{Object.entries(w.headers as Record<string, string>).map(([k, v]) => `${k}: ${v}`).join('\n')}</pre>}
      <pre>{body}</pre>
    </div>
  );
}

/** The data fields of the chosen event type, from the catalogue, in a sentence. */
function fieldsHint(catalogue: CatalogueEntry[], type: string): string {
  const fields = fieldsOf(catalogue, type);
  if (!type) return 'Pick the event type first: its data fields are shown here.';
  if (fields.length === 0) return `The catalogue knows no data fields of "${type}".`;
  return `its data fields are ${fields.slice(0, 6).map((f) => `${f.path} (${f.type})`).join(', ')}${fields.length > 6 ? ', …' : ''}. Write them as JSON; they are not record properties.`;
}

/**
 * The chosen event's data fields, its own first: the ones every event of its source carries
 * (webinar.id, subscriber.email, …) come after those that tell it apart (subscriber.watch_pct).
 */
function fieldsOf(catalogue: CatalogueEntry[], type: string) {
  const ev = catalogue.find((c) => c.type === type);
  if (!ev) return [];
  const kin = catalogue.filter((c) => c.source === ev.source);
  const common = (path: string) => kin.length > 1 && kin.every((c) => c.properties.some((p) => p.path === path));
  return [...ev.properties.filter((p) => !common(p.path)), ...ev.properties.filter((p) => common(p.path))];
}

/** A record's properties after a test run, the ones the run changed highlighted (with the value before). */
function AfterView({ title, before, after, testid }: { title: string; before?: Record<string, unknown>; after: Record<string, unknown>; testid?: string }) {
  const rows = afterProperties(before, after ?? {});
  return (
    <details className="test-after-record" open={rows.some((r) => r.changed)} data-testid={testid}>
      <summary>{title}{rows.some((r) => r.changed) ? ` · ${rows.filter((r) => r.changed).length} changed` : ''}</summary>
      <table className="test-after-props">
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} className={r.changed ? 'changed' : undefined} data-changed={r.changed || undefined}>
              <th scope="row">{r.key}</th>
              <td>{showValue(r.value)}{r.changed && <span className="was">{'before' in r ? ` (was ${showValue(r.before)})` : ' (new)'}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
