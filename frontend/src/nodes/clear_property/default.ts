import type { NodeConfig } from '../types';
import { has, problems, targetSuffix } from '../util';

export const clearPropertyNode: NodeConfig = {
  type: 'clear_property',
  label: 'Clear property',
  group: 'Properties',
  colour: '#0d9488',
  glyph: 'eraser',
  description: 'Remove the value of a property.',
  create: () => ({ type: 'clear_property', property: '' }),
  checkValid: (s) => problems([has(s.property), 'Pick the property to clear.']),
  summary: (s) => `Clear ${s.property || '…'}${targetSuffix(s)}`,
};
