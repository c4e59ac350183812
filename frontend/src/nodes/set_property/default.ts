import type { NodeConfig } from '../types';
import { clip, has, problems, show, targetSuffix } from '../util';

export const setPropertyNode: NodeConfig = {
  type: 'set_property',
  label: 'Set property',
  group: 'Properties',
  colour: '#0d9488',
  glyph: 'pencil',
  description: 'Set a property of the record, or append to a multi-value property.',
  create: () => ({ type: 'set_property', property: '', value: '', mode: 'replace' }),
  checkValid: (s) =>
    problems(
      [has(s.property), 'Pick the property to set.'],
      [s.value !== undefined && s.value !== null, 'Enter the value to set.'],
      [!s.mode || s.mode === 'replace' || s.mode === 'append', 'The mode is replace or append.'],
    ),
  summary: (s) => clip(`Set ${s.property || '…'}${targetSuffix(s)}${s.mode === 'append' ? ' (append)' : ''} = ${show(s.value)}`),
};
