import { ListField, TextArea } from '../../components/panel/fields';
import type { PanelProps } from '../types';
import { asList } from '../util';

export function SmsPanel({ step, update }: PanelProps) {
  return (
    <>
      <ListField label="To" value={asList(step.to)} placeholder="+31612345678" onChange={(v) => update({ to: v })} />
      <TextArea label="Message" rows={3} value={step.text} onChange={(v) => update({ text: v })} hint={`${(step.text ?? '').length} characters`} />
    </>
  );
}
