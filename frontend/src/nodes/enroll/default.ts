import type { NodeConfig } from '../types';
import { has, problems } from '../util';

export const enrollNode: NodeConfig = {
  type: 'enroll',
  label: 'Enroll in workflow',
  group: 'Flow',
  colour: '#4f46e5',
  glyph: 'workflow',
  description: 'Enroll the record in another workflow of the same object type.',
  create: () => ({ type: 'enroll', workflow: '' }),
  checkValid: (s) => problems([has(s.workflow), 'Pick the workflow to enroll the record in.']),
  summary: (s) => (s.workflow ? `Enroll in ${s.workflow}` : 'Enroll in …'),
};
