import { describe, expect, it } from 'vitest';
import { amountProblem, durationFieldProblem, durationMessage } from './duration';

describe('delay lengths in the user\'s terms', () => {
  it('refuses a typed amount below 1 with the unit the user picked', () => {
    expect(amountProblem(-1, 'm')).toBe('A delay must be at least 1 minute.');
    expect(amountProblem(0, 'd')).toBe('A delay must be at least 1 day.');
    expect(amountProblem(1.5, 'h')).toMatch(/whole number of hours/);
    expect(amountProblem(2, 's')).toBeNull();
  });

  it('puts the engine\'s duration problem in other words', () => {
    expect(durationMessage('-1d')).toBe('A delay must be at least 1 day.');
    expect(durationMessage('0s')).toBe('A delay must be at least 1 second.');
    expect(durationMessage('-1d')).not.toMatch(/90s|write it like/);
    expect(durationMessage('3')).toMatch(/not a length of time/);
    expect(durationMessage('2h')).toBeNull();
  });

  it('says under the field what is wrong with the value it holds, and nothing for what the engine checks', () => {
    expect(durationFieldProblem('-1d')).toBe('A delay must be at least 1 day.');
    expect(durationFieldProblem('1.5h')).toMatch(/whole number of hours/);
    expect(durationFieldProblem('2d')).toBeNull();
    expect(durationFieldProblem('')).toMatch(/^Say how long to wait/);
    expect(durationFieldProblem('', true)).toBeNull();
    expect(durationFieldProblem(undefined, true)).toBeNull();
    expect(durationFieldProblem('1d12h')).toBeNull();
  });
});
