import type { NodeConfig } from '../types';
import { has, problems } from '../util';

export const removeFromListNode: NodeConfig = {
  type: 'remove_from_list',
  label: 'Remove from list',
  group: 'Lists and subscriptions',
  colour: '#16a34a',
  glyph: 'listremove',
  description: 'Remove the record from a static list.',
  create: () => ({ type: 'remove_from_list', list: '' }),
  checkValid: (s) => problems([has(s.list), 'Enter the name of the list.']),
  summary: (s) => `Remove from ${s.list || '…'}`,
};
