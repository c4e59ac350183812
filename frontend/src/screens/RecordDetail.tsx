import { useEffect, useState } from 'react';
import { api, type RecordDetail } from '../api';

/** One record: its properties and its enrollments. */
export function RecordDetailScreen({ id }: { id: number }) {
  const [data, setData] = useState<RecordDetail | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api.getRecord(id).then(setData, (e: Error) => setError(e.message));
  }, [id]);
  if (error) return <div className="screen"><div className="banner error">{error}</div></div>;
  if (!data) return <div className="screen-message">Loading…</div>;
  const r = data.record;
  return (
    <div className="screen">
      <div className="screen-head">
        <h1>{r.email || `${r.type} #${r.id}`}</h1>
        <a href="#/records">All records</a>
      </div>
      <h2>Properties</h2>
      <table className="table kv">
        <tbody>
          {Object.entries(r.properties).map(([k, v]) => <tr key={k}><th>{k}</th><td className="mono">{typeof v === 'string' ? v : JSON.stringify(v)}</td></tr>)}
        </tbody>
      </table>
      <h2>Enrollments</h2>
      {data.enrollments.length === 0 && <div className="empty">Not enrolled in any workflow.</div>}
      {data.enrollments.length > 0 && (
        <table className="table">
          <thead><tr><th>Workflow</th><th>Status</th><th>Current step</th><th>Started</th></tr></thead>
          <tbody>
            {data.enrollments.map((e) => (
              <tr key={e.id} onClick={() => (location.hash = '#/enrollments/' + e.id)}>
                <td><a href={'#/enrollments/' + e.id}>{e.workflow_id}</a></td>
                <td><span className={`pill ${e.status}`}>{e.status}</span></td>
                <td className="mono">{e.current_step || '—'}</td>
                <td>{new Date(e.created_at).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
