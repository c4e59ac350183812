import type { NodeConfig } from '../types';
import { asList, has, problems, targetSuffix } from '../util';

export const copyPropertyNode: NodeConfig = {
  type: 'copy_property',
  label: 'Copy property',
  group: 'Properties',
  colour: '#0d9488',
  glyph: 'copy',
  description: 'Copy one property value into another property.',
  create: () => ({ type: 'copy_property', from: '', to: '', mode: 'replace' }),
  checkValid: (s) =>
    problems(
      [has(s.from), 'Pick the property to copy from.'],
      [asList(s.to).filter(has).length === 1, 'Pick exactly one property to copy to.'],
      [s.from !== asList(s.to)[0], 'Copy to a different property.'],
    ),
  summary: (s) => `Copy ${s.from || '…'} to ${asList(s.to)[0] || '…'}${targetSuffix(s)}`,
};
