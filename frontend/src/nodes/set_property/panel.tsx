import { PropertyField, SelectField } from '../../components/panel/fields';
import { propertyType } from '../../components/filter/model';
import { useObjectProperties } from '../../store/context';
import type { PanelProps } from '../types';
import { show } from '../util';

export function SetPropertyPanel({ step, update }: PanelProps) {
  const properties = useObjectProperties();
  const type = propertyType(properties, step.property ?? '');
  const setValue = (raw: string) => {
    if (type === 'number') update({ value: raw === '' ? '' : Number(raw) });
    else if (type === 'bool') update({ value: raw === 'true' });
    else if (type === 'multi') update({ value: raw.split(',').map((x) => x.trim()).filter(Boolean) });
    else update({ value: raw });
  };
  return (
    <>
      <PropertyField label="Property" value={step.property} properties={properties} onChange={(v) => update({ property: v })} />
      <div className="field">
        <label htmlFor="sp-value">Value{type ? ` (${type})` : ''}</label>
        {type === 'bool' ? (
          <select id="sp-value" value={String(step.value === true)} onChange={(e) => setValue(e.target.value)}>
            <option value="true">yes</option>
            <option value="false">no</option>
          </select>
        ) : (
          <input id="sp-value" type={type === 'number' ? 'number' : type === 'date' ? 'date' : 'text'} value={show(step.value)} onChange={(e) => setValue(e.target.value)} />
        )}
        {type === 'multi' && <div className="hint">Separate several values with commas.</div>}
      </div>
      <SelectField label="Mode" value={step.mode || 'replace'} onChange={(v) => update({ mode: v })}
        options={[{ value: 'replace', label: 'Replace the value' }, { value: 'append', label: 'Append (multi-value properties)' }]} />
    </>
  );
}
