import { KeyValueField, SelectField } from '../../components/panel/fields';
import { useEditor } from '../../store/context';
import type { PanelProps } from '../types';
import { show } from '../util';

export function CreateRecordPanel({ step, update }: PanelProps) {
  const objects = useEditor((s) => s.schema?.objects ?? ['contact', 'company', 'deal', 'ticket']);
  const props = Object.fromEntries(Object.entries(step.properties ?? {}).map(([k, v]) => [k, show(v)]));
  return (
    <>
      <SelectField label="Record type" value={step.record_type || undefined} options={objects.map((o) => ({ value: o, label: o }))} onChange={(v) => update({ record_type: v })} />
      <KeyValueField label="Properties" value={props} keyLabel="Property" onChange={(v) => update({ properties: v ?? {} })} />
    </>
  );
}
