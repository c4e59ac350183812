import { TextField } from '../../components/panel/fields';
import type { PanelProps } from '../types';

export function RemoveFromListPanel({ step, update }: PanelProps) {
  return <TextField label="List" value={step.list} onChange={(v) => update({ list: v })} />;
}
