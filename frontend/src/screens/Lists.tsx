// The Lists screen: every list with its member count; a list's page with its members (searched),
// members over time, adding and removing members, CSV import and export.
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, download, listExportURL, type Filter, type ListDay, type ListItem, type RecordItem } from '../api';
import { ago, Dialog, Empty, ErrorBanner, Spinner, Toasts, type ToastData } from '../components/common';
import { FilterEditor } from '../components/filter/FilterEditor';
import { ImportDialog } from '../components/ImportDialog';
import { formatDateTime } from '../lib/datetime';
import { navigate } from '../router';
import { recordName } from './Records';

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The refusal of a delete, with who uses the list when the server says. */
function refusal(e: unknown): string {
  if (e instanceof ApiError) {
    const d = e.details as { used_by?: string[] } | undefined;
    if (d?.used_by?.length) return `Cannot delete: used by ${d.used_by.join(', ')}. Change them first.`;
  }
  return msg(e);
}

export function ListsScreen() {
  const [lists, setLists] = useState<ListItem[] | null>(null);
  const [error, setError] = useState('');
  const [creating, setCreating] = useState(false);
  const load = useCallback(async () => {
    try {
      setLists(await api.listLists());
      setError('');
    } catch (e) {
      setError(msg(e));
    }
  }, []);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount
    load();
  }, [load]);
  return (
    <div className="screen">
      <div className="screen-head">
        <div>
          <h1>Lists</h1>
          <div className="sub">Static lists hold who steps, imports and you put in them; active lists follow a filter.</div>
        </div>
        <div className="head-actions">
          <button type="button" className="btn primary" onClick={() => setCreating(true)}>New list</button>
        </div>
      </div>
      <ErrorBanner error={error} onRetry={load} onClose={() => setError('')} />
      {!lists && !error && <Spinner label="Loading lists…" />}
      {lists && lists.length === 0 && (
        <Empty title="No lists yet" actions={<button type="button" className="btn primary" onClick={() => setCreating(true)}>New list</button>}>
          Make a static list and import contacts from a CSV file, or an active list of the records that meet a filter.
        </Empty>
      )}
      {lists && lists.length > 0 && (
        <table className="table lists">
          <thead><tr><th>Name</th><th>Kind</th><th>Object</th><th>Members</th><th>Updated</th></tr></thead>
          <tbody>
            {lists.map((l) => (
              <tr key={l.id} data-list={l.id} onClick={() => navigate('#/lists/' + encodeURIComponent(l.id))}>
                <td><a href={'#/lists/' + encodeURIComponent(l.id)} onClick={(e) => e.stopPropagation()}>{l.name}</a> <span className="sub mono">{l.id}</span></td>
                <td>{l.filter ? 'Active' : 'Static'}</td>
                <td>{l.object}</td>
                <td data-testid="members">{l.members.toLocaleString()}</td>
                <td title={formatDateTime(l.updated_at)}>{ago(l.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && <ListDialog onClose={() => setCreating(false)} onSaved={(l) => navigate('#/lists/' + encodeURIComponent(l.id))} />}
    </div>
  );
}

/** Creates a list, or renames one and changes its filter. */
function ListDialog({ list, onClose, onSaved }: { list?: ListItem; onClose(): void; onSaved(l: ListItem): void }) {
  const [name, setName] = useState(list?.name ?? '');
  const [active, setActive] = useState(!!list?.filter);
  const [filter, setFilter] = useState<Filter | undefined>(list?.filter);
  const [object, setObject] = useState(list?.object ?? 'contact');
  const [objects, setObjects] = useState<string[]>(['contact']);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [properties, setProperties] = useState<Awaited<ReturnType<typeof api.listProperties>>>([]);
  useEffect(() => {
    api.listObjects().then((o) => setObjects(o.map((x) => x.name)), () => undefined);
  }, []);
  useEffect(() => {
    api.listProperties(object).then(setProperties, () => setProperties([]));
  }, [object]);
  const save = async () => {
    setBusy(true);
    try {
      const f = active ? filter ?? { all: [] } : undefined;
      const l = list ? await api.updateList(list.id, { name, filter: f }) : await api.createList({ name, object, filter: f });
      onSaved(l);
    } catch (e) {
      setError(msg(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={list ? `Change ${list.name}` : 'New list'} onClose={onClose}>
      <div className="field">
        <label htmlFor="list-name">Name</label>
        <input id="list-name" value={name} placeholder="Webinar attendees" onChange={(e) => setName(e.target.value)} autoFocus />
      </div>
      {!list && (
        <div className="field">
          <label htmlFor="list-object">Holds</label>
          <select id="list-object" value={object} onChange={(e) => setObject(e.target.value)}>
            {objects.map((o) => <option key={o} value={o}>{o} records</option>)}
          </select>
        </div>
      )}
      <fieldset className="field-group">
        <legend>Kind</legend>
        <label className="check"><input type="radio" name="kind" checked={!active} onChange={() => setActive(false)} /> Static: members are added and removed by steps, imports and by hand</label>
        <label className="check"><input type="radio" name="kind" checked={active} onChange={() => setActive(true)} /> Active: members are the records that meet a filter, kept as records change</label>
      </fieldset>
      {active && (
        <div className="field">
          <label>Records that meet</label>
          <FilterEditor object={object} value={filter} properties={properties} allowLists={false} onChange={setFilter} />
        </div>
      )}
      {error && <div className="form-error" role="alert">{error}</div>}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>Cancel</button>
        <button type="button" className="btn primary" disabled={busy || !name.trim()} onClick={save}>{list ? 'Save' : 'Create list'}</button>
      </div>
    </Dialog>
  );
}

const PAGE = 50;

export function ListDetailScreen({ id }: { id: string }) {
  const [list, setList] = useState<ListItem | null>(null);
  const [days, setDays] = useState<ListDay[]>([]);
  const [members, setMembers] = useState<RecordItem[] | null>(null);
  const [next, setNext] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [error, setError] = useState('');
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [toasts, setToasts] = useState<ToastData[]>([]);
  const toast = (text: string) => setToasts((ts) => [...ts, { id: Date.now() + Math.random(), text }]);

  useEffect(() => {
    const t = setTimeout(() => setQuery(q.trim()), 250);
    return () => clearTimeout(t);
  }, [q]);
  const load = useCallback(async () => {
    try {
      const [d, m] = await Promise.all([api.getList(id), api.listMembers(id, { q: query || undefined, limit: PAGE })]);
      setList(d.list);
      setDays(d.days);
      setMembers(m.items);
      setNext(m.nextCursor);
      setError('');
    } catch (e) {
      setError(msg(e));
    }
  }, [id, query]);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount and on search
    load();
  }, [load]);
  const more = async () => {
    if (!next) return;
    try {
      const m = await api.listMembers(id, { q: query || undefined, cursor: next, limit: PAGE });
      setMembers((cur) => [...(cur ?? []), ...m.items]);
      setNext(m.nextCursor);
    } catch (e) {
      setError(msg(e));
    }
  };
  const remove = async (r: RecordItem) => {
    try {
      await api.removeListMember(id, r.id);
      toast(`Removed ${r.email || '#' + r.id}`);
      await load();
    } catch (e) {
      setError(msg(e));
    }
  };
  const del = async () => {
    if (!list || !window.confirm(`Delete the list "${list.name}" and its ${list.members} memberships? The records stay.`)) return;
    try {
      await api.deleteList(id);
      navigate('#/lists');
    } catch (e) {
      setError(refusal(e));
    }
  };
  if (!list) {
    return <div className="screen"><ErrorBanner error={error} onRetry={load} />{!error && <Spinner label="Loading the list…" />}</div>;
  }
  const isStatic = !list.filter;
  return (
    <div className="screen">
      <div className="screen-head">
        <div>
          <div className="crumbs"><a href="#/lists">Lists</a></div>
          <h1>{list.name}</h1>
          <div className="sub"><span className="mono">{list.id}</span> · {isStatic ? 'Static' : 'Active'} list of {list.object} records · <strong data-testid="member-count">{list.members.toLocaleString()}</strong> members</div>
        </div>
        <div className="head-actions">
          <button type="button" className="btn" onClick={() => download(listExportURL(id, query || undefined), `${id}.csv`).catch((e) => setError(msg(e)))}>Export CSV</button>
          {isStatic && <button type="button" className="btn" onClick={() => setAdding(true)}>Add members</button>}
          {isStatic && <button type="button" className="btn primary" onClick={() => setImporting(true)}>Import CSV</button>}
          <button type="button" className="btn" onClick={() => setEditing(true)}>Edit</button>
          <button type="button" className="btn ghost warn" onClick={del}>Delete</button>
        </div>
      </div>
      <ErrorBanner error={error} onRetry={load} onClose={() => setError('')} />
      <MembersOverTime days={days} />
      <div className="filters">
        <input className="search" type="search" aria-label="Search members" placeholder="Search members by email, name or any value" value={q} onChange={(e) => setQ(e.target.value)} />
      </div>
      {members && members.length === 0 && (
        query ? <Empty title={`No members match "${query}"`} />
          : <Empty title="No members yet">{isStatic ? 'Import a CSV file, add records by hand, or let an add-to-list step put records here.' : 'No record meets the filter yet.'}</Empty>
      )}
      {members && members.length > 0 && (
        <>
          <table className="table members">
            <thead><tr><th>Email</th><th>Name</th><th>Updated</th><th><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {members.map((r) => (
                <tr key={r.id} data-member={r.email || r.id}>
                  <td><a href={'#/records/' + r.id}>{r.email || `#${r.id}`}</a></td>
                  <td>{recordName(r) || <span className="sub">—</span>}</td>
                  <td title={formatDateTime(r.updated_at)}>{ago(r.updated_at)}</td>
                  <td className="row-actions">{isStatic && <button type="button" className="btn ghost" aria-label={`Remove ${r.email || r.id}`} onClick={() => remove(r)}>Remove</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {next && <div className="pager"><button type="button" className="btn" onClick={more}>Show more</button></div>}
        </>
      )}
      {editing && <ListDialog list={list} onClose={() => setEditing(false)} onSaved={() => { setEditing(false); toast('Saved'); load(); }} />}
      {adding && <AddMembersDialog list={list} onClose={() => setAdding(false)} onAdded={(n) => { setAdding(false); toast(`Added ${n} member${n === 1 ? '' : 's'}`); load(); }} />}
      {importing && <ImportDialog list={list} onClose={() => { setImporting(false); load(); }} onProgress={load} />}
      <Toasts toasts={toasts} onDone={(tid) => setToasts((ts) => ts.filter((t) => t.id !== tid))} />
    </div>
  );
}

/** Members at the end of each day the list changed, as bars (the latest 60 days shown). */
function MembersOverTime({ days }: { days: ListDay[] }) {
  if (days.length === 0) return null;
  const shown = days.slice(-60);
  const top = Math.max(1, ...shown.map((d) => d.members));
  return (
    <figure className="members-over-time" aria-label="Members over time">
      <figcaption className="sub">Members over time</figcaption>
      <div className="bars">
        {shown.map((d) => (
          <div key={d.day} className="bar" style={{ height: `${Math.max(2, (d.members / top) * 100)}%` }}
            title={`${d.day.slice(0, 10)}: ${d.members} members (+${d.joins} −${d.leaves})`} data-testid="day" />
        ))}
      </div>
      <div className="sub bars-axis"><span>{shown[0].day.slice(0, 10)}</span><span>{shown[shown.length - 1].day.slice(0, 10)}</span></div>
    </figure>
  );
}

/** Finds records by text and adds the ticked ones. */
function AddMembersDialog({ list, onClose, onAdded }: { list: ListItem; onClose(): void; onAdded(n: number): void }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<RecordItem[]>([]);
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [error, setError] = useState('');
  useEffect(() => {
    const t = setTimeout(() => {
      api.listRecords({ type: list.object, q: q.trim() || undefined, limit: 20 }).then((p) => setFound(p.items), (e) => setError(msg(e)));
    }, 200);
    return () => clearTimeout(t);
  }, [q, list.object]);
  const add = async () => {
    try {
      const r = await api.addListMembers(list.id, [...picked]);
      onAdded(r.added);
    } catch (e) {
      setError(msg(e));
    }
  };
  return (
    <Dialog title={`Add members to ${list.name}`} onClose={onClose}>
      <input className="search" type="search" aria-label="Search records to add" placeholder="Search by email or name" value={q} onChange={(e) => setQ(e.target.value)} autoFocus />
      <div className="pick-list">
        {found.map((r) => (
          <label key={r.id} className="check">
            <input type="checkbox" checked={picked.has(r.id)} onChange={(e) => {
              const s = new Set(picked);
              if (e.target.checked) s.add(r.id);
              else s.delete(r.id);
              setPicked(s);
            }} />
            {r.email || `#${r.id}`} <span className="sub">{recordName(r)}</span>
          </label>
        ))}
        {found.length === 0 && <div className="hint">No records match.</div>}
      </div>
      {error && <div className="form-error" role="alert">{error}</div>}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>Cancel</button>
        <button type="button" className="btn primary" disabled={picked.size === 0} onClick={add}>Add {picked.size || ''}</button>
      </div>
    </Dialog>
  );
}
