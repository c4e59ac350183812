// Tasks made by create_task steps: open (or done) tasks with owner, due date and record; mark done.
import { useCallback, useEffect, useState } from 'react';
import { api, type Task } from '../api';
import { ago, Empty, ErrorBanner, Spinner } from '../components/common';
import { formatDateTime } from '../lib/datetime';

export function TasksScreen() {
  const [status, setStatus] = useState<'open' | 'done'>('open');
  const [owner, setOwner] = useState('');
  const [rows, setRows] = useState<Task[] | null>(null);
  const [error, setError] = useState('');
  const [now, setNow] = useState(0); // when the rows were loaded (for "overdue")
  const load = useCallback(async () => {
    try {
      setNow(Date.now());
      setRows((await api.listTasks({ status, owner: owner.trim() || undefined, limit: 200 })).items);
      setError('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [status, owner]);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount and on filter change
    load();
    const t = setInterval(load, 10000);
    return () => clearInterval(t);
  }, [load]);
  const mark = async (t: Task, s: 'open' | 'done') => {
    try {
      await api.patchTask(t.id, s);
      setRows((r) => r?.filter((x) => x.id !== t.id) ?? r);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div className="screen">
      <div className="screen-head"><h1>Tasks</h1></div>
      <div className="filters">
        <div className="tabs" role="tablist" aria-label="Status">
          <button type="button" role="tab" aria-selected={status === 'open'} className={status === 'open' ? 'on' : ''} onClick={() => setStatus('open')}>Open</button>
          <button type="button" role="tab" aria-selected={status === 'done'} className={status === 'done' ? 'on' : ''} onClick={() => setStatus('done')}>Done</button>
        </div>
        <input className="search" aria-label="Owner" placeholder="Owner" value={owner} onChange={(e) => setOwner(e.target.value)} />
      </div>
      <ErrorBanner error={error} onRetry={load} />
      {!rows && !error && <Spinner label="Loading tasks…" />}
      {rows && rows.length === 0 && <Empty title={status === 'open' ? 'No open tasks' : 'No finished tasks'}>Tasks come from "Create task" steps in workflows.</Empty>}
      {rows && rows.length > 0 && (
        <table className="table static tasks">
          <thead><tr><th>Task</th><th>Owner</th><th>Due</th><th>Record</th><th>Workflow</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {rows.map((t) => {
              const overdue = status === 'open' && now > 0 && t.due_at && new Date(t.due_at).getTime() < now;
              return (
                <tr key={t.id} data-task={t.id}>
                  <td>{t.title}</td>
                  <td>{t.owner || <span className="sub">unassigned</span>}</td>
                  <td className={overdue ? 'warn-text' : ''}>{t.due_at ? formatDateTime(t.due_at) : <span className="sub">—</span>}{overdue && ' (overdue)'}</td>
                  <td>{t.record_id ? <a href={'#/records/' + t.record_id}>record #{t.record_id}</a> : <span className="sub">—</span>}</td>
                  <td>{t.workflow_id ? <a href={'#/workflows/' + encodeURIComponent(t.workflow_id)}>{t.workflow_id}</a> : <span className="sub">—</span>}{t.enrollment_id ? <> · <a href={'#/enrollments/' + t.enrollment_id}>#{t.enrollment_id}</a></> : null}</td>
                  <td>
                    {t.status === 'open'
                      ? <button type="button" className="btn small" onClick={() => mark(t, 'done')}>Mark done</button>
                      : <><span className="sub">done {t.done_at ? ago(t.done_at) : ''}</span> <button type="button" className="link-btn" onClick={() => mark(t, 'open')}>Reopen</button></>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
