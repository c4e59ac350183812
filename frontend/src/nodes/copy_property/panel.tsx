import { PropertyField, SelectField } from '../../components/panel/fields';
import { useObjectProperties } from '../../store/context';
import type { PanelProps } from '../types';
import { asList } from '../util';

export function CopyPropertyPanel({ step, update }: PanelProps) {
  const properties = useObjectProperties();
  return (
    <>
      <PropertyField label="Copy from" value={step.from} properties={properties} onChange={(v) => update({ from: v })} />
      <PropertyField label="Copy to" value={asList(step.to)[0]} properties={properties} onChange={(v) => update({ to: v })} />
      <SelectField label="Mode" value={step.mode || 'replace'} onChange={(v) => update({ mode: v })}
        options={[{ value: 'replace', label: 'Replace the value' }, { value: 'append', label: 'Append (multi-value properties)' }]} />
    </>
  );
}
