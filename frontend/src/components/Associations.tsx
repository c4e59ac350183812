import { useCallback, useEffect, useState } from 'react';
import { api, type Association, type RecordItem } from '../api';
import { recordName } from '../screens/Records';

/** A record's associations: the linked records with their labels, add by search, remove. */
export function AssociationsSection({ recordId }: { recordId: number }) {
  const [links, setLinks] = useState<Association[] | null>(null);
  const [associable, setAssociable] = useState<string[]>([]);
  const [error, setError] = useState('');
  const [type, setType] = useState('');
  const [q, setQ] = useState('');
  const [found, setFound] = useState<RecordItem[]>([]);
  const [pick, setPick] = useState<number | null>(null);
  const [label, setLabel] = useState('');
  const [adding, setAdding] = useState(false);
  const load = useCallback(() => {
    api.listAssociations(recordId).then((d) => {
      setLinks(d.associations);
      setAssociable(d.associable);
      setType((t) => t || d.associable[0] || '');
    }, (e: Error) => setError(e.message));
  }, [recordId]);
  useEffect(() => {
    load();
  }, [load]);
  useEffect(() => {
    if (!adding || !type) return;
    let live = true;
    const t = setTimeout(() => {
      api.listRecords({ type, q: q || undefined, limit: 20 }).then((r) => live && setFound(r.items.filter((x) => x.id !== recordId)), () => undefined);
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [adding, type, q, recordId]);
  const add = async () => {
    if (pick === null) return;
    try {
      await api.associate(recordId, pick, label);
      setError('');
      setPick(null);
      setLabel('');
      setQ('');
      setAdding(false);
      load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const remove = async (a: Association) => {
    try {
      await api.dissociate(recordId, a.record_id, a.label);
      setError('');
      load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const name = (r: RecordItem) => recordName(r) || r.email || `${r.type} #${r.id}`;
  return (
    <section data-testid="associations">
      <h2>Associations <span className="count">{links?.length ?? 0}</span></h2>
      {error && <div className="banner error" role="alert">{error}</div>}
      {links && links.length === 0 && <div className="sub">Not associated with any record.</div>}
      {links && links.length > 0 && (
        <table className="table static compact">
          <thead><tr><th>Type</th><th>Record</th><th>Label</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {links.map((a) => (
              <tr key={`${a.record_id}/${a.label}`} data-association={a.record_id}>
                <td>{a.type}</td>
                <td><a href={'#/records/' + a.record_id}>{name(a.record)}</a></td>
                <td>{a.label || <span className="sub">—</span>}</td>
                <td><button type="button" className="btn ghost small" aria-label={`Remove the association with ${name(a.record)}`} onClick={() => remove(a)}>Remove</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!adding && associable.length > 0 && <button type="button" className="btn small" onClick={() => setAdding(true)}>Associate a record…</button>}
      {adding && (
        <div className="assoc-form">
          <label>Type <select value={type} onChange={(e) => { setType(e.target.value); setPick(null); }}>{associable.map((t) => <option key={t} value={t}>{t}</option>)}</select></label>
          <label>Find <input type="search" value={q} placeholder="Name or email" onChange={(e) => setQ(e.target.value)} /></label>
          <label>Record
            <select value={pick ?? ''} onChange={(e) => setPick(e.target.value ? Number(e.target.value) : null)} data-testid="assoc-pick">
              <option value="">{found.length ? 'Choose…' : 'No matching records'}</option>
              {found.map((r) => <option key={r.id} value={r.id}>{name(r)} (#{r.id})</option>)}
            </select>
          </label>
          <label>Label <input value={label} placeholder="Optional, like Primary" onChange={(e) => setLabel(e.target.value)} /></label>
          <div className="row-actions">
            <button type="button" className="btn primary small" disabled={pick === null} onClick={add}>Associate</button>
            <button type="button" className="btn ghost small" onClick={() => setAdding(false)}>Cancel</button>
          </div>
        </div>
      )}
    </section>
  );
}
