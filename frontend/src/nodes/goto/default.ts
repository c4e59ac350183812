import type { NodeConfig } from '../types';
import { has, problems } from '../util';

export const gotoNode: NodeConfig = {
  type: 'goto',
  label: 'Go to action',
  group: 'Flow',
  colour: '#475569',
  glyph: 'jump',
  description: 'Jump to another step. A loop must contain a delay.',
  create: () => ({ type: 'goto', target: '' }),
  checkValid(s, ctx) {
    return problems(
      [has(s.target), 'Pick the step to go to.'],
      [!has(s.target) || ctx.stepIds.has(s.target!), `The step "${s.target}" does not exist.`],
      [s.target !== s.id, 'A step cannot go to itself.'],
    );
  },
  // the card shows the target by name ("Go to: Send email"); the summary cannot look it up
  summary: (s) => (s.target ? 'Jumps to another step' : 'Go to …'),
};
