import { describe, expect, it } from 'vitest';
import { declareDraft, formPayload, guessPropertyType, labelFromName, readPath, undeclaredProperty } from './declare';

describe('declaring a property a strict webhook refused', () => {
  it('knows the refused property only from the structured code and field', () => {
    expect(undeclaredProperty({ error_code: 'undeclared_property', error_field: 'record.properties.plan_seats' })).toBe('plan_seats');
    // a value that does not convert, on the same field, is not "undeclared"
    expect(undeclaredProperty({ error_code: 'invalid_event', error_field: 'record.properties.plan_seats' })).toBeUndefined();
    expect(undeclaredProperty({ error_code: 'mapping_failed', error_field: 'age' })).toBeUndefined();
    expect(undeclaredProperty({ error_code: 'undeclared_property', error_field: 'record.email' })).toBeUndefined();
    expect(undeclaredProperty({ error_code: 'undeclared_property', error_field: 'record.properties.' })).toBeUndefined();
    expect(undeclaredProperty({})).toBeUndefined();
  });

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

  it('makes a label from the name', () => {
    expect(labelFromName('plan_seats')).toBe('Plan seats');
    expect(labelFromName('firstName')).toBe('First name');
    expect(labelFromName('utm-source')).toBe('Utm source');
    expect(labelFromName('_x')).toBe('X');
  });

  it('reads payload paths as the listener does', () => {
    const p = { data: { contact: { email: 'a@x.io' }, items: [{ sku: 'A' }, { sku: 'B' }] }, tags: ['x', 'y'], n: null };
    expect(readPath(p, 'data.contact.email')).toBe('a@x.io');
    expect(readPath(p, 'data.items[1].sku')).toBe('B');
    expect(readPath(p, 'data.items[].sku')).toEqual(['A', 'B']);
    expect(readPath(p, 'tags[]')).toEqual(['x', 'y']);
    expect(readPath(p, 'data.customer.email | data.contact.email')).toBe('a@x.io');
    expect(readPath(p, 'n')).toBeUndefined();
    expect(readPath(p, 'data.nope')).toBeUndefined();
    expect(readPath(p, 'data.items[9].sku')).toBeUndefined();
    expect(readPath(p, 'data]x')).toBeUndefined();
  });

  it('decodes a form body with bracketed keys', () => {
    expect(formPayload('contact[email]=bo%40acme.example&contact[orgname]=Bo+BV&tags[]=a&tags[]=b&list=3')).toEqual({
      contact: { email: 'bo@acme.example', orgname: 'Bo BV' }, tags: ['a', 'b'], list: '3',
    });
  });

  it('prefills the declaration from the mapping and the request body', () => {
    const mapping = [{ path: 'email', property: 'email' }, { path: 'plan.seats', property: 'plan_seats' }];
    expect(declareDraft('contact', 'plan_seats', mapping, { body: { email: 'a@x.io', plan: { seats: 12 } } })).toEqual({
      object: 'contact', name: 'plan_seats', label: 'Plan seats', type: 'number', options: [], path: 'plan.seats', value: 12,
    });
    // a form's text: "7" is a number
    expect(declareDraft('contact', 'score', [{ path: 'contact.score', property: 'score' }], { body_raw: 'contact[score]=7' }).type).toBe('number');
    // the mapping's own type wins over the guess; an enum brings its values
    expect(declareDraft('deal', 'tier', [{ path: 't', property: 'tier', type: 'enum', values: ['free', 'pro'] }], { body: { t: 'pro' } }))
      .toMatchObject({ object: 'deal', type: 'enum', options: ['free', 'pro'] });
    // the first mapping entry whose path the body has
    expect(declareDraft('contact', 'ends', [{ path: 'a.ends', property: 'ends' }, { path: 'b.ends', property: 'ends' }], { body: { b: { ends: '2026-12-31' } } }))
      .toMatchObject({ path: 'b.ends', type: 'date', value: '2026-12-31' });
    // nothing to read: text
    expect(declareDraft('contact', 'x', [], {})).toEqual({ object: 'contact', name: 'x', label: 'X', type: 'string', options: [] });
  });
});
