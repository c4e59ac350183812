// Picks a list by name instead of typing its id: for list steps, list triggers, list rules in
// filters and suppression lists. "New list…" creates a static list on the spot.
import { useEffect, useId, useState } from 'react';
import { api, type ListItem } from '../api';

// The lists, fetched once per page load and again after one is created here.
let listsPromise: Promise<ListItem[]> | null = null;
const listeners = new Set<(l: ListItem[]) => void>();

function loadLists(force = false): Promise<ListItem[]> {
  if (force || !listsPromise) {
    listsPromise = api.listLists().catch(() => {
      listsPromise = null;
      return [];
    });
    listsPromise.then((l) => listeners.forEach((f) => f(l)));
  }
  return listsPromise;
}

/** The lists known to the server (empty until loaded). */
export function useLists(): ListItem[] {
  const [lists, setLists] = useState<ListItem[]>([]);
  useEffect(() => {
    let live = true;
    const f = (l: ListItem[]) => live && setLists(l);
    listeners.add(f);
    loadLists().then(f);
    return () => {
      live = false;
      listeners.delete(f);
    };
  }, []);
  return lists;
}

export function ListPicker({ label, value, onChange, object, staticOnly, hint }: {
  label: string; value: string | undefined; onChange(id: string): void; object?: string; staticOnly?: boolean; hint?: string;
}) {
  const lists = useLists();
  const id = useId();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const shown = lists.filter((l) => (!object || l.object === object) && (!staticOnly || !l.filter));
  const known = lists.some((l) => l.id === value);
  const create = async () => {
    try {
      const l = await api.createList({ name, object });
      await loadLists(true);
      onChange(l.id);
      setCreating(false);
      setName('');
      setError('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(e) => (e.target.value === '\u0000new' ? setCreating(true) : onChange(e.target.value))}>
        <option value="">{shown.length ? 'Choose a list…' : 'No lists yet'}</option>
        {value && !known && <option value={value}>{value} (made when the first record joins)</option>}
        {shown.map((l) => <option key={l.id} value={l.id}>{l.name} ({l.members} {l.filter ? 'active' : 'static'})</option>)}
        <option value={'\u0000new'}>New list…</option>
      </select>
      {creating && (
        <div className="inline-form">
          <input aria-label="New list name" placeholder="Webinar attendees" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="button" className="btn" disabled={!name.trim()} onClick={create}>Create</button>
          <button type="button" className="btn ghost" onClick={() => setCreating(false)}>Cancel</button>
        </div>
      )}
      <div className="hint">
        {error && <span className="warn-text">{error} </span>}
        {hint}{' '}
        {value && known ? <a href={'#/lists/' + encodeURIComponent(value)}>Open the list</a> : <a href="#/lists">Manage lists</a>}
      </div>
    </div>
  );
}
