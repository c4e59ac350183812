import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, type Definition, type EnrollmentDetail, type RecordItem, type Workflow } from '../api';
import { ago, ErrorBanner, Spinner, StatusPill } from '../components/common';
import { DeliveriesTable } from '../components/Deliveries';
import { UnenrollDialog } from '../components/Enroll';
import { diagnoseView } from '../lib/diagnose';
import { formatHistory } from '../lib/history';
import { failedStepsText, retryLine } from '../lib/outcome';
import { stepTitle } from '../nodes';
import { recordName } from './Records';
import { formatDateTime, formatTime, zoneLabel } from '../lib/datetime';
import type { EnrollmentOrigin } from '../router';

/** One enrollment: the diagnose view ("why did this contact enroll?") and its history timeline. */
export function EnrollmentDetailScreen({ id, from }: { id: number; from?: EnrollmentOrigin }) {
  const [data, setData] = useState<EnrollmentDetail | null>(null);
  const [wf, setWf] = useState<Workflow | null>(null);
  const [runDef, setRunDef] = useState<Definition | null>(null); // the version this enrollment runs
  const [rec, setRec] = useState<RecordItem | null>(null);
  const [error, setError] = useState('');
  const [unenrolling, setUnenrolling] = useState(false);
  const [rerunning, setRerunning] = useState(false);
  const [poll, setPoll] = useState(0); // bumped to start polling again (after a re-run)
  const load = useCallback(async () => {
    try {
      const d = await api.getEnrollment(id);
      setData(d);
      setError('');
      return d;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return null;
    }
  }, [id]);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const d = await load();
      if (!live) return;
      if (d && (d.enrollment.status === 'active' || d.enrollment.status === 'waiting')) timer = setTimeout(tick, 3000);
    };
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount
    load().then((d) => {
      if (!live || !d) return;
      api.getWorkflow(d.enrollment.workflow_id).then((w) => live && setWf(w), () => undefined);
      api.getVersion(d.enrollment.workflow_id, d.enrollment.version).then((v) => live && setRunDef(v.definition), () => undefined);
      api.getRecord(d.enrollment.record_id).then((r) => live && setRec(r.record), () => undefined);
      if (d.enrollment.status === 'active' || d.enrollment.status === 'waiting') timer = setTimeout(tick, 3000);
    });
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [load, poll]);
  const def = runDef ?? wf?.definition ?? null;
  const zone = def?.timezone || undefined;
  const lines = useMemo(() => (data ? data.history.map((h) => ({ h, line: formatHistory(h, def, { timeZone: def?.timezone || undefined, stepTitle }) })) : []), [data, def]);
  if (error && !data) return <div className="screen"><ErrorBanner error={error} onRetry={load} /><a href="#/workflows">Workflows</a></div>;
  if (!data) return <div className="screen"><Spinner label={`Loading enrollment #${id}…`} /></div>;
  const e = data.enrollment;
  const dg = diagnoseView(data.diagnose, def);
  const versionNote = wf && wf.active_version && wf.active_version !== e.version;
  const title = (sid: string) => {
    const st = def?.steps.find((s) => s.id === sid);
    return st ? stepTitle(st) : sid;
  };
  const current = e.current_step ? title(e.current_step) : '';
  const who = rec ? recordName(rec) || rec.email || `#${rec.id}` : `record #${e.record_id}`;
  return (
    <div className="screen">
      <div className="crumbs" data-testid="crumbs">
        {from === 'activity' ? (
          <><a href="#/activity">Activity</a> / #{e.id}</>
        ) : from === 'record' ? (
          <><a href="#/records">Records</a> / <a href={'#/records/' + e.record_id}>{who}</a> / #{e.id}</>
        ) : (
          <>
            <a href="#/workflows">Workflows</a> / <a href={'#/workflows/' + encodeURIComponent(e.workflow_id)}>{wf?.name ?? e.workflow_id}</a> /{' '}
            <a href={'#/workflows/' + encodeURIComponent(e.workflow_id) + '/enrollments'}>Enrollments</a> / #{e.id}
          </>
        )}
      </div>
      <div className="screen-head">
        <div>
          <h1>{who} <StatusPill e={e} /></h1>
          <div className="sub">
            Enrollment #{e.id} of <a href={'#/records/' + e.record_id}>{rec?.email ?? `record #${e.record_id}`}</a> in version {e.version} ·
            started {ago(e.created_at)} · {e.steps_run} step{e.steps_run === 1 ? '' : 's'} run
            {e.failed_steps > 0 && <> · <span className="warn-text" data-testid="failed-steps">{failedStepsText(e.failed_steps)}</span></>}
            {current && <> · {e.finished_at ? 'stopped at' : 'now at'} <strong>{current}</strong></>}
            {data.retry && <> · <span className="warn-text" data-testid="retry-line" title={data.retry.error ? `Last error: ${data.retry.error_text || data.retry.error}${data.retry.error_text ? ` (${data.retry.error})` : ''}` : undefined}>{retryLine(data.retry, { timeZone: zone })}</span></>}
            {e.finished_at && <> · finished {ago(e.finished_at)}</>}
          </div>
        </div>
        <div className="head-actions">
          <button type="button" className="btn" onClick={load}>Refresh</button>
          {(e.status === 'active' || e.status === 'waiting') && <button type="button" className="btn danger" onClick={() => setUnenrolling(true)}>Unenroll…</button>}
          {e.status === 'failed' && e.current_step && (
            <button type="button" className="btn primary" disabled={rerunning} title={`Run this enrollment again from ${current}, the step it failed at`}
              onClick={async () => {
                setRerunning(true);
                try {
                  await api.rerunEnrollment(e.id);
                  setError('');
                  setPoll((n) => n + 1);
                } catch (err) {
                  setError(err instanceof Error ? err.message : String(err));
                } finally {
                  setRerunning(false);
                }
              }}>{rerunning ? 'Re-running…' : 'Re-run from failed step'}</button>
          )}
        </div>
      </div>
      <ErrorBanner error={error} />
      {e.error && <div className="banner error" role="alert">{e.error}</div>}
      {!e.error && e.failed_steps > 0 && (
        <div className="banner error" role="alert" data-testid="failed-banner">
          {e.status === 'completed_with_errors' ? 'Completed with errors: ' : ''}{failedStepsText(e.failed_steps)}. The red entries in the history say why; failed deliveries are listed below.
        </div>
      )}
      <div className="two-col">
        <section className="card diagnose" data-testid="diagnose">
          <h2>Why did this contact enroll?</h2>
          <p className="diag-summary">{dg.summary}</p>
          <dl className="facts">
            <dt>Trigger</dt><dd data-testid="diag-trigger">{dg.trigger}</dd>
            {dg.triggerDefinition && <><dt>Defined as</dt><dd>{dg.triggerDefinition}</dd></>}
            <dt>Version</dt><dd>{dg.version}{versionNote ? ` (the workflow is now at version ${wf!.active_version})` : ''}</dd>
          </dl>
          <h3>Matched values</h3>
          {dg.matched.length === 0 ? <div className="sub">No values were recorded for this trigger.</div> : (
            <table className="table kv compact" data-testid="matched">
              <tbody>{dg.matched.map((m) => <tr key={m.key}><th className="mono">{m.key}</th><td className="mono">{m.value}</td></tr>)}</tbody>
            </table>
          )}
          {dg.event && (
            <>
              <h3>Triggering event</h3>
              <dl className="facts">
                <dt>Type</dt><dd className="mono">{dg.event.type}</dd>
                {dg.event.id !== undefined && <><dt>Event</dt><dd>#{dg.event.id}</dd></>}
                {dg.event.occurredAt && <><dt>Happened</dt><dd>{formatDateTime(dg.event.occurredAt, { timeZone: zone })}</dd></>}
                {dg.event.fields.map((f) => <span key={f.key} className="contents"><dt className="mono">{f.key}</dt><dd className="mono">{f.value}</dd></span>)}
              </dl>
            </>
          )}
        </section>
        <section>
          <h2>History <span className="count">{data.history.length}</span></h2>
          <div className="hint" data-testid="history-zone">{def?.timezone ? `Times are in the workflow's time zone, ${zoneLabel(def.timezone)}.` : `Times are in your browser's time zone, ${zoneLabel()} (the workflow names none).`}</div>
          {versionNote && !runDef && <div className="hint">Step names come from the workflow's current definition; this enrollment runs version {e.version}.</div>}
          <ol className="timeline" data-testid="history">
            {lines.map(({ h, line }) => (
              <li key={h.id} className={`tl-${line.tone}`}>
                <span className="tl-dot" aria-hidden="true" />
                <div className="tl-body">
                  <div className="tl-head">
                    <strong>{line.step}</strong>
                    {line.stepId && line.step !== line.stepId && <span className="sub mono">{line.stepId}</span>}
                    <span className="grow" />
                    <span className="sub" title={formatDateTime(h.at, { timeZone: zone, seconds: true })}>{formatTime(h.at, { timeZone: zone, seconds: true })}</span>
                  </div>
                  <div className="tl-text">{line.text}</div>
                  {line.raw && <details className="sub raw-error"><summary>Error as the server gave it</summary><code>{line.raw}</code></details>}
                </div>
              </li>
            ))}
          </ol>
        </section>
      </div>
      <DeliveriesTable query={{ enrollment: e.id }} title="Deliveries" emptyText="No outbound actions (webhooks, emails, SMS, Slack) have run for this enrollment."
        stepName={title} />
      {unenrolling && (
        <UnenrollDialog enrollmentId={e.id} who={who} workflow={wf?.name ?? e.workflow_id} onClose={() => setUnenrolling(false)} onDone={() => {
          setUnenrolling(false);
          load();
        }} />
      )}
    </div>
  );
}
