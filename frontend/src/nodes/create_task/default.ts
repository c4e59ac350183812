import type { NodeConfig } from '../types';
import { clip, describeDuration, has, isDuration, problems } from '../util';

export const createTaskNode: NodeConfig = {
  type: 'create_task',
  label: 'Create task',
  group: 'Records and tasks',
  colour: '#9333ea',
  glyph: 'task',
  description: 'Create a task for someone on the team.',
  create: () => ({ type: 'create_task', title: '', due_in: '1d' }),
  checkValid: (s) =>
    problems([has(s.title), 'Give the task a title.'], [!s.due_in || isDuration(s.due_in), 'Due in is a length like 2d.']),
  summary: (s) => clip(`Task: ${s.title || '…'}${s.due_in ? `, due in ${describeDuration(s.due_in)}` : ''}`),
};
