import { describe, expect, it } from 'vitest';
import { declareDraft, labelFromName, undeclaredProperty } from './declare';

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

  it('makes a label from the name', () => {
    expect(labelFromName('plan_seats')).toBe('Plan seats');
    expect(labelFromName('firstName')).toBe('First name');
    expect(labelFromName('utm-source')).toBe('Utm source');
    expect(labelFromName('_x')).toBe('X');
  });

  it('prefills the declaration from the logged path and value and the mapping', () => {
    const mapping = [{ path: 'email', property: 'email' }, { path: 'plan.seats', property: 'plan_seats' }];
    expect(declareDraft('contact', 'plan_seats', mapping, { body: { email: 'a@x.io', plan: { seats: 12 } }, error_path: 'plan.seats', error_value: 12 })).toEqual({
      object: 'contact', name: 'plan_seats', label: 'Plan seats', type: 'number', options: [], path: 'plan.seats', value: 12,
    });
    // a form's text: "7" is a number; in a JSON body "7" stays text
    expect(declareDraft('contact', 'score', [{ path: 'contact.score', property: 'score' }], { body_raw: 'contact[score]=7', error_path: 'contact.score', error_value: '7' }).type).toBe('number');
    expect(declareDraft('contact', 'score', [{ path: 'score', property: 'score' }], { body: { score: '7' }, error_path: 'score', error_value: '7' }).type).toBe('string');
    // the mapping's own type wins over the guess; an enum brings its values
    expect(declareDraft('deal', 'tier', [{ path: 't', property: 'tier', type: 'enum', values: ['free', 'pro'] }], { body: { t: 'pro' }, error_path: 't', error_value: 'pro' }))
      .toMatchObject({ object: 'deal', type: 'enum', options: ['free', 'pro'] });
    // of two mapping entries for one property, the one the listener read: its type counts
    expect(declareDraft('contact', 'ends', [{ path: 'a.ends', property: 'ends', type: 'datetime' }, { path: 'b.ends', property: 'ends' }], { error_path: 'b.ends', error_value: '2026-12-31' }))
      .toMatchObject({ path: 'b.ends', type: 'date', value: '2026-12-31' });
    // a line logged before the path was kept: the mapping's path, and text
    expect(declareDraft('contact', 'ends', [{ path: 'a.ends', property: 'ends' }], { body: { a: { ends: '2026-12-31' } } }))
      .toEqual({ object: 'contact', name: 'ends', label: 'Ends', type: 'string', options: [], path: 'a.ends' });
    // nothing to read: text
    expect(declareDraft('contact', 'x', [], {})).toEqual({ object: 'contact', name: 'x', label: 'X', type: 'string', options: [] });
  });
});
