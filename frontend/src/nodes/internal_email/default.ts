import type { NodeConfig } from '../types';
import { asList, clip, has, problems } from '../util';

export const internalEmailNode: NodeConfig = {
  type: 'internal_email',
  label: 'Internal email',
  group: 'Communication',
  colour: '#2563eb',
  glyph: 'inbox',
  description: 'Email your team about the record.',
  create: () => ({ type: 'internal_email', to: [], subject: '', body: '' }),
  checkValid: (s) =>
    problems(
      [asList(s.to).filter(has).length > 0, 'Enter at least one recipient.'],
      [has(s.template) || (has(s.subject) && has(s.body)), 'Pick a template, or write a subject and a body.'],
    ),
  summary: (s) => clip(`Email ${asList(s.to).join(', ') || '…'}${s.subject ? ': ' + s.subject : ''}`),
};
