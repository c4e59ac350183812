import type { NodeConfig } from '../types';
import { clip, has, problems } from '../util';

export const rotateOwnerNode: NodeConfig = {
  type: 'rotate_owner',
  label: 'Rotate owner',
  group: 'Records and tasks',
  colour: '#9333ea',
  glyph: 'rotate',
  description: 'Assign an owner in turn from a list.',
  create: () => ({ type: 'rotate_owner', owners: [] }),
  checkValid: (s) => problems([(s.owners ?? []).filter(has).length > 0, 'Add at least one owner to rotate between.']),
  summary: (s) => clip(`Rotate between ${(s.owners ?? []).join(', ') || '…'}${s.overwrite ? ' (replace owner)' : ''}`),
};
