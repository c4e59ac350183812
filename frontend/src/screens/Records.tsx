import { useEffect, useState } from 'react';
import { api, type RecordItem } from '../api';

/** Records: search by text and list the matches. */
export function RecordsScreen() {
  const [q, setQ] = useState('');
  const [rows, setRows] = useState<RecordItem[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    const t = setTimeout(() => api.listRecords({ q }).then((p) => setRows(p.items), (e: Error) => setError(e.message)), 250);
    return () => clearTimeout(t);
  }, [q]);
  return (
    <div className="screen">
      <div className="screen-head">
        <h1>Records</h1>
        <input className="search" placeholder="Search by name or email" value={q} onChange={(e) => setQ(e.target.value)} />
      </div>
      {error && <div className="banner error">{error}</div>}
      {rows && rows.length === 0 && <div className="empty">No records match.</div>}
      {rows && rows.length > 0 && (
        <table className="table">
          <thead><tr><th>Email</th><th>Type</th><th>Properties</th><th>Updated</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} onClick={() => (location.hash = '#/records/' + r.id)}>
                <td><a href={'#/records/' + r.id}>{r.email || `#${r.id}`}</a></td>
                <td>{r.type}</td>
                <td className="sub">{Object.keys(r.properties).length}</td>
                <td>{new Date(r.updated_at).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
