import { PropertyField, TargetField } from '../../components/panel/fields';
import { useEditor, useObjectProperties } from '../../store/context';
import type { PanelProps } from '../types';
import { targetType } from '../util';

export function ClearPropertyPanel({ step, update }: PanelProps) {
  const object = useEditor((s) => s.definition.object);
  const objects = useEditor((s) => s.schema?.objects ?? []);
  const properties = useObjectProperties(targetType(step));
  return (
    <>
      <TargetField value={step.target} object={object} objects={objects} onChange={(v) => update({ target: v })} />
      <PropertyField label="Property to clear" value={step.property} properties={properties} onChange={(v) => update({ property: v })} />
    </>
  );
}
