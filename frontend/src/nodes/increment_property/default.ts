import type { NodeConfig } from '../types';
import { has, problems } from '../util';

export const incrementPropertyNode: NodeConfig = {
  type: 'increment_property',
  label: 'Increase or decrease',
  group: 'Properties',
  colour: '#0d9488',
  glyph: 'plusminus',
  description: 'Add to or subtract from a number property.',
  create: () => ({ type: 'increment_property', property: '', by: 1 }),
  checkValid: (s) =>
    problems(
      [has(s.property), 'Pick the number property to change.'],
      [typeof s.by === 'number' && Number.isFinite(s.by) && s.by !== 0, 'Enter a non-zero amount (negative subtracts).'],
    ),
  summary: (s) => {
    const by = s.by ?? 0;
    return `${by < 0 ? 'Decrease' : 'Increase'} ${s.property || '…'} by ${Math.abs(by)}`;
  },
};
