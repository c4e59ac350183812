import type { NodeConfig } from '../types';
import { has, problems } from '../util';

export const createRecordNode: NodeConfig = {
  type: 'create_record',
  label: 'Create record',
  group: 'Records and tasks',
  colour: '#9333ea',
  glyph: 'fileplus',
  description: 'Create a deal, ticket or other record.',
  create: () => ({ type: 'create_record', record_type: 'deal', properties: {} }),
  checkValid: (s) =>
    problems(
      [has(s.record_type), 'Pick the type of record to create.'],
      [Object.keys(s.properties ?? {}).length > 0, 'Set at least one property of the new record.'],
    ),
  summary: (s) => `Create ${s.record_type || 'record'}${Object.keys(s.properties ?? {}).length ? ` (${Object.keys(s.properties ?? {}).length} properties)` : ''}`,
};
