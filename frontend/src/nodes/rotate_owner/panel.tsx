import { ListField, Toggle } from '../../components/panel/fields';
import type { PanelProps } from '../types';

export function RotateOwnerPanel({ step, update }: PanelProps) {
  return (
    <>
      <ListField label="Owners (in turn)" value={step.owners} placeholder="anna, bram" onChange={(v) => update({ owners: v })} />
      <Toggle label="Replace an existing owner" checked={!!step.overwrite} onChange={(v) => update({ overwrite: v || undefined })} />
    </>
  );
}
