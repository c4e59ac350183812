import { useEffect, useState } from 'react';
import { api, type DryRun, type Filter, type RecordItem } from '../api';
import { progressText } from '../lib/dry-run';
import { stepById } from '../lib/lookup';
import { nodeConfig } from '../nodes';
import { recordName } from '../screens/Records';
import { useEditor, useEditorStore, useObjectProperties } from '../store/context';
import { FilterEditor } from './filter/FilterEditor';
import { ListPicker } from './ListPicker';

const SKIP_TEXT: Record<string, string> = {
  already_enrolled: 'already enrolled',
  reenrollment_off: 'enrolled before, re-enrollment off',
  suppressed: 'in a suppression list',
  goal_met: 'meet the goal already',
  unenroll_met: 'meet the unenrollment filter',
  filter_error: 'the filter failed on them',
  wrong_object: 'of another record type',
};

const OUTCOME_TEXT: Record<string, string> = {
  completed: 'completed', waiting: 'still waiting at the horizon', goal_reached: 'reached the goal',
  unenrolled: 'unenrolled', failed: 'failed', not_enrolled: 'not enrolled',
};

/**
 * The Test panel's dry run: every record a filter or list selects through the workflow as it is
 * in the editor (saved or not), as if enrolled by hand now, over virtual time. Progress shows as
 * counts of records; the records per path show on the canvas's edges (click one: its records
 * are listed here). Nothing is written or sent.
 */
export function DryRunPanel() {
  const store = useEditorStore();
  const workflowId = useEditor((s) => s.workflowId);
  const object = useEditor((s) => s.definition.object);
  const steps = useEditor((s) => s.definition.steps);
  const pick = useEditor((s) => s.dryRunPick);
  const properties = useObjectProperties();
  const [mode, setMode] = useState<'filter' | 'list'>('filter');
  const [filter, setFilter] = useState<Filter | undefined>({ all: [] });
  const [list, setList] = useState('');
  const [limit, setLimit] = useState('10000');
  const [horizon, setHorizon] = useState('30d');
  const [run, setRun] = useState<DryRun | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [records, setRecords] = useState<{ key: string; items: RecordItem[]; total: number; next?: string } | null>(null);

  useEffect(() => () => store.setState({ dryRun: null, dryRunPick: null, simulated: null }), [store]);

  // Poll the run until it ends; the counts so far go onto the canvas each time.
  useEffect(() => {
    if (!run) return;
    const edges: Record<string, number> = {};
    for (const e of run.edges) edges[`${e.source}:${e.port}`] = e.n;
    const reached: Record<string, string> = {};
    for (const [id, t] of Object.entries(run.steps)) reached[id] = t.reached.toLocaleString();
    store.setState({ dryRun: { run: run.id, edges }, simulated: reached });
    if (run.status !== 'running') return;
    const ctrl = new AbortController();
    const t = setTimeout(() => {
      api.getDryRun(run.id, ctrl.signal).then(setRun, (e) => {
        if (!(e instanceof DOMException)) setError(e instanceof Error ? e.message : String(e));
      });
    }, 300);
    return () => {
      clearTimeout(t);
      ctrl.abort();
    };
  }, [run, store]);

  // A count clicked (on an edge or here): list its records.
  useEffect(() => {
    if (!pick || !run) return;
    let live = true;
    api.dryRunRecords(run.id, pick).then((p) => live && setRecords({ key: pick, items: p.items, total: p.total, next: p.nextCursor }),
      (e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [pick, run?.id]); // eslint-disable-line react-hooks/exhaustive-deps -- a new page of counts keeps the list

  const more = async () => {
    if (!records?.next || !run) return;
    const p = await api.dryRunRecords(run.id, records.key, records.next);
    setRecords({ ...records, items: [...records.items, ...p.items], next: p.nextCursor });
  };

  const start = async () => {
    if (!workflowId) return;
    setError('');
    setRecords(null);
    store.setState({ dryRunPick: null });
    const n = Number(limit);
    setBusy(true);
    try {
      const { dirty, definition } = store.getState();
      setRun(await api.startDryRun(workflowId, {
        ...(mode === 'filter' ? { filter: filter ?? {} } : { list: list.trim() }),
        limit: Number.isFinite(n) ? n : undefined, horizon: horizon.trim() || undefined,
        ...(dirty ? { definition } : {}),
      }));
    } catch (e) {
      setRun(null);
      store.setState({ dryRun: null, simulated: null });
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const stepName = (id: string) => {
    const st = stepById(steps, id);
    return st ? st.name || nodeConfig(st.type).summary(st) : id;
  };
  const keyText = (key: string) => {
    const [kind, ...rest] = key.split(':');
    if (kind === 'edge') return rest[0] === '__trigger' ? 'enrolled' : `after ${stepName(rest[0])} (${rest.slice(1).join(':')})`;
    if (kind === 'step') return `reached ${stepName(rest[0])}`;
    if (kind === 'outcome') return OUTCOME_TEXT[rest[0]] ?? rest[0];
    return 'skipped: ' + (SKIP_TEXT[rest[0]] ?? rest[0]);
  };
  const Count = ({ k, n, label }: { k: string; n: number; label: string }) => (
    <li><button type="button" className="linkish" data-testid="dry-total" data-key={k} onClick={() => store.setState({ dryRunPick: k })}>{n.toLocaleString()}</button> {label}</li>
  );

  if (!workflowId) return <p className="test-note">Save the workflow first: a dry run reads its enrollments and real records.</p>;
  return (
    <div className="dry-run" data-testid="dry-run">
      <p className="test-note">Runs every selected record through the workflow as it is in the editor, as if enrolled by hand now. Nothing is sent and nothing is saved.</p>
      <fieldset>
        <legend>Records</legend>
        <div className="segmented" role="tablist" aria-label="Choose records">
          <button type="button" role="tab" aria-selected={mode === 'filter'} className={mode === 'filter' ? 'on' : ''} onClick={() => setMode('filter')}>By filter</button>
          <button type="button" role="tab" aria-selected={mode === 'list'} className={mode === 'list' ? 'on' : ''} onClick={() => setMode('list')}>From a list</button>
        </div>
        {mode === 'filter' ? (
          <>
            <div className="hint">Every {object} that matches; no condition means all of them.</div>
            <FilterEditor object={object} value={filter} properties={properties} onChange={setFilter} />
          </>
        ) : <ListPicker label="List" value={list} object={object} onChange={setList} />}
        <label>At most <input aria-label="Limit" value={limit} onChange={(e) => setLimit(e.target.value)} className="at" /> records</label>
        <label>Over <input aria-label="Dry run horizon" value={horizon} onChange={(e) => setHorizon(e.target.value)} className="at" /></label>
      </fieldset>
      <div className="dialog-actions">
        <button type="button" className="btn primary" disabled={busy || run?.status === 'running'} onClick={start}>{run?.status === 'running' ? 'Running…' : 'Run dry run'}</button>
        {run?.status === 'running' && <button type="button" className="btn danger" onClick={() => api.cancelDryRun(run.id).then(setRun, () => undefined)}>Stop</button>}
      </div>
      {error && <div className="banner error" role="alert">{error}</div>}
      {run && (
        <div className="dry-result" data-testid="dry-result" data-status={run.status}>
          <div className="dry-progress" aria-hidden="true"><div style={{ width: `${run.total ? (100 * run.done) / run.total : 100}%` }} /></div>
          <p role="status" data-testid="dry-progress">{progressText(run)}</p>
          {run.warnings.map((w, i) => <p key={i} className="test-warning">{w.message}</p>)}
          <ul className="dry-totals">
            {Object.entries(run.outcomes).map(([o, n]) => <Count key={o} k={'outcome:' + o} n={n} label={OUTCOME_TEXT[o] ?? o} />)}
            {Object.entries(run.skipped).map(([c, n]) => <Count key={c} k={'skipped:' + c} n={n} label={'skipped: ' + (SKIP_TEXT[c] ?? c)} />)}
          </ul>
          {run.status !== 'running' && <p className="test-hint">The numbers on the canvas's arrows are the records that took each path; click one to list them.</p>}
        </div>
      )}
      {records && (
        <div className="dry-records-box" data-testid="dry-records">
          <strong>{records.total.toLocaleString()} {records.total === 1 ? 'record' : 'records'}: {keyText(records.key)}</strong>
          <ol className="dry-records">
            {records.items.map((r) => <li key={r.id}><a href={'#/records/' + r.id}>{recordName(r) || r.email || `#${r.id}`}</a>{r.email && recordName(r) ? <span className="sub"> {r.email}</span> : null}</li>)}
          </ol>
          {records.next && <button type="button" className="btn ghost" onClick={more}>Show more</button>}
        </div>
      )}
    </div>
  );
}
