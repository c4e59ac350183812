import { describe, expect, it } from 'vitest';
import { cleanMapping, flattenPayload, formatSample, guessPropertyType, setMapping, suggestProperty, suggestType } from './payload';

const sio = {
  type: 'contact.optin.completed',
  data: {
    contact: { id: 401, email: 'a@x.nl', unsubscribed: false, fields: { first_name: 'Anna', company_name: null }, tags: [{ id: 1, name: 'news' }] },
    funnel: { id: 3 },
  },
  list: ['a', 'b'],
  empty: [],
  'odd.key': 1,
  created_at: '2026-03-12T10:00:00+00:00',
};

describe('flattenPayload', () => {
  it('gives every leaf path with its type and sample', () => {
    const paths = flattenPayload(sio);
    const by = Object.fromEntries(paths.map((p) => [p.path, p]));
    expect(by['type']).toEqual({ path: 'type', type: 'string', sample: 'contact.optin.completed' });
    expect(by['data.contact.email'].sample).toBe('a@x.nl');
    expect(by['data.contact.id'].type).toBe('number');
    expect(by['data.contact.unsubscribed'].type).toBe('bool');
    expect(by['data.contact.fields.company_name'].type).toBe('null');
    expect(by['data.contact.tags[].name']).toEqual({ path: 'data.contact.tags[].name', type: 'list', sample: 'news' });
    expect(by['list[]']).toEqual({ path: 'list[]', type: 'list', sample: ['a', 'b'] });
    expect(by['empty[]'].type).toBe('list');
    expect(by['odd.key']).toBeUndefined();
    expect(paths.map((p) => p.path)).not.toContain('data');
  });
  it('stops at max paths and ignores scalars at the root', () => {
    expect(flattenPayload(Object.fromEntries(Array.from({ length: 50 }, (_, i) => ['k' + i, i])), 10)).toHaveLength(10);
    expect(flattenPayload('x')).toEqual([]);
    expect(flattenPayload(null)).toEqual([]);
  });
});

describe('suggestType / suggestProperty / formatSample', () => {
  it('guesses the type from the value', () => {
    expect(guessPropertyType(12)).toBe('number');
    expect(guessPropertyType(12.5)).toBe('number');
    expect(guessPropertyType(true)).toBe('bool');
    expect(guessPropertyType(false)).toBe('bool');
    expect(guessPropertyType('2026-12-03')).toBe('date');
    expect(guessPropertyType('2026-12-03T09:30:00Z')).toBe('datetime');
    expect(guessPropertyType('2026-12-03 09:30')).toBe('datetime');
    expect(guessPropertyType('2026-12-03T09:30:00.123+01:00')).toBe('datetime');
    expect(guessPropertyType('2026-13-45')).toBe('string');
    expect(guessPropertyType('03-12-2026')).toBe('string');
    expect(guessPropertyType('Acme BV')).toBe('string');
    expect(guessPropertyType(['a', 'b'])).toBe('multi');
    expect(guessPropertyType(null)).toBe('string');
    expect(guessPropertyType({ a: 1 })).toBe('string');
    // JSON text stays text; a form field is always text, so its numbers and true/false count
    expect(guessPropertyType('42')).toBe('string');
    expect(guessPropertyType('42', { text: true })).toBe('number');
    expect(guessPropertyType('-3.5', { text: true })).toBe('number');
    expect(guessPropertyType('true', { text: true })).toBe('bool');
    expect(guessPropertyType('42abc', { text: true })).toBe('string');
    expect(guessPropertyType('', { text: true })).toBe('string');
  });
  it('suggests a mapping type from the sample', () => {
    expect(suggestType({ path: 'tags[]', type: 'list', sample: [] })).toBe('multi');
    expect(suggestType({ path: 'a', type: 'number', sample: 1 })).toBe('number');
    expect(suggestType({ path: 'a', type: 'bool', sample: true })).toBe('bool');
    expect(suggestType({ path: 'a', type: 'string', sample: '2026-03-12' })).toBe('date');
    expect(suggestType({ path: 'a', type: 'string', sample: '2026-03-12T10:00:00+00:00' })).toBe('datetime');
    expect(suggestType({ path: 'items[].sku', type: 'list', sample: 'A1' })).toBe('multi');
    expect(suggestType({ path: 'a', type: 'string', sample: 'Anna' })).toBe('string');
  });
  it('suggests a property from the last segment', () => {
    expect(suggestProperty('data.contact.fields.first_name')).toBe('first_name');
    expect(suggestProperty('data.contact.tags[].name')).toBe('name');
    expect(suggestProperty('subscriber.watchPct')).toBe('watch_pct');
    expect(suggestProperty('items[0]')).toBe('items');
  });
  it('formats samples on one line', () => {
    expect(formatSample('Anna')).toBe('"Anna"');
    expect(formatSample(null)).toBe('null');
    expect(formatSample([1, 2])).toBe('[1,2]');
    expect(formatSample('x'.repeat(100), 10)).toHaveLength(10);
  });
});

describe('setMapping / cleanMapping', () => {
  it('adds, updates and removes the mapping of a path', () => {
    let m = setMapping([], 'a.email', { property: 'email' });
    m = setMapping(m, 'a.age', { property: 'age', type: 'number' });
    m = setMapping(m, 'a.email', { required: true });
    expect(m).toEqual([{ path: 'a.email', property: 'email', required: true }, { path: 'a.age', property: 'age', type: 'number' }]);
    expect(setMapping(m, 'a.email', null)).toEqual([{ path: 'a.age', property: 'age', type: 'number' }]);
    expect(setMapping(m, 'zzz', null)).toBe(m);
  });
  it('drops rows without a property and the default type', () => {
    expect(cleanMapping([
      { path: 'a', property: '' },
      { path: ' b ', property: ' b ', type: 'string' },
      { path: 'c', property: 'c', type: 'enum', values: ['x'] },
      { path: 'd', property: 'd', type: 'number', values: ['ignored'] },
    ])).toEqual([{ path: 'b', property: 'b' }, { path: 'c', property: 'c', type: 'enum', values: ['x'] }, { path: 'd', property: 'd', type: 'number' }]);
  });
});
