import { describe, expect, it } from 'vitest';
import { afterProperties, recordName, showValue } from './simulate-after';

describe('afterProperties', () => {
  it('marks changed and new properties and lists them first', () => {
    const rows = afterProperties({ industry: 'software', segment: 'smb', size: 10 }, { industry: 'software', segment: 'tech', size: 10, owner: 'ann' });
    expect(rows.map((r) => [r.key, r.changed])).toEqual([['owner', true], ['segment', true], ['industry', false], ['size', false]]);
    expect(rows[1].before).toBe('smb');
    expect('before' in rows[0]).toBe(false);
  });
  it('compares values, not references', () => {
    expect(afterProperties({ tags: ['a'] }, { tags: ['a'] })[0].changed).toBe(false);
    expect(afterProperties({ n: 1 }, { n: '1' })[0].changed).toBe(true);
  });
  it('marks nothing when the values before are unknown', () => {
    expect(afterProperties(undefined, { a: 1 })).toEqual([{ key: 'a', value: 1, changed: false }]);
  });
});

describe('recordName', () => {
  it('names a record by name, domain, email or full name, else by id', () => {
    expect(recordName(3, { name: 'Acme', domain: 'acme.io' })).toBe('Acme');
    expect(recordName(3, { domain: 'acme.io' })).toBe('acme.io');
    expect(recordName(3, { first_name: 'Ann', last_name: 'Lee' })).toBe('Ann Lee');
    expect(recordName(3, { name: '' })).toBe('#3');
  });
});

describe('showValue', () => {
  it('shows empty, text and JSON values', () => {
    expect(showValue(null)).toBe('(empty)');
    expect(showValue('x')).toBe('x');
    expect(showValue(2)).toBe('2');
  });
});
