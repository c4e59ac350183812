import { useEffect, useState } from 'react';
import { api, download, recordsExportURL, type RecordItem } from '../api';
import { ago, Empty, ErrorBanner, Spinner } from '../components/common';
import { navigate } from '../router';
import { formatDateTime } from '../lib/datetime';

const PAGE = 50;

/** A record's display name from its properties. */
export function recordName(r: Pick<RecordItem, 'properties'>): string {
  const p = r.properties ?? {};
  const name = [p.first_name, p.last_name].filter((x) => typeof x === 'string' && x).join(' ');
  if (name) return name;
  return typeof p.name === 'string' ? p.name : '';
}

/** Records: search (debounced) by text, paged by cursor. */
export function RecordsScreen() {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  // pages: the cursors of the pages seen so far ("" is the first), to go back and forth
  const [cursors, setCursors] = useState<string[]>(['']);
  const [page, setPage] = useState<{ rows: RecordItem[]; next?: string; key: string } | null>(null);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const t = setTimeout(() => {
      setQuery(q.trim());
      setCursors(['']);
    }, 250);
    return () => clearTimeout(t);
  }, [q]);

  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    let live = true;
    const ctrlKey = query + '|' + cursor;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- a fetch starts
    setLoading(true);
    api.listRecords({ q: query || undefined, cursor: cursor || undefined, limit: PAGE }).then(
      (p) => {
        if (!live) return;
        setPage({ rows: p.items, next: p.nextCursor, key: ctrlKey });
        setError('');
        setLoading(false);
      },
      (e: Error) => {
        if (!live) return;
        setError(e.message);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [query, cursor, reload]);

  const rows = page?.rows ?? null;
  const first = (cursors.length - 1) * PAGE + 1;
  return (
    <div className="screen">
      <div className="screen-head">
        <h1>Records</h1>
        <input className="search" type="search" aria-label="Search records" placeholder="Search by name, email or city" value={q} onChange={(e) => setQ(e.target.value)} autoFocus />
        <button type="button" className="btn" title="Download the records this search shows, every page, as CSV"
          onClick={() => download(recordsExportURL({ q: query || undefined }), 'records.csv').catch((e: Error) => setError(e.message))}>Export CSV</button>
      </div>
      <ErrorBanner error={error} onRetry={() => setReload((n) => n + 1)} />
      {loading && <Spinner label={cursors.length > 1 ? `Loading records ${first}–${first + PAGE - 1}…` : `Loading up to ${PAGE} records${query ? ` matching "${query}"` : ''}…`} />}
      {rows && rows.length === 0 && !loading && (
        query ? <Empty title={`No records match "${query}"`}>Try part of an email address, a name or a city.</Empty>
          : <Empty title="No records yet">Records appear when events arrive (POST /api/events), webhooks fire or workflows create them.</Empty>
      )}
      {rows && rows.length > 0 && (
        <>
          <table className="table records">
            <thead><tr><th>Email</th><th>Name</th><th>City</th><th>Type</th><th>Updated</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-record={r.id} onClick={() => navigate('#/records/' + r.id)}>
                  <td><a href={'#/records/' + r.id} onClick={(e) => e.stopPropagation()}>{r.email || `#${r.id}`}</a></td>
                  <td>{recordName(r) || <span className="sub">—</span>}</td>
                  <td>{typeof r.properties.city === 'string' ? r.properties.city : <span className="sub">—</span>}</td>
                  <td>{r.type}</td>
                  <td title={formatDateTime(r.updated_at)}>{ago(r.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            <span className="sub">Showing {first}–{first + rows.length - 1}{query ? ` matching "${query}"` : ''}</span>
            <button type="button" className="btn" disabled={cursors.length <= 1 || loading} onClick={() => setCursors((c) => c.slice(0, -1))}>Previous</button>
            <button type="button" className="btn" disabled={!page?.next || loading} onClick={() => page?.next && setCursors((c) => [...c, page.next!])}>Next</button>
          </div>
        </>
      )}
    </div>
  );
}
