import { PropertyField, SelectField, TargetField } from '../../components/panel/fields';
import { useEditor, useObjectProperties } from '../../store/context';
import type { PanelProps } from '../types';
import { asList, targetType } from '../util';

export function CopyPropertyPanel({ step, update }: PanelProps) {
  const object = useEditor((s) => s.definition.object);
  const objects = useEditor((s) => s.schema?.objects ?? []);
  const properties = useObjectProperties();
  const targetProperties = useObjectProperties(targetType(step));
  return (
    <>
      <PropertyField label="Copy from" value={step.from} properties={properties} onChange={(v) => update({ from: v })} />
      <TargetField value={step.target} object={object} objects={objects} onChange={(v) => update({ target: v })} />
      <PropertyField label="Copy to" value={asList(step.to)[0]} properties={targetProperties} onChange={(v) => update({ to: v })} />
      <SelectField label="Mode" value={step.mode || 'replace'} onChange={(v) => update({ mode: v })}
        options={[{ value: 'replace', label: 'Replace the value' }, { value: 'append', label: 'Append (multi-value properties)' }]} />
    </>
  );
}
