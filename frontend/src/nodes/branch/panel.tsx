import { useMemo } from 'react';
import type { Branch } from '../../api/types';
import { useCatalogue } from '../../components/EventPicker';
import { FilterEditor } from '../../components/filter/FilterEditor';
import { PropertyField } from '../../components/panel/fields';
import { removeBranch as removeBranchOp } from '../../lib/definition';
import { fieldsOfTypes } from '../../lib/catalogue';
import { useEditor, useEditorStore, useObjectProperties } from '../../store/context';
import { show } from '../util';
import type { PanelProps } from '../types';
import { isValueBased } from './default';

export function BranchPanel({ step, update }: PanelProps) {
  const properties = useObjectProperties();
  const object = useEditor((s) => s.definition.object);
  const store = useEditorStore();
  // event.* in a branch is the event that enrolled the record: offer every event trigger's fields
  const typesKey = useEditor((s) => s.definition.triggers.filter((t) => t.event).map((t) => t.event!).join(' '));
  const events = useCatalogue().events;
  const eventTypes = typesKey ? typesKey.split(' ') : [];
  const eventFields = useMemo(() => fieldsOfTypes(events, typesKey.split(' ')), [events, typesKey]);
  const branches = step.branches ?? [];
  const valueBased = isValueBased(step);
  const setBranch = (i: number, patch: Partial<Branch>) => update({ branches: branches.map((b, j) => (j === i ? { ...b, ...patch } : b)) });
  const removeBranch = (i: number) => {
    const st = store.getState();
    st.commit(removeBranchOp(st.definition, step.id, i));
  };
  const addBranch = () => {
    const n = branches.length + 1;
    update({ branches: [...branches, valueBased ? { name: `Value ${n}`, value: '' } : { name: `Branch ${n}`, filter: { all: [] } }] });
  };
  return (
    <>
      <div className="segmented" role="radiogroup" aria-label="Branch type">
        <button type="button" role="radio" aria-checked={!valueBased} className={!valueBased ? 'on' : ''} onClick={() => valueBased && update({ property: undefined, branches: branches.map((b) => ({ name: b.name, filter: { all: [] }, next: b.next })) })}>
          If/then conditions
        </button>
        <button type="button" role="radio" aria-checked={valueBased} className={valueBased ? 'on' : ''} onClick={() => !valueBased && update({ property: properties[0]?.name ?? 'lifecycle', branches: branches.map((b) => ({ name: b.name, value: '', next: b.next })) })}>
          Property value
        </button>
      </div>
      {valueBased && <PropertyField label="Property" value={step.property} properties={properties} onChange={(v) => update({ property: v })} hint="Each branch matches when the property equals its value (text case-insensitively)." />}
      <div className="hint">Branches are checked in order; the record takes the first that matches, otherwise Else.</div>
      {!valueBased && eventTypes.length > 0 && <div className="hint" data-testid="branch-event-hint">Event fields are those of the event that enrolled the record ({eventTypes.join(', ')}).</div>}
      {branches.map((b, i) => (
        <div className="card-section" key={i}>
          <div className="section-head">
            <input className="branch-name" aria-label="Branch name" value={b.name} onChange={(e) => setBranch(i, { name: e.target.value })} />
            <button type="button" className="icon-btn" title="Remove branch" disabled={branches.length <= 1} onClick={() => removeBranch(i)}>×</button>
          </div>
          {valueBased ? (
            <div className="field">
              <label>Value</label>
              <input value={show(b.value)} onChange={(e) => setBranch(i, { value: e.target.value })} />
            </div>
          ) : b.expr !== undefined && b.expr !== '' ? (
            <div className="field">
              <label>Expression</label>
              <textarea className="mono" rows={2} value={b.expr} onChange={(e) => setBranch(i, { expr: e.target.value })} />
              <button type="button" className="link-btn" onClick={() => setBranch(i, { expr: undefined, filter: { all: [] } })}>Use conditions instead</button>
            </div>
          ) : (
            <FilterEditor object={object} value={b.filter} properties={properties} allowEvent eventFields={eventFields} onChange={(f) => setBranch(i, { filter: f ?? { all: [] } })} />
          )}
        </div>
      ))}
      <button type="button" className="btn" onClick={addBranch}>Add branch</button>
    </>
  );
}
