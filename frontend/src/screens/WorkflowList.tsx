import { useEffect, useState } from 'react';
import { api, type WorkflowSummary } from '../api';

/** The list of workflows: open one, or create a new one. */
export function WorkflowListScreen() {
  const [rows, setRows] = useState<WorkflowSummary[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api.listWorkflows().then(setRows, (e: Error) => setError(e.message));
  }, []);
  return (
    <div className="screen">
      <div className="screen-head">
        <h1>Workflows</h1>
        <a className="btn primary" href="#/workflows/new">Create workflow</a>
      </div>
      {error && <div className="banner error">{error}</div>}
      {!rows && !error && <div className="screen-message">Loading…</div>}
      {rows && rows.length === 0 && <div className="empty">No workflows yet. Create one to get started.</div>}
      {rows && rows.length > 0 && (
        <table className="table">
          <thead>
            <tr><th>Name</th><th>Object</th><th>Status</th><th>Revision</th><th>Last updated</th></tr>
          </thead>
          <tbody>
            {rows.map((w) => (
              <tr key={w.id} onClick={() => (location.hash = '#/workflows/' + encodeURIComponent(w.id))}>
                <td><a href={'#/workflows/' + encodeURIComponent(w.id)}>{w.name}</a><div className="sub mono">{w.id}</div></td>
                <td>{w.object}</td>
                <td><span className={`pill ${w.enabled ? 'on' : 'off'}`}>{w.enabled ? 'On' : 'Off'}</span></td>
                <td>{w.revision}</td>
                <td>{new Date(w.updated_at).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
