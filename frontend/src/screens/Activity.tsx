import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, type Enrollment, type EnrollmentStatus, type WorkflowSummary } from '../api';
import { ago, Empty, ErrorBanner, Spinner, StatusPill } from '../components/common';
import { useStepNames } from '../components/stepNames';
import { anyFilter, NO_FILTERS, readActivityFilters, type ActivityFilters } from '../lib/activity';
import { formatDateTime } from '../lib/datetime';
import { statusLabel, STATUSES } from '../lib/outcome';
import { rangeProblem } from '../lib/performance';
import { hrefOf, navigate } from '../router';

const PAGE = 50;

/**
 * Every enrollment across all workflows, newest first, like n8n's executions list: filter by
 * workflow, status and the day it started, search by contact, open one, re-run a failed one
 * from its failed step.
 */
export function ActivityScreen({ query }: { query: URLSearchParams }) {
  const [workflows, setWorkflows] = useState<WorkflowSummary[]>([]);
  // the filters live in the URL: a filtered view reloads and can be shared
  const qs = query.toString();
  const { filters: f, dropped } = useMemo(() => readActivityFilters(new URLSearchParams(qs)), [qs]);
  const setF = useCallback((x: ActivityFilters) => {
    navigate(hrefOf({ name: 'activity', workflow: x.workflow || undefined, status: x.status || undefined, contact: x.contact || undefined,
      record: x.record || undefined, from: x.from || undefined, to: x.to || undefined }), true);
  }, []);
  const [contact, setContact] = useState(f.contact); // the search box, applied after a pause
  const [rows, setRows] = useState<Enrollment[] | null>(null);
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState('');
  const [loading, setLoading] = useState('');
  const [rerunning, setRerunning] = useState<number | null>(null);
  const pages = useRef(1);

  useEffect(() => {
    api.listWorkflows().then(setWorkflows, (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    const t = setTimeout(() => f.contact !== contact.trim() && setF({ ...f, contact: contact.trim() }), 300);
    return () => clearTimeout(t);
  }, [contact, f, setF]);

  const rangeError = f.from || f.to ? rangeProblem(f.from || f.to, f.to || f.from) : null;
  const fetchPage = useCallback(async (cursor?: string, limit = PAGE) => {
    const p = await api.listEnrollments({ workflow: f.workflow || undefined, status: f.status || undefined, contact: f.contact || undefined,
      record: f.record || undefined, from: f.from || undefined, to: f.to || undefined, cursor, limit });
    return { items: p.items, next: p.nextCursor };
  }, [f]);

  const refresh = useCallback(async () => {
    if (rangeError) return;
    try {
      const p = await fetchPage(undefined, PAGE * pages.current);
      setRows(p.items);
      setNext(p.next);
      setError('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [fetchPage, rangeError]);

  useEffect(() => {
    pages.current = 1;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- a fetch starts
    setLoading(`Loading ${PAGE} enrollments…`);
    refresh().finally(() => setLoading(''));
    const t = setInterval(refresh, 5000);
    return () => clearInterval(t);
  }, [refresh]);

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

  const rerun = async (e: Enrollment) => {
    setRerunning(e.id);
    try {
      await api.rerunEnrollment(e.id);
      await refresh();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setRerunning(null);
    }
  };

  const names = useMemo(() => Object.fromEntries(workflows.map((w) => [w.id, w.name])), [workflows]);
  const filtered = anyFilter(f);
  const stepName = useStepNames(rows ?? []);
  const recordEmail = f.record ? rows?.find((e) => e.record_id === f.record)?.record_email : undefined;
  return (
    <div className="screen activity">
      <div className="screen-head">
        <h1>Activity</h1>
        {loading && rows && <Spinner label={loading} />}
      </div>
      <div className="filters activity-filters" role="search">
        <label>Workflow
          <select value={f.workflow} onChange={(e) => setF({ ...f, workflow: e.target.value })}>
            <option value="">All workflows</option>
            {workflows.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
          </select>
        </label>
        <label>Status
          <select value={f.status} onChange={(e) => setF({ ...f, status: e.target.value as EnrollmentStatus | '' })}>
            <option value="">Any status</option>
            {STATUSES.map((s) => <option key={s} value={s}>{statusLabel(s)}</option>)}
          </select>
        </label>
        <label>Contact
          <input type="search" placeholder="Email or part of it" value={contact} onChange={(e) => setContact(e.target.value)} />
        </label>
        <label>Started from <input type="date" value={f.from} onChange={(e) => setF({ ...f, from: e.target.value })} /></label>
        <label>to <input type="date" value={f.to} onChange={(e) => setF({ ...f, to: e.target.value })} /></label>
        {f.record > 0 && (
          <span className="chip" data-testid="record-filter">Record <strong>{recordEmail ?? `#${f.record}`}</strong>{' '}
            <button type="button" className="icon-btn" aria-label="Clear the record filter" onClick={() => setF({ ...f, record: 0 })}>×</button>
          </span>
        )}
        {filtered && <button type="button" className="btn ghost" onClick={() => { setContact(''); setF(NO_FILTERS); }}>Clear filters</button>}
      </div>
      {dropped.map((d) => <div key={d} className="banner warn" role="status">{d}</div>)}
      {rangeError && <div className="banner error" role="alert">{rangeError}</div>}
      <ErrorBanner error={error} onRetry={refresh} onClose={() => setError('')} />
      {!rows && loading && <Spinner label={loading} />}
      {rows && rows.length === 0 && (
        <Empty title={filtered ? 'No enrollments match these filters' : 'No enrollments yet'}>
          {filtered ? 'Change or clear the filters.' : 'Every time a trigger enrolls a record, in any workflow, it shows here.'}
        </Empty>
      )}
      {rows && rows.length > 0 && (
        <>
          <table className="table enrollments" data-testid="activity">
            <thead><tr><th>#</th><th>Workflow</th><th>Contact</th><th>Status</th><th>Step</th><th>Started</th><th>Updated</th><th><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id} data-enrollment={e.id} onClick={() => navigate(hrefOf({ name: 'enrollment', id: e.id, from: 'activity' }))}>
                  <td><a href={hrefOf({ name: 'enrollment', id: e.id, from: 'activity' })} onClick={(ev) => ev.stopPropagation()}>#{e.id}</a></td>
                  <td><a href={'#/workflows/' + encodeURIComponent(e.workflow_id)} onClick={(ev) => ev.stopPropagation()}>{names[e.workflow_id] ?? e.workflow_id}</a> <span className="sub">v{e.version}</span></td>
                  <td>{e.record_email ? <a href={'#/records/' + e.record_id} onClick={(ev) => ev.stopPropagation()}>{e.record_email}</a> : `#${e.record_id}`}</td>
                  <td><StatusPill e={e} />{e.error && <div className="sub danger-text" title={e.error}>{e.error.length > 60 ? e.error.slice(0, 60) + '…' : e.error}</div>}</td>
                  <td>{e.current_step ? stepName(e) : <span className="sub">—</span>}</td>
                  <td title={formatDateTime(e.created_at)}>{ago(e.created_at)}</td>
                  <td title={formatDateTime(e.updated_at)}>{ago(e.updated_at)}</td>
                  <td className="row-actions" onClick={(ev) => ev.stopPropagation()}>
                    {e.status === 'failed' && (
                      <button type="button" className="btn small" disabled={rerunning === e.id} onClick={() => rerun(e)}
                        title={`Run it again from ${e.current_step || 'its failed step'}`}>{rerunning === e.id ? 'Re-running…' : 'Re-run'}</button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            <span className="sub">{rows.length} shown</span>
            {next && !loading && <button type="button" className="btn" onClick={more}>Load more</button>}
          </div>
        </>
      )}
    </div>
  );
}
