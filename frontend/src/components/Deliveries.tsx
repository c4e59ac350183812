// The delivery log of outbound steps (webhook, email, SMS, Slack): one row per attempt with its
// status, latency and a response snippet; failed webhook deliveries and dead letters get a Retry
// button (only webhooks can be sent again by hand), and each step with some a "Retry all", which
// the server runs as a job: the panel shows its progress, finds it again after a reload, and
// ends with its summary.
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, type Delivery, type RetryJob } from '../api';
import { ago, ErrorBanner } from './common';
import { formatDateTime } from '../lib/datetime';
import { retryable, retryGroups, retryJobText } from '../lib/dead-letters';

const TONE: Record<string, string> = { ok: 'completed', skipped: 'cancelled', retry: 'waiting', failed: 'failed', dead: 'failed' };

/** An ok attempt that only kept the message in the local outbox (the email and SMS actions say so
 * in their response): it was not delivered, so it must not read as a green "ok". */
function keptInOutbox(d: Delivery): boolean {
  return d.outcome === 'ok' && d.response?.startsWith('kept in the local outbox') === true;
}

export function DeliveriesTable({ query, title, emptyText, stepName, showEnrollment, refreshMs = 5000 }: {
  query: { enrollment?: number; workflow?: string; dead?: boolean; failed?: boolean };
  title: string;
  emptyText: string;
  stepName?(id: string): string;
  showEnrollment?: boolean;
  refreshMs?: number;
}) {
  const [rows, setRows] = useState<Delivery[] | null>(null);
  const [error, setError] = useState('');
  const [results, setResults] = useState<Record<number, { ok: boolean; text: string }>>({});
  const [busy, setBusy] = useState<number | null>(null);
  const { enrollment, workflow, dead, failed } = query;
  const load = useCallback(async () => {
    try {
      setRows(await api.listDeliveries({ enrollment, workflow, dead, failed, limit: 100 }));
      setError('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [enrollment, workflow, dead, failed]);
  useEffect(() => {
    load();
    const t = setInterval(load, refreshMs);
    return () => clearInterval(t);
  }, [load, refreshMs]);
  const retry = async (d: Delivery) => {
    setBusy(d.id);
    try {
      const n = await api.retryDelivery(d.id);
      setResults((r) => ({ ...r, [d.id]: { ok: n.outcome === 'ok', text: n.outcome === 'ok' ? `Delivered${n.status_code ? ` (${n.status_code})` : ''} in ${n.latency_ms} ms` : `Failed again: ${n.error || n.status_code || n.outcome}` } }));
      load();
    } catch (e) {
      setResults((r) => ({ ...r, [d.id]: { ok: false, text: e instanceof Error ? e.message : String(e) } }));
    } finally {
      setBusy(null);
    }
  };
  // "Retry all" of a step: one server-side job per step (POST /api/deliveries/retry-jobs), polled
  // while it runs; a job that was running before a reload is found again
  const [jobs, setJobs] = useState<Record<string, RetryJob>>({});
  const [jobError, setJobError] = useState<Record<string, string>>({});
  useEffect(() => {
    if (!workflow) return;
    let live = true;
    api.listRetryJobs({ workflow, status: 'running' }).then((running) => {
      if (!live) return;
      setJobs((cur) => {
        const next = { ...cur };
        for (const j of running) if (!next[j.step_id] || next[j.step_id].finished) next[j.step_id] = j;
        return next;
      });
    }, () => undefined);
    return () => {
      live = false;
    };
  }, [workflow]);
  useEffect(() => {
    const running = Object.values(jobs).filter((j) => !j.finished);
    if (running.length === 0) return;
    const ctrl = new AbortController();
    const t = setTimeout(() => {
      Promise.all(running.map((j) => api.getRetryJob(j.id, ctrl.signal))).then((got) => {
        setJobs((cur) => {
          const next = { ...cur };
          for (const j of got) next[j.step_id] = j;
          return next;
        });
        if (got.some((j) => j.finished)) load();
      }, (e) => {
        if (!(e instanceof DOMException)) setError(e instanceof Error ? e.message : String(e));
      });
    }, 400);
    return () => {
      clearTimeout(t);
      ctrl.abort();
    };
  }, [jobs, load]);
  const retryAll = async (step: string) => {
    if (!workflow) return;
    setJobError((r) => ({ ...r, [step]: '' }));
    try {
      const j = await api.startRetryJob({ workflow, step });
      setJobs((cur) => ({ ...cur, [step]: j }));
    } catch (e) {
      // another tab started it: show that job
      const other = e instanceof ApiError && e.status === 409 ? (e.details as { job?: RetryJob } | undefined)?.job : undefined;
      if (other) setJobs((cur) => ({ ...cur, [step]: other }));
      else setJobError((r) => ({ ...r, [step]: e instanceof Error ? e.message : String(e) }));
    }
  };
  const stopJob = async (j: RetryJob) => {
    try {
      const stopped = await api.cancelRetryJob(j.id);
      setJobs((cur) => ({ ...cur, [j.step_id]: stopped }));
      load();
    } catch (e) {
      setJobError((r) => ({ ...r, [j.step_id]: e instanceof Error ? e.message : String(e) }));
    }
  };
  if (rows === null && !error) return null;
  // "Retry all" is per workflow step: only where the table lists a workflow's deliveries; a step
  // whose job runs or has just ended keeps its row after its dead letters are gone
  const groups = rows && workflow ? retryGroups(rows) : [];
  const steps = [...groups.map((g) => g.step), ...Object.keys(jobs).filter((s) => !groups.some((g) => g.step === s))];
  return (
    <section className="deliveries" data-testid={dead || failed ? 'dead-letters' : 'deliveries'}>
      <h2>{title} <span className="count">{rows?.length ?? 0}</span></h2>
      <ErrorBanner error={error} onRetry={load} />
      {rows && rows.length === 0 && <div className="sub">{emptyText}</div>}
      {workflow && steps.length > 0 && (
        <div className="retry-all">
          {steps.map((step) => {
            const g = groups.find((x) => x.step === step);
            const job = jobs[step];
            const name = stepName ? stepName(step) : step;
            return (
              <div key={step} className="retry-all-row" data-step={step}>
                {g && (!job || job.finished) && (
                  <button type="button" className="btn small" onClick={() => retryAll(step)} data-testid="retry-all">
                    Retry all {g.deliveries.length} dead letter{g.deliveries.length === 1 ? '' : 's'} of {name}
                  </button>
                )}
                {job && !job.finished && (
                  <span className="retry-progress" role="status" data-testid="retry-all-progress">
                    <progress max={job.total || 1} value={job.done} aria-label={`Retry all of ${name}`} />
                    {retryJobText(job)}
                    <button type="button" className="btn small" onClick={() => stopJob(job)}>Stop</button>
                  </span>
                )}
                {job?.finished && (
                  <span className={job.status === 'done' && job.failed === 0 ? 'ok-text' : 'warn-text'} role="status" data-testid="retry-all-result">
                    {retryJobText(job)}
                  </span>
                )}
                {jobError[step] && <span className="warn-text" role="alert">{jobError[step]}</span>}
              </div>
            );
          })}
        </div>
      )}
      {rows && rows.length > 0 && (
        <table className="table compact static deliveries-table">
          <thead>
            <tr>{showEnrollment && <th>Enrollment</th>}<th>Step</th><th>Try</th><th>Outcome</th><th>Target</th><th>Status</th><th>Latency</th><th>Response / error</th><th>When</th><th><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id} className={(d.outcome === 'dead' || d.outcome === 'failed') && !d.resolved ? 'row-failed' : ''} data-delivery={d.id}>
                {showEnrollment && <td><a href={'#/enrollments/' + d.enrollment_id}>#{d.enrollment_id}</a></td>}
                <td>{stepName ? stepName(d.step_id) : d.step_id} <span className="sub">{d.step_type}</span></td>
                <td>{d.try}</td>
                <td>
                  {keptInOutbox(d)
                    ? <span className="pill cancelled" title="Not sent: no email server or SMS provider is set up (Settings)">in outbox, not sent</span>
                    : <span className={`pill ${TONE[d.outcome] ?? ''}`}>{d.outcome === 'dead' ? 'dead letter' : d.outcome}</span>}
                  {d.resolved && <span className="pill completed">resolved</span>}
                </td>
                <td className="mono sub target" title={d.target}>{d.target}</td>
                <td className="mono">{d.status_code || '—'}</td>
                <td>{d.latency_ms} ms</td>
                <td className="snippet">
                  {d.error && (d.error_text
                    ? <div className="warn-text" title={d.error} data-testid="delivery-error">{d.error_text}<details className="sub raw-error"><summary>Error as the server gave it</summary><code>{d.error}</code></details></div>
                    : <div className="warn-text">{d.error}</div>)}
                  {d.response && <code title={d.response}>{d.response.length > 120 ? d.response.slice(0, 119) + '…' : d.response}</code>}
                </td>
                <td title={formatDateTime(d.at)}>{ago(d.at)}</td>
                <td>
                  {retryable(d) && !(jobs[d.step_id] && !jobs[d.step_id].finished) && (
                    <button type="button" className="btn small" disabled={busy === d.id} onClick={() => retry(d)}>{busy === d.id ? 'Retrying…' : 'Retry'}</button>
                  )}
                  {results[d.id] && <div className={results[d.id].ok ? 'ok-text' : 'warn-text'} role="status">{results[d.id].text}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
