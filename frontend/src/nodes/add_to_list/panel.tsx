import { TextField } from '../../components/panel/fields';
import type { PanelProps } from '../types';

export function AddToListPanel({ step, update }: PanelProps) {
  return <TextField label="List" value={step.list} placeholder="replay-needed" onChange={(v) => update({ list: v })} hint="The list is created when the first record joins." />;
}
