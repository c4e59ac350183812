import { DurationField, TextField } from '../../components/panel/fields';
import type { PanelProps } from '../types';

export function CreateTaskPanel({ step, update }: PanelProps) {
  return (
    <>
      <TextField label="Title" value={step.title} placeholder="Call about the renewal" onChange={(v) => update({ title: v })} />
      <TextField label="Owner" value={step.owner} placeholder="Leave empty for the record owner" onChange={(v) => update({ owner: v })} />
      <DurationField label="Due in" optional value={step.due_in} onChange={(v) => update({ due_in: v })} />
    </>
  );
}
