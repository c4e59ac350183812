import { describe, expect, it } from 'vitest';
import type { Definition, Problem } from '../api/types';
import { inEditorTerms } from './problems';

const def = {
  id: 'w', name: 'W', object: 'contact', triggers: [],
  steps: [
    { id: 'wait', type: 'delay', duration: '-1d' },
    { id: 'loop', type: 'delay', duration: '30s' },
    { id: 'mail', type: 'send_email', template: 'x' },
  ],
} as unknown as Definition;

describe('problems in the editor\'s words', () => {
  it('says a bad delay length as its field does, and leaves every other message alone', () => {
    const problems: Problem[] = [
      { step: 'wait', field: 'duration', message: 'waits less than no time. Enter a length greater than zero.' },
      { step: 'loop', field: 'duration', message: 'is inside a loop: wait at least one minute.' },
      { step: 'mail', field: 'template', message: 'names a missing template.' },
      { field: 'name', message: 'Give the workflow a name.' },
    ];
    const out = inEditorTerms(problems, def);
    expect(out[0].message).toBe('A delay must be at least 1 day.');
    expect(out[0].field).toBe('duration');
    expect(out.slice(1)).toEqual(problems.slice(1));
  });
});
