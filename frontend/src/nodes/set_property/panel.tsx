import { useState } from 'react';
import { PropertyField, SelectField, TargetField } from '../../components/panel/fields';
import { useEditor, useObjectProperties } from '../../store/context';
import { targetType } from '../util';
import { inputFor, parseInput, showValue, TYPE_LABELS } from '../../lib/properties';
import type { PanelProps } from '../types';

export function SetPropertyPanel({ step, update }: PanelProps) {
  const object = useEditor((s) => s.definition.object);
  const objects = useEditor((s) => s.schema?.objects ?? []);
  const properties = useObjectProperties(targetType(step));
  const bare = (step.property ?? '').replace(/^record\./, '');
  const prop = properties.find((p) => p.name === bare);
  const kind = inputFor(prop);
  const [draft, setDraft] = useState<{ text: string; error?: string } | null>(null);
  const text = draft?.text ?? showValue(step.value, prop);
  const setValue = (raw: string) => {
    const r = parseInput(raw, prop);
    setDraft({ text: raw, error: r.error });
    if (r.error === undefined) update({ value: r.value });
  };
  const htmlType = kind === 'number' ? 'number' : kind === 'date' ? 'date' : kind === 'datetime' ? 'datetime-local' : kind === 'email' ? 'email' : kind === 'tel' ? 'tel' : kind === 'url' ? 'url' : 'text';
  return (
    <>
      <TargetField value={step.target} object={object} objects={objects} onChange={(v) => update({ target: v })} />
      <PropertyField label="Property" value={step.property} properties={properties} onChange={(v) => { setDraft(null); update({ property: v }); }}
        hint={bare && !prop && !bare.includes('.') && properties.length > 0
          ? <span data-testid="new-property">“{bare}” is not a property of these records yet: the first run adds it, typed by its first value. To pick its type, declare it under Properties.</span>
          : undefined} />
      <div className="field">
        <label htmlFor="sp-value">Value{prop ? ` (${TYPE_LABELS[prop.type]})` : ''}</label>
        {kind === 'toggle' ? (
          <label className="toggle">
            <input id="sp-value" type="checkbox" role="switch" checked={step.value === true} onChange={(e) => update({ value: e.target.checked })} />
            {step.value === true ? 'yes' : 'no'}
          </label>
        ) : kind === 'select' ? (
          <select id="sp-value" value={typeof step.value === 'string' ? step.value : ''} onChange={(e) => update({ value: e.target.value })}>
            <option value="">choose…</option>
            {typeof step.value === 'string' && step.value !== '' && !prop?.options?.includes(step.value) && <option value={step.value}>{step.value} (not an option)</option>}
            {prop?.options?.map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
        ) : (
          <input id="sp-value" type={htmlType} value={text} aria-invalid={draft?.error ? true : undefined} onChange={(e) => setValue(e.target.value)} />
        )}
        {draft?.error && <div className="hint error" role="alert">{draft.error}</div>}
        {kind === 'list' && <div className="hint">Separate several values with commas.</div>}
      </div>
      <SelectField label="Mode" value={step.mode || 'replace'} onChange={(v) => update({ mode: v })}
        options={[{ value: 'replace', label: 'Replace the value' }, { value: 'append', label: 'Append (multi-value properties)' }]} />
    </>
  );
}
