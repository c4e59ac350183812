import { ListPicker } from '../../components/ListPicker';
import { useEditor } from '../../store/context';
import type { PanelProps } from '../types';

export function RemoveFromListPanel({ step, update }: PanelProps) {
  const object = useEditor((s) => s.definition.object);
  return <ListPicker label="List" value={step.list} object={object} staticOnly onChange={(v) => update({ list: v })} />;
}
