import { PropertyField } from '../../components/panel/fields';
import { useObjectProperties } from '../../store/context';
import type { PanelProps } from '../types';

export function ClearPropertyPanel({ step, update }: PanelProps) {
  const properties = useObjectProperties();
  return <PropertyField label="Property to clear" value={step.property} properties={properties} onChange={(v) => update({ property: v })} />;
}
