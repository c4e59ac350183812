import { describe, expect, it } from 'vitest';
import { baseType, inputFor, parseInput, parseOptions, showValue } from './properties';

describe('typed property inputs', () => {
  it('picks the control by type', () => {
    expect(inputFor({ type: 'enum', options: ['free', 'pro'] })).toBe('select');
    expect(inputFor({ type: 'enum', options: [] })).toBe('text');
    expect(inputFor({ type: 'date' })).toBe('date');
    expect(inputFor({ type: 'bool' })).toBe('toggle');
    expect(inputFor({ type: 'phone' })).toBe('tel');
    expect(inputFor(undefined)).toBe('text');
  });
  it('maps refined types to their filter family', () => {
    expect(baseType('integer')).toBe('number');
    expect(baseType('datetime')).toBe('date');
    expect(baseType('email')).toBe('string');
    expect(baseType('enum')).toBe('enum');
  });
  it('converts exactly or says why not', () => {
    expect(parseInput('12,5', { type: 'number' })).toEqual({ value: 12.5 });
    expect(parseInput('abc', { type: 'number' }).error).toMatch(/not a number/);
    expect(parseInput('9223372036854775807', { type: 'integer' })).toEqual({ value: '9223372036854775807' });
    expect(parseInput('42', { type: 'integer' })).toEqual({ value: 42 });
    expect(parseInput('9223372036854775808', { type: 'integer' }).error).toMatch(/64 bits/);
    expect(parseInput('1.5', { type: 'integer' }).error).toMatch(/whole number/);
    expect(parseInput('2026-12-02', { type: 'date' })).toEqual({ value: '2026-12-02' });
    expect(parseInput('2026-02-31', { type: 'date' }).error).toBeDefined();
    expect(parseInput('31-02-2026', { type: 'date' }).error).toBeDefined();
    expect(parseInput('PRO', { type: 'enum', options: ['free', 'pro'] })).toEqual({ value: 'pro' });
    expect(parseInput('gold', { type: 'enum', options: ['free', 'pro'] }).error).toMatch(/free, pro/);
    expect(parseInput('true', { type: 'bool' })).toEqual({ value: true });
    expect(parseInput('a, b,,c', { type: 'multi' })).toEqual({ value: ['a', 'b', 'c'] });
    expect(parseInput('ann-at-example', { type: 'email' }).error).toMatch(/email/);
    expect(parseInput('{{contact.score}}', { type: 'number' })).toEqual({ value: '{{contact.score}}' });
  });
  it('shows stored values in their inputs', () => {
    expect(showValue('2026-12-02T10:00:00Z', { type: 'date' })).toBe('2026-12-02');
    expect(showValue('2026-12-02T10:00:00Z', { type: 'datetime' })).toBe('2026-12-02T10:00');
    expect(showValue(['a', 'b'], { type: 'multi' })).toBe('a, b');
  });
  it('parses enum options', () => {
    expect(parseOptions(' free, Pro ,, pro,team')).toEqual(['free', 'Pro', 'team']);
  });
});
