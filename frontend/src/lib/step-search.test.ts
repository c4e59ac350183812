import { describe, expect, it } from 'vitest';
import type { Step } from '../api/types';
import { findSteps } from './step-search';

const steps = [
  { id: 'wait-1', type: 'delay', duration: '1d' },
  { id: 'mail-2', type: 'send_email', name: 'Replay mail' },
  { id: 'mail-1', type: 'send_email', name: 'Thank-you mail' },
  { id: 'tag', type: 'add_to_list', name: 'Mail list' },
] as Step[];
const title = (s: Step) => s.name ?? 'Wait 1 day';
const kind = (s: Step) => ({ delay: 'Delay', send_email: 'Send email', add_to_list: 'Add to list' })[s.type as string] ?? s.type;

describe('finding a step', () => {
  it('finds by title, kind or id, a title starting with the words first', () => {
    expect(findSteps(steps, 'mail', title, kind).map((h) => h.id)).toEqual(['tag', 'mail-2', 'mail-1']);
    expect(findSteps(steps, 'delay', title, kind).map((h) => h.id)).toEqual(['wait-1']);
    expect(findSteps(steps, 'WAIT-1', title, kind).map((h) => h.title)).toEqual(['Wait 1 day']);
    expect(findSteps(steps, 'send thank', title, kind).map((h) => h.id)).toEqual(['mail-1']);
  });
  it('finds nothing for an empty query or words nothing has, and stops at the limit', () => {
    expect(findSteps(steps, '  ', title, kind)).toEqual([]);
    expect(findSteps(steps, 'mail sms', title, kind)).toEqual([]);
    expect(findSteps(steps, 'a', title, kind, 2)).toHaveLength(2);
  });
});
