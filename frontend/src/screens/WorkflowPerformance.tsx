import { useEffect, useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, type Performance, type Workflow } from '../api';
import { ErrorBanner, Spinner } from '../components/common';
import { pathGroups, pct, rangeOf, rangeProblem, stepRows, type RangePreset } from '../lib/performance';
import { stepTitle } from '../nodes';

const COLOURS = { enrolled: '#6366f1', completed: '#16a34a', failed: '#dc2626', goal: '#d97706', ok: '#0ea5e9', path: '#8b5cf6' };
const PRESETS: { key: RangePreset; label: string }[] = [{ key: '7d', label: 'Last 7 days' }, { key: '30d', label: 'Last 30 days' }, { key: '90d', label: 'Last 90 days' }];

/**
 * A workflow's performance over a time range: enrollments per day (enrolled, completed, failed,
 * goal reached) with the goal conversion, per-step runs and failures, per-branch path counts,
 * and for a split (an A/B test) each path's share and goal conversion. Everything comes from
 * the rollup the engine keeps as steps commit (GET /api/workflows/{id}/performance).
 */
export function WorkflowPerformanceScreen({ id }: { id: string }) {
  const [wf, setWf] = useState<Workflow | null>(null);
  const [preset, setPreset] = useState<RangePreset | 'custom'>('30d');
  const [custom, setCustom] = useState(() => rangeOf('30d', new Date()));
  const [perf, setPerf] = useState<Performance | null>(null);
  const [error, setError] = useState('');
  const range = preset === 'custom' ? custom : rangeOf(preset, new Date());
  const problem = preset === 'custom' ? rangeProblem(custom.from, custom.to) : null;
  const { from, to } = range;

  useEffect(() => {
    let live = true;
    api.getWorkflow(id).then((w) => live && setWf(w), (e) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [id]);
  useEffect(() => {
    if (problem) return;
    const ac = new AbortController();
    api.performance(id, { from, to }, ac.signal).then(
      (p) => {
        setPerf(p);
        setError('');
      },
      (e) => !ac.signal.aborted && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => ac.abort();
  }, [id, from, to, problem]);

  const steps = useMemo(() => (perf && wf ? stepRows(perf, wf.definition, stepTitle) : []), [perf, wf]);
  const groups = useMemo(() => (perf && wf ? pathGroups(perf, wf.definition, stepTitle) : []), [perf, wf]);
  const t = perf?.totals;
  return (
    <div className="screen performance">
      <div className="screen-head">
        <div>
          <a className="crumb" href={'#/workflows/' + encodeURIComponent(id)}>← {wf?.name ?? id}</a>
          <h1>Performance</h1>
        </div>
        <div className="head-actions range-picker" role="group" aria-label="Time range">
          <div className="segmented">
            {PRESETS.map((p) => (
              <button type="button" key={p.key} className={preset === p.key ? 'on' : ''} aria-pressed={preset === p.key} onClick={() => setPreset(p.key)}>{p.label}</button>
            ))}
            <button type="button" className={preset === 'custom' ? 'on' : ''} aria-pressed={preset === 'custom'} onClick={() => { setCustom(range); setPreset('custom'); }}>Custom</button>
          </div>
          {preset === 'custom' && (
            <>
              <label>From <input type="date" value={custom.from} onChange={(e) => setCustom({ ...custom, from: e.target.value })} /></label>
              <label>To <input type="date" value={custom.to} onChange={(e) => setCustom({ ...custom, to: e.target.value })} /></label>
            </>
          )}
        </div>
      </div>
      {problem && <div className="banner error" role="alert">{problem}</div>}
      <ErrorBanner error={error} onClose={() => setError('')} />
      {/* the totals wait for the workflow too: whether it has a goal decides what they say */}
      {!(perf && wf) && !error && <Spinner label="Loading the performance…" />}
      {perf && wf && t && (
        <>
          <p className="perf-totals" data-testid="perf-totals">
            {perf.from} to {perf.to} (UTC days): <strong>{t.enrolled}</strong> enrolled · <strong>{t.completed}</strong> completed ·{' '}
            <strong className={t.failed ? 'danger-text' : ''}>{t.failed}</strong> failed · <strong>{t.goal_reached}</strong> reached the goal
            {wf?.definition.goal && <> (<strong data-testid="goal-conversion">{pct(t.goal_conversion)}</strong> goal conversion)</>}
            {t.unenrolled > 0 && <> · <strong>{t.unenrolled}</strong> unenrolled</>}
            {t.cancelled > 0 && <> · <strong>{t.cancelled}</strong> cancelled</>}
          </p>
          <section className="chart-card" aria-label="Enrollments per day" data-testid="chart-days">
            <h2>Enrollments per day</h2>
            <ResponsiveContainer width="100%" height={260}>
              <LineChart data={perf.days} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
                <XAxis dataKey="day" tick={{ fontSize: 11 }} minTickGap={24} />
                <YAxis allowDecimals={false} tick={{ fontSize: 11 }} width={36} />
                <Tooltip />
                <Legend />
                <Line type="linear" dataKey="enrolled" name="Enrolled" stroke={COLOURS.enrolled} dot={false} isAnimationActive={false} />
                <Line type="linear" dataKey="completed" name="Completed" stroke={COLOURS.completed} dot={false} isAnimationActive={false} />
                <Line type="linear" dataKey="failed" name="Failed" stroke={COLOURS.failed} dot={false} isAnimationActive={false} />
                <Line type="linear" dataKey="goal_reached" name="Goal reached" stroke={COLOURS.goal} dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </section>
          <section className="chart-card" aria-label="Runs and failures per step" data-testid="chart-steps">
            <h2>Runs and failures per step</h2>
            {steps.length === 0 ? <p className="muted">This workflow has no steps.</p> : (
              <ResponsiveContainer width="100%" height={Math.max(120, 34 * steps.length + 40)}>
                <BarChart data={steps} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
                  <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
                  <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11 }} />
                  <YAxis type="category" dataKey="label" width={180} tick={{ fontSize: 11 }} />
                  <Tooltip />
                  <Legend />
                  <Bar dataKey="ok" name="Ran" stackId="s" fill={COLOURS.ok} isAnimationActive={false} />
                  <Bar dataKey="failed" name="Failed" stackId="s" fill={COLOURS.failed} isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            )}
          </section>
          <section className="chart-card" aria-label="Paths taken" data-testid="chart-paths">
            <h2>Paths taken</h2>
            {groups.length === 0 && <p className="muted">This workflow has no branches or splits.</p>}
            {groups.map((g) => (
              <div key={g.id} className="path-chart" data-step={g.id}>
                <h3>{g.label}</h3>
                <ResponsiveContainer width="100%" height={Math.max(90, 30 * g.paths.length + 30)}>
                  <BarChart data={g.paths} layout="vertical" margin={{ top: 4, right: 16, bottom: 0, left: 8 }}>
                    <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11 }} />
                    <YAxis type="category" dataKey="label" width={180} tick={{ fontSize: 11 }} />
                    <Tooltip />
                    <Bar dataKey="n" name="Records" fill={COLOURS.path} isAnimationActive={false} />
                    {g.split && wf?.definition.goal && <Bar dataKey="goal" name="Reached the goal" fill={COLOURS.goal} isAnimationActive={false} />}
                  </BarChart>
                </ResponsiveContainer>
                {g.split && (
                  <table className="table static split-figures" data-testid="split-figures">
                    <thead><tr><th>Path</th><th>Records</th><th>Share</th>{wf?.definition.goal && <><th>Reached the goal</th><th>Goal conversion</th></>}</tr></thead>
                    <tbody>
                      {g.paths.map((x) => (
                        <tr key={x.path} data-path={x.path}>
                          <td>{x.label}</td><td>{x.n}</td><td>{pct(x.share ?? 0)}</td>
                          {wf?.definition.goal && <><td>{x.goal ?? 0}</td><td>{pct(x.conversion ?? 0)}</td></>}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </div>
            ))}
          </section>
          <table className="sr-only">
            <caption>Enrollments per day</caption>
            <thead><tr><th>Day</th><th>Enrolled</th><th>Completed</th><th>Failed</th><th>Goal reached</th></tr></thead>
            <tbody>{perf.days.map((d) => <tr key={d.day}><td>{d.day}</td><td>{d.enrolled}</td><td>{d.completed}</td><td>{d.failed}</td><td>{d.goal_reached}</td></tr>)}</tbody>
          </table>
        </>
      )}
    </div>
  );
}
