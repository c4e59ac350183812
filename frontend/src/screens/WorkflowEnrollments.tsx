import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Enrollment, type EnrollmentStatus, type Stats, type Workflow } from '../api';
import { DeliveriesTable } from '../components/Deliveries';
import { ago, Empty, ErrorBanner, Spinner, StatusPill } from '../components/common';
import { statusLabel, statusMeaning, STATUSES } from '../lib/outcome';
import { hrefOf, navigate } from '../router';
import { formatDateTime } from '../lib/datetime';
import { stepTitle } from '../nodes';
const PAGE = 50;

/** The enrollment history of one workflow: status filter, step filter, cursor paging. */
export function WorkflowEnrollmentsScreen({ id, status, step }: { id: string; status?: string; step?: string }) {
  const st = STATUSES.includes(status as EnrollmentStatus) ? (status as EnrollmentStatus) : undefined;
  const [wf, setWf] = useState<Workflow | null>(null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [rows, setRows] = useState<Enrollment[] | null>(null);
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState('');
  const [loading, setLoading] = useState('');
  const pages = useRef(1);

  // ?step= selects enrollments at that step now or that ran it.
  const fetchPage = useCallback(async (cursor?: string, limit = PAGE) => {
    const p = await api.listEnrollments({ workflow: id, status: st, step, cursor, limit });
    return { items: p.items, next: p.nextCursor };
  }, [id, st, step]);

  const refresh = useCallback(async () => {
    try {
      const [p, s] = await Promise.all([fetchPage(undefined, PAGE * pages.current), api.workflowStats(id).catch(() => null)]);
      setRows(p.items);
      setNext(p.next);
      setStats(s);
      setError('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [fetchPage, id]);

  useEffect(() => {
    pages.current = 1;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- a fetch starts
    setRows(null);
    setLoading(`Loading ${PAGE} enrollments…`);
    refresh().finally(() => setLoading(''));
    const t = setInterval(refresh, 3000);
    return () => clearInterval(t);
  }, [refresh]);
  useEffect(() => {
    api.getWorkflow(id).then(setWf, (e: Error) => setError(e.message));
  }, [id]);

  const more = async () => {
    if (!next) return;
    setLoading(`Loading ${PAGE} more enrollments…`);
    try {
      const p = await fetchPage(next);
      pages.current += 1;
      setRows((r) => [...(r ?? []), ...p.items]);
      setNext(p.next);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading('');
    }
  };

  const stepName = (sid: string) => {
    const st = wf?.definition.steps.find((s) => s.id === sid);
    return st ? stepTitle(st) : sid;
  };
  const link = (s?: string, stp?: string) => hrefOf({ name: 'workflow-enrollments', id, status: s, step: stp });
  const total = stats ? Object.values(stats.enrollments).reduce((a, b) => a + b, 0) : undefined;
  return (
    <div className="screen">
      <div className="crumbs">
        <a href="#/workflows">Workflows</a> / <a href={'#/workflows/' + encodeURIComponent(id)}>{wf?.name ?? id}</a> / Enrollments
      </div>
      <div className="screen-head">
        <h1>Enrollment history</h1>
        <a className="btn" href={'#/workflows/' + encodeURIComponent(id)}>Open in editor</a>
      </div>
      <div className="filters">
        <div className="tabs" role="tablist" aria-label="Status">
          <a role="tab" aria-selected={!st} className={!st ? 'on' : ''} href={link(undefined, step)}>All{total !== undefined ? ` ${total}` : ''}</a>
          {STATUSES.map((s) => (
            <a key={s} role="tab" aria-selected={st === s} className={`${st === s ? 'on' : ''}${(s === 'failed' || s === 'completed_with_errors') && stats?.enrollments[s] ? ' tab-failed' : ''}`}
              href={link(s, step)} title={statusMeaning(s)}>
              {statusLabel(s)}{stats ? ` ${stats.enrollments[s] ?? 0}` : ''}
            </a>
          ))}
        </div>
        {step && (
          <span className="chip">At step <strong>{stepName(step)}</strong> <a href={link(st)} aria-label="Clear the step filter">×</a></span>
        )}
      </div>
      <ErrorBanner error={error} onRetry={refresh} onClose={() => setError('')} />
      {!rows && loading && <Spinner label={loading} />}
      {rows && rows.length === 0 && (
        <Empty title={st || step ? 'No enrollments match this filter' : 'No enrollments yet'}>
          {wf && !wf.enabled ? 'The workflow is off; turn it on to start enrolling records.' : 'Records appear here as soon as a trigger enrolls them.'}
        </Empty>
      )}
      {rows && rows.length > 0 && (
        <>
          <table className="table enrollments">
            <thead><tr><th>#</th><th>Record</th><th>Status</th><th>Current step</th><th>Trigger</th><th>Started</th><th>Updated</th></tr></thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id} data-enrollment={e.id} onClick={() => navigate('#/enrollments/' + e.id)}>
                  <td><a href={'#/enrollments/' + e.id} onClick={(ev) => ev.stopPropagation()}>#{e.id}</a></td>
                  <td>{e.record_email || `#${e.record_id}`}</td>
                  <td><StatusPill e={e} /></td>
                  <td>{e.current_step ? stepName(e.current_step) : <span className="sub">—</span>}</td>
                  <td className="mono sub">{e.trigger_id || 'manual'}</td>
                  <td title={formatDateTime(e.created_at)}>{ago(e.created_at)}</td>
                  <td title={formatDateTime(e.updated_at)}>{ago(e.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            <span className="sub">{rows.length} shown</span>
            {loading && <Spinner label={loading} />}
            {next && !loading && <button type="button" className="btn" onClick={more}>Load more</button>}
          </div>
        </>
      )}
      <DeliveriesTable query={{ workflow: id, failed: true }} title="Failed deliveries and dead letters" showEnrollment stepName={stepName}
        emptyText="No outbound action of this workflow has failed for good. Tries that are still being retried show in each enrollment's deliveries." />
    </div>
  );
}
