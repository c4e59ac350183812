// The Properties screen: the declared properties of each object type, with their types. Create a
// property, change its label, type or options (the server converts the values, or refuses with the
// count of values that would not convert), delete one (refused, with the reason shown, while a
// workflow or webhook mapping uses it), and add custom object types.
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, type ObjectType, type Property, type PropertyType } from '../api';
import { Dialog, Empty, ErrorBanner, Spinner, Toasts, type ToastData } from '../components/common';
import { parseOptions, PROPERTY_TYPES, TYPE_LABELS } from '../lib/properties';
import { navigate } from '../router';

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The refusal of a delete or change, with who uses the property when the server says. */
function refusal(e: unknown): string {
  if (e instanceof ApiError) {
    const d = e.details as { used_by?: string[]; count?: number } | undefined;
    if (d?.used_by?.length) return `Cannot delete: used by ${d.used_by.join(', ')}. Change them first.`;
    return e.message;
  }
  return msg(e);
}

export function PropertiesScreen({ object }: { object: string }) {
  const [objects, setObjects] = useState<ObjectType[]>([]);
  const [rows, setRows] = useState<Property[] | null>(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<Property | null>(null);
  const [creating, setCreating] = useState(false);
  const [newObject, setNewObject] = useState(false);
  const [toasts, setToasts] = useState<ToastData[]>([]);
  const toast = (text: string) => setToasts((ts) => [...ts, { id: Date.now() + Math.random(), text }]);

  const load = useCallback(async () => {
    try {
      const [objs, props] = await Promise.all([api.listObjects(), api.listProperties(object)]);
      setObjects(objs);
      setRows(props);
      setError('');
    } catch (e) {
      setError(msg(e));
    }
  }, [object]);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount
    load();
  }, [load]);

  const remove = async (p: Property) => {
    try {
      await api.deleteProperty(p.object, p.name);
      toast(`Deleted ${p.name}`);
      await load();
    } catch (e) {
      setError(refusal(e));
    }
  };

  return (
    <div className="screen">
      <div className="screen-head">
        <div>
          <h1>Properties</h1>
          <div className="sub">What records hold, with a type every write is checked against.</div>
        </div>
        <div className="head-actions">
          <button type="button" className="btn" onClick={() => setNewObject(true)}>New object type</button>
          <button type="button" className="btn primary" onClick={() => setCreating(true)}>New property</button>
        </div>
      </div>
      <div className="filters">
        <div className="tabs" role="tablist" aria-label="Object type">
          {objects.map((o) => (
            <button key={o.name} type="button" role="tab" aria-selected={o.name === object} className={o.name === object ? 'on' : ''}
              onClick={() => navigate('#/properties/' + encodeURIComponent(o.name))}>{o.label || o.name}</button>
          ))}
        </div>
      </div>
      <ErrorBanner error={error} onRetry={load} onClose={() => setError('')} />
      {!rows && !error && <Spinner label="Loading properties…" />}
      {rows && rows.length === 0 && <Empty title={`No ${object} properties yet`}>Declare one, or send a record: new properties are declared by their first value.</Empty>}
      {rows && rows.length > 0 && (
        <table className="table properties">
          <thead>
            <tr><th>Name</th><th>Label</th><th>Type</th><th>Options</th><th><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.name} data-property={p.name}>
                <td className="mono">{p.name}{p.unique && <span className="pill">unique</span>}</td>
                <td>{p.label}</td>
                <td>{TYPE_LABELS[p.type] ?? p.type}</td>
                <td className="sub">{p.options?.join(', ')}</td>
                <td className="row-actions">
                  <button type="button" className="btn ghost" aria-label={`Edit ${p.name}`} onClick={() => setEditing(p)}>Edit</button>
                  <button type="button" className="btn ghost warn" aria-label={`Delete ${p.name}`} onClick={() => remove(p)}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(creating || editing) && (
        <PropertyDialog object={object} property={editing ?? undefined}
          onClose={() => { setCreating(false); setEditing(null); }}
          onSaved={(text) => { setCreating(false); setEditing(null); toast(text); load(); }} />
      )}
      {newObject && <ObjectDialog onClose={() => setNewObject(false)} onSaved={(o) => { setNewObject(false); toast(`Created ${o.label || o.name}`); navigate('#/properties/' + encodeURIComponent(o.name)); }} />}
      <Toasts toasts={toasts} onDone={(id) => setToasts((ts) => ts.filter((t) => t.id !== id))} />
    </div>
  );
}

function PropertyDialog({ object, property, onClose, onSaved }: { object: string; property?: Property; onClose(): void; onSaved(text: string): void }) {
  const [name, setName] = useState(property?.name ?? '');
  const [label, setLabel] = useState(property?.label ?? '');
  const [type, setType] = useState<PropertyType>(property?.type ?? 'string');
  const [options, setOptions] = useState((property?.options ?? []).join(', '));
  const [unique, setUnique] = useState(property?.unique ?? false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    setError('');
    const opts = type === 'enum' ? parseOptions(options) : [];
    try {
      if (property) {
        const r = await api.updateProperty(object, property.name, { label, type, options: opts, unique });
        onSaved(r.converted > 0 ? `Saved ${property.name}; converted ${r.converted} value(s)` : `Saved ${property.name}`);
      } else {
        await api.createProperty({ object, name: name.trim(), label: label.trim(), type, options: opts, unique });
        onSaved(`Created ${name.trim()}`);
      }
    } catch (e) {
      setError(refusal(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={property ? `Edit ${property.name}` : `New ${object} property`} onClose={onClose}>
      <form onSubmit={(e) => { e.preventDefault(); save(); }}>
        <div className="field">
          <label htmlFor="prop-name">Name</label>
          <input id="prop-name" className="mono" value={name} disabled={!!property} placeholder="trial_end" onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="prop-label">Label</label>
          <input id="prop-label" value={label} placeholder="Trial ends" onChange={(e) => setLabel(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="prop-type">Type</label>
          <select id="prop-type" value={type} onChange={(e) => setType(e.target.value as PropertyType)}>
            {PROPERTY_TYPES.map((t) => <option key={t} value={t}>{TYPE_LABELS[t]}</option>)}
          </select>
          {property && type !== property.type && <div className="hint">Existing values are converted; if some cannot be, nothing changes and you are told how many.</div>}
        </div>
        {type === 'enum' && (
          <div className="field">
            <label htmlFor="prop-options">Options</label>
            <input id="prop-options" value={options} placeholder="free, pro, team" onChange={(e) => setOptions(e.target.value)} />
            <div className="hint">Separate the allowed values with commas.</div>
          </div>
        )}
        {type !== 'multi' && type !== 'bool' && (
          <label className="check">
            <input type="checkbox" checked={unique} onChange={(e) => setUnique(e.target.checked)} /> No two records share a value (unique)
          </label>
        )}
        {error && <div className="error-text" role="alert">{error}</div>}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn primary" disabled={busy || (!property && !name.trim())}>{property ? 'Save' : 'Create'}</button>
        </div>
      </form>
    </Dialog>
  );
}

function ObjectDialog({ onClose, onSaved }: { onClose(): void; onSaved(o: ObjectType): void }) {
  const [name, setName] = useState('');
  const [label, setLabel] = useState('');
  const [primary, setPrimary] = useState('name');
  const [error, setError] = useState('');
  const save = async () => {
    try {
      onSaved(await api.createObject({ name: name.trim(), label: label.trim(), primary: primary.trim() }));
    } catch (e) {
      setError(msg(e));
    }
  };
  return (
    <Dialog title="New object type" onClose={onClose}>
      <form onSubmit={(e) => { e.preventDefault(); save(); }}>
        <div className="field">
          <label htmlFor="obj-name">Name</label>
          <input id="obj-name" className="mono" value={name} placeholder="invoice" onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="obj-label">Label</label>
          <input id="obj-label" value={label} placeholder="Invoice" onChange={(e) => setLabel(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="obj-primary">Primary property</label>
          <input id="obj-primary" className="mono" value={primary} onChange={(e) => setPrimary(e.target.value)} />
          <div className="hint">The property shown as a record's name; declared as text.</div>
        </div>
        {error && <div className="error-text" role="alert">{error}</div>}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn primary" disabled={!name.trim()}>Create</button>
        </div>
      </form>
    </Dialog>
  );
}
