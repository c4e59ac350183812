// The Trash: deleted workflows, restorable (switched off, with their history and counters) until
// they are purged, on request or by the maintenance service after keep_days. A purge runs on the
// server in small batches; the screen shows its progress until the workflow is gone.
import { useCallback, useEffect, useState } from 'react';
import { api, type TrashedWorkflow } from '../api';
import { ago, Dialog, Empty, ErrorBanner, Spinner, Toasts, type ToastData } from '../components/common';
import { navigate } from '../router';
import { formatDate, formatDateTime } from '../lib/datetime';

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function TrashScreen() {
  const [rows, setRows] = useState<TrashedWorkflow[] | null>(null);
  const [keepDays, setKeepDays] = useState(30);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  const [purging, setPurging] = useState<TrashedWorkflow | null>(null);
  const [toasts, setToasts] = useState<ToastData[]>([]);

  const load = useCallback(async () => {
    try {
      const t = await api.listTrash();
      setRows(t.trash);
      setKeepDays(t.keep_days);
      setError('');
    } catch (e) {
      setError(msg(e));
    }
  }, []);
  const inProgress = rows?.some((r) => r.purge) ?? false;
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount
    load();
    const t = setInterval(load, inProgress ? 1000 : 5000);
    return () => clearInterval(t);
  }, [load, inProgress]);

  const toast = (t: Omit<ToastData, 'id'>) => setToasts((ts) => [...ts, { ...t, id: Date.now() + Math.random() }]);
  const run = async (label: string, fn: () => Promise<void>) => {
    setBusy(label);
    setError('');
    try {
      await fn();
    } catch (e) {
      setError(msg(e));
    } finally {
      setBusy('');
    }
  };

  const restore = (w: TrashedWorkflow) => run(`Restoring ${w.name}…`, async () => {
    const r = await api.restoreWorkflow(w.id);
    toast({ text: `Restored "${r.name}" (off) with its history and counters`, action: { label: 'Open', run: () => navigate('#/workflows/' + encodeURIComponent(r.id)) } });
    await load();
  });
  const purge = (w: TrashedWorkflow) => {
    setPurging(null);
    run(`Deleting ${w.name} for good…`, async () => {
      await api.purgeTrashed(w.id);
      await load();
    });
  };

  return (
    <div className="screen">
      <div className="screen-head">
        <div>
          <h1>Trash</h1>
          <div className="sub">Deleted workflows stay here for {keepDays} days with their history and counters; then they are deleted for good.</div>
        </div>
        <div className="head-actions">{busy && <Spinner label={busy} />}</div>
      </div>
      <ErrorBanner error={error} onRetry={load} onClose={() => setError('')} />
      {!rows && !error && <Spinner label="Loading the Trash…" />}
      {rows && rows.length === 0 && <Empty title="The Trash is empty">Workflows you delete appear here, and can be restored for {keepDays} days.</Empty>}
      {rows && rows.length > 0 && (
        <table className="table trash">
          <thead>
            <tr><th>Name</th><th>Object</th><th>Deleted</th><th>Enrollments</th><th>Deleted for good</th><th><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {rows.map((w) => (
              <tr key={w.id} data-trashed={w.id}>
                <td>{w.name}<div className="sub mono">{w.id}</div></td>
                <td>{w.object}</td>
                <td title={formatDateTime(w.deleted_at)}>{ago(w.deleted_at)}</td>
                <td>
                  {w.enrollments.toLocaleString()}
                  {w.open > 0 && <div className="sub">{w.open.toLocaleString()} open{w.cancel_open ? ', being cancelled' : ', running to their end'}</div>}
                </td>
                <td>
                  {w.purge ? (
                    <div className="purge-progress" role="status">
                      <progress max={Math.max(w.purge.total, 1)} value={w.purge.removed} aria-label={`Deleting ${w.name}`} />
                      <div className="sub">Deleting… {w.purge.removed.toLocaleString()} of {w.purge.total.toLocaleString()} enrollments</div>
                    </div>
                  ) : <span title={formatDateTime(w.purge_by)}>{formatDate(w.purge_by)}</span>}
                </td>
                <td className="row-actions">
                  {!w.purge && <>
                    <button type="button" className="btn small" onClick={() => restore(w)}>Restore</button>
                    <button type="button" className="btn ghost small danger-text" onClick={() => setPurging(w)}>Delete now</button>
                  </>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {purging && (
        <Dialog title={`Delete "${purging.name}" for good?`} onClose={() => setPurging(null)}>
          <p>This removes the workflow, its {purging.versions} version(s) and {purging.enrollments.toLocaleString()} enrollment(s) with their history.
            It cannot be undone. The id <span className="mono">{purging.id}</span> can be used again once it is gone.</p>
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setPurging(null)}>Keep it in the Trash</button>
            <button type="button" className="btn danger" onClick={() => purge(purging)} data-testid="purge-confirm">Delete for good</button>
          </div>
        </Dialog>
      )}
      <Toasts toasts={toasts} onDone={(id) => setToasts((ts) => ts.filter((t) => t.id !== id))} />
    </div>
  );
}
