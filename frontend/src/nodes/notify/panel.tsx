import { ListField, TextArea } from '../../components/panel/fields';
import type { PanelProps } from '../types';

export function NotifyPanel({ step, update }: PanelProps) {
  return (
    <>
      <ListField label="Users" value={step.users} placeholder="anna, bram" onChange={(v) => update({ users: v })} />
      <TextArea label="Notification" rows={3} value={step.text} onChange={(v) => update({ text: v })} />
    </>
  );
}
