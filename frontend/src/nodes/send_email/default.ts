import type { NodeConfig } from '../types';
import { clip, has, problems } from '../util';

export const sendEmailNode: NodeConfig = {
  type: 'send_email',
  label: 'Send email',
  group: 'Communication',
  colour: '#2563eb',
  glyph: 'mail',
  description: 'Send a marketing email to the record.',
  create: () => ({ type: 'send_email', template: '' }),
  checkValid: (s) =>
    problems(
      [has(s.template) || (has(s.subject) && has(s.body)), 'Pick a template, or write a subject and a body.'],
      [!(has(s.template) && (has(s.subject) || has(s.body))), 'Use a template or a subject and body, not both.'],
    ),
  summary: (s) => clip(s.template ? `Email: ${s.template}` : s.subject ? `Email: ${s.subject}` : 'Email …'),
};
