import { SelectField, TextArea, TextField } from '../../components/panel/fields';
import type { PanelProps } from '../types';
import { LEGAL_BASES } from './default';

export function SubscriptionPanel({ step, update }: PanelProps) {
  return (
    <>
      <TextField label="Subscription" value={step.subscription} placeholder="newsletter" onChange={(v) => update({ subscription: v })} />
      <SelectField label="Status" value={step.status || undefined} onChange={(v) => update({ status: v })}
        options={[{ value: 'opted_in', label: 'Opted in' }, { value: 'opted_out', label: 'Opted out' }]} />
      <SelectField label="Legal basis" value={step.legal_basis || undefined} onChange={(v) => update({ legal_basis: v })}
        options={LEGAL_BASES.map((b) => ({ value: b, label: b.replace(/_/g, ' ') }))} />
      <TextArea label="Explanation" rows={2} value={step.explanation} onChange={(v) => update({ explanation: v })} />
    </>
  );
}
