import { useEffect, useState } from 'react';
import { api, type EnrollmentDetail } from '../api';

/** One enrollment: why it enrolled and its history. */
export function EnrollmentDetailScreen({ id }: { id: number }) {
  const [data, setData] = useState<EnrollmentDetail | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api.getEnrollment(id).then(setData, (e: Error) => setError(e.message));
  }, [id]);
  if (error) return <div className="screen"><div className="banner error">{error}</div></div>;
  if (!data) return <div className="screen-message">Loading…</div>;
  const e = data.enrollment;
  return (
    <div className="screen">
      <div className="screen-head">
        <h1>Enrollment #{e.id}</h1>
        <span className={`pill ${e.status}`}>{e.status}</span>
      </div>
      <p>
        Record <a href={'#/records/' + e.record_id}>#{e.record_id}</a> in workflow <a href={'#/workflows/' + encodeURIComponent(e.workflow_id)}>{e.workflow_id}</a> (version {e.version}).
        {data.diagnose.summary && <> Enrolled because: {data.diagnose.summary}</>}
      </p>
      {e.error && <div className="banner error">{e.error}</div>}
      <h2>History</h2>
      <table className="table">
        <thead><tr><th>When</th><th>Step</th><th>Outcome</th><th>Detail</th></tr></thead>
        <tbody>
          {data.history.map((h) => (
            <tr key={h.id}>
              <td>{new Date(h.at).toLocaleString()}</td>
              <td className="mono">{h.step_id || '—'}</td>
              <td>{h.outcome}</td>
              <td className="mono sub">{h.detail && JSON.stringify(h.detail) !== '{}' ? JSON.stringify(h.detail) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
