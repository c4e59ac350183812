import type { NodeConfig } from '../types';
import { asList, clip, has, problems } from '../util';

export const smsNode: NodeConfig = {
  type: 'sms',
  label: 'Send SMS',
  group: 'Communication',
  colour: '#2563eb',
  glyph: 'sms',
  description: 'Send a text message.',
  create: () => ({ type: 'sms', to: [], text: '' }),
  checkValid: (s) =>
    problems([asList(s.to).filter(has).length > 0, 'Enter the phone number to text.'], [has(s.text), 'Write the message.']),
  summary: (s) => clip(`SMS ${asList(s.to).join(', ') || '…'}${s.text ? ': ' + s.text : ''}`),
};
