// The delivery log of outbound steps (webhook, email, SMS, Slack): one row per attempt with its
// status, latency and a response snippet; failed webhook deliveries and dead letters get a Retry
// button (only webhooks can be sent again by hand), and each step with some a "Retry all".
import { useCallback, useEffect, useState } from 'react';
import { api, type Delivery } from '../api';
import { ago, ErrorBanner } from './common';
import { formatDateTime } from '../lib/datetime';
import { retryable, retryGroups } from '../lib/dead-letters';

/** The end of a "Retry all" in words. */
export function retryAllSummary(p: { sent: number; ok: number; failed: number }): string {
  if (p.sent === 0) return 'Nothing was left to retry';
  return `${p.ok} of ${p.sent} delivered${p.failed ? `, ${p.failed} failed again (each keeps its Retry)` : ''}`;
}

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
  // "Retry all" of a step: the server sends its dead letters again in batches (each through the
  // engine's redelivery); the counts so far show as progress
  const [bulk, setBulk] = useState<{ step: string; sent: number; total: number; ok: number; failed: number } | null>(null);
  const [bulkResult, setBulkResult] = useState<Record<string, { ok: boolean; text: string }>>({});
  const retryAll = async (step: string) => {
    if (!workflow) return;
    setBulkResult((r) => ({ ...r, [step]: { ok: true, text: '' } }));
    let p = { sent: 0, ok: 0, failed: 0, total: 0 };
    let upTo: number | undefined;
    try {
      for (;;) {
        setBulk({ step, ...p });
        const b = await api.retryAllDeliveries({ workflow, step, limit: 5, up_to: upTo });
        if (upTo === undefined) p.total = b.retried + b.skipped + b.remaining;
        upTo = b.up_to;
        p = { ...p, sent: p.sent + b.retried, ok: p.ok + b.delivered, failed: p.failed + b.failed };
        if (b.remaining === 0 || b.retried + b.skipped === 0) break;
      }
      setBulkResult((r) => ({ ...r, [step]: { ok: p.failed === 0, text: retryAllSummary(p) } }));
    } catch (e) {
      setBulkResult((r) => ({ ...r, [step]: { ok: false, text: `${retryAllSummary(p)}; stopped: ${e instanceof Error ? e.message : String(e)}` } }));
    } finally {
      setBulk(null);
      load();
    }
  };
  if (rows === null && !error) return null;
  // "Retry all" is per workflow step: only where the table lists a workflow's deliveries
  const groups = rows && workflow ? retryGroups(rows) : [];
  return (
    <section className="deliveries" data-testid={dead || failed ? 'dead-letters' : 'deliveries'}>
      <h2>{title} <span className="count">{rows?.length ?? 0}</span></h2>
      <ErrorBanner error={error} onRetry={load} />
      {rows && rows.length === 0 && <div className="sub">{emptyText}</div>}
      {groups.length > 0 && (
        <div className="retry-all">
          {groups.map((g) => (
            <div key={g.step} className="retry-all-row">
              <button type="button" className="btn small" disabled={bulk !== null} onClick={() => retryAll(g.step)} data-testid="retry-all">
                Retry all {g.deliveries.length} dead letter{g.deliveries.length === 1 ? '' : 's'} of {stepName ? stepName(g.step) : g.step}
              </button>
              {bulk?.step === g.step && (
                <span className="retry-progress" role="status" data-testid="retry-all-progress">
                  <progress max={bulk.total || 1} value={bulk.sent} aria-label="Retry all progress" />
                  {bulk.total ? `Sent ${bulk.sent} of ${bulk.total}` : 'Starting'}… {bulk.ok} delivered, {bulk.failed} failed again
                </span>
              )}
              {bulkResult[g.step]?.text && <span className={bulkResult[g.step].ok ? 'ok-text' : 'warn-text'} role="status" data-testid="retry-all-result">{bulkResult[g.step].text}</span>}
            </div>
          ))}
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
                  {d.error && <div className="warn-text">{d.error}</div>}
                  {d.response && <code title={d.response}>{d.response.length > 120 ? d.response.slice(0, 119) + '…' : d.response}</code>}
                </td>
                <td title={formatDateTime(d.at)}>{ago(d.at)}</td>
                <td>
                  {retryable(d) && (
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
