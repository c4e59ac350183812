import { NumberField, PropertyField } from '../../components/panel/fields';
import { useObjectProperties } from '../../store/context';
import type { PanelProps } from '../types';

export function IncrementPropertyPanel({ step, update }: PanelProps) {
  const properties = useObjectProperties();
  return (
    <>
      <PropertyField label="Number property" value={step.property} properties={properties} filterType={(p) => p.type === 'number' || p.type === 'integer'} onChange={(v) => update({ property: v })} />
      <NumberField label="Change by" value={step.by} step={1} onChange={(v) => update({ by: v })} hint="A negative amount subtracts." />
    </>
  );
}
