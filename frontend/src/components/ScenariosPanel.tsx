import { useCallback, useEffect, useState } from 'react';
import { api, download, type SavedScenario, type ScenarioRun } from '../api';
import { useEditor, useEditorStore } from '../store/context';

/** One line of a scenario diff, coloured by what it is ("- " expected, "+ " instead). */
function DiffLine({ line }: { line: string }) {
  const cls = line.startsWith('- ') ? 'del' : line.startsWith('+ ') ? 'ins' : '';
  return <div className={cls}>{line}</div>;
}

/**
 * The Test panel's saved scenarios of this workflow: run them all against the workflow as it is
 * in the editor (saved or not) and see which pass; a failing one shows the diff of expected and
 * actual outcome, timeline and effects, and can be accepted as it is now, downloaded as a
 * `flowdesk test` file, or deleted.
 */
export function ScenariosPanel({ reload }: { reload: number }) {
  const store = useEditorStore();
  const workflowId = useEditor((s) => s.workflowId);
  const [list, setList] = useState<SavedScenario[] | null>(null);
  const [runs, setRuns] = useState<Record<number, ScenarioRun>>({});
  const [running, setRunning] = useState(false);
  const [error, setError] = useState('');
  const load = useCallback(() => {
    if (!workflowId) return;
    api.listScenarios(workflowId).then(setList, (e: Error) => setError(e.message));
  }, [workflowId]);
  useEffect(load, [load, reload]);

  const runAll = async () => {
    if (!workflowId) return;
    setRunning(true);
    setError('');
    try {
      const res = await api.runScenarios(workflowId, store.getState().definition);
      setRuns(Object.fromEntries(res.results.map((r) => [r.id, r])));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setRunning(false);
    }
  };
  const accept = async (sc: SavedScenario, r: ScenarioRun) => {
    if (!workflowId || !r.actual) return;
    try {
      await api.updateScenario(workflowId, sc.id, { ...sc.scenario, expect: r.actual });
      setRuns((m) => ({ ...m, [sc.id]: { ...r, passed: true, diff: [], expect: r.actual! } }));
      load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const remove = async (sc: SavedScenario) => {
    if (!workflowId) return;
    try {
      await api.deleteScenario(workflowId, sc.id);
      load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  if (!workflowId) return <p className="test-note">Save the workflow first: scenarios are kept with it.</p>;
  const results = Object.values(runs);
  const passed = results.filter((r) => r.passed).length;
  return (
    <div className="scenarios" data-testid="scenarios">
      <p className="test-note">Saved test runs of this workflow. Run them against the workflow as it is in the editor, saved or not; nothing is sent or saved.</p>
      <div className="dialog-actions">
        <button type="button" className="btn primary" disabled={running || !list?.length} onClick={runAll}>{running ? 'Running…' : 'Run all scenarios'}</button>
      </div>
      {error && <div className="banner error" role="alert">{error}</div>}
      {results.length > 0 && <p role="status" data-testid="scenario-summary">{passed} of {results.length} passing</p>}
      {list && list.length === 0 && <p className="test-hint">No scenarios yet: run a test on the "One record" tab and save it as a scenario.</p>}
      <ul className="scenario-list">
        {(list ?? []).map((sc) => {
          const r = runs[sc.id];
          return (
            <li key={sc.id} data-testid="scenario" data-result={r ? (r.passed ? 'pass' : 'fail') : 'not-run'}>
              <div><strong>{sc.name}</strong>{' '}
                {r && (r.passed ? <span className="pass">passes</span> : <span className="fail">fails</span>)}
              </div>
              {r?.error && <div className="banner error">{r.error}</div>}
              {r && !r.passed && r.diff.length > 0 && (
                <div className="scenario-diff" data-testid="scenario-diff" aria-label="Expected (-) and actual (+)">
                  {r.diff.map((l, i) => <DiffLine key={i} line={l} />)}
                </div>
              )}
              <div className="dialog-actions">
                {r && !r.passed && r.actual && <button type="button" className="btn ghost" onClick={() => accept(sc, r)} title="Replace the expectation with what the workflow does now">Accept as expected</button>}
                <button type="button" className="btn ghost" onClick={() => download(`/api/workflows/${encodeURIComponent(sc.workflow_id)}/scenarios/${sc.id}/file`, `${sc.workflow_id}-scenario-${sc.id}.json`)}
                  title="Download as a scenario file for flowdesk test">Download</button>
                <button type="button" className="btn ghost danger-text" onClick={() => remove(sc)}>Delete</button>
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
