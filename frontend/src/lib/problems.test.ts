import { describe, expect, it } from 'vitest';
import type { Definition, Problem } from '../api/types';
import { inEditorTerms, refusalText } from './problems';

const def = {
  id: 'w', name: 'W', object: 'contact', triggers: [],
  steps: [
    { id: 'wait', type: 'delay', duration: '-1d' },
    { id: 'loop', type: 'delay', duration: '30s' },
    { id: 'mail', type: 'send_email', template: 'x', name: 'Thank-you mail' },
  ],
} as unknown as Definition;

describe('problems in the editor\'s words', () => {
  it('says a bad delay length as its field does, and leaves every other message alone', () => {
    const problems: Problem[] = [
      { step: 'wait', field: 'duration', message: 'waits less than no time. Enter a length greater than zero.' },
      { step: 'loop', field: 'duration', message: 'is inside a loop: wait at least one minute.' },
      { step: 'mail', field: 'template', message: 'names a missing template.' },
      { step: 'mail', field: 'id', message: 'Step "mail" has the id of another step.' },
      { field: 'name', message: 'Give the workflow a name.' },
    ];
    const out = inEditorTerms(problems, def, (s) => s.name ?? s.type);
    expect(out[0].message).toBe('A delay must be at least 1 day.');
    expect(out[0].field).toBe('duration');
    expect(out.slice(1)).toEqual(problems.slice(1));
  });

  it('calls a step by its title, not its id, except in a problem about the id', () => {
    const out = inEditorTerms([
      { step: 'mail', field: 'template', message: 'Step "mail" sends the email template "x", which does not exist.' },
      { step: 'loop', field: 'duration', message: 'Step "loop" is inside a loop: wait at least one minute.' },
      { step: 'mail', field: 'id', message: 'Step "mail" has the id of another step.' },
      { step: 'gone', field: 'next', message: 'Step "gone" goes nowhere.' },
    ], def, (s) => s.name ?? 'Delay');
    expect(out.map((p) => p.message)).toEqual([
      '“Thank-you mail” sends the email template "x", which does not exist.',
      '“Delay” is inside a loop: wait at least one minute.',
      'Step "mail" has the id of another step.',
      'Step "gone" goes nowhere.',
    ]);
  });
});

describe('a refusal in a sentence', () => {
  const title = (id: string) => ({ wait: 'Wait 1 day' })[id];
  it('names the step of a message in a field\'s words, and says how many more there are', () => {
    expect(refusalText('This workflow is on: …', 'Not saved', [
      { step: 'wait', field: 'duration', message: 'A delay must be at least 1 day.' },
      { step: 'mail', field: 'to', message: '“Mail” sends to "com", which is not an email address.' },
      { step: 'mail', field: 'x', message: 'only a warning', severity: 'warning' },
    ], title)).toBe('Not saved because the workflow is on (switch it off to save a draft): “Wait 1 day”: A delay must be at least 1 day. (and 1 more problem)');
    expect(refusalText('refused', 'Not switched on', [{ step: 'mail', field: 'to', message: '“Mail” sends to "com".' }], title)).toBe('Not switched on: “Mail” sends to "com".');
    expect(refusalText('The workflow needs a name.', 'Not saved', [], title)).toBe('Not saved: The workflow needs a name.');
  });
});
