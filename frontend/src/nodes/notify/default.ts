import type { NodeConfig } from '../types';
import { clip, has, problems } from '../util';

export const notifyNode: NodeConfig = {
  type: 'notify',
  label: 'In-app notification',
  group: 'Communication',
  colour: '#2563eb',
  glyph: 'bell',
  description: 'Notify users of the app.',
  create: () => ({ type: 'notify', users: [], text: '' }),
  checkValid: (s) =>
    problems([(s.users ?? []).filter(has).length > 0, 'Pick at least one user to notify.'], [has(s.text), 'Write the notification.']),
  summary: (s) => clip(`Notify ${(s.users ?? []).join(', ') || '…'}${s.text ? ': ' + s.text : ''}`),
};
