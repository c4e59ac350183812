import type { NodeConfig } from '../types';
import { has, problems } from '../util';

export const addToListNode: NodeConfig = {
  type: 'add_to_list',
  label: 'Add to list',
  group: 'Lists and subscriptions',
  colour: '#16a34a',
  glyph: 'listadd',
  description: 'Add the record to a static list.',
  create: () => ({ type: 'add_to_list', list: '' }),
  checkValid: (s) => problems([has(s.list), 'Enter the name of the list.']),
  summary: (s) => `Add to ${s.list || '…'}`,
};
