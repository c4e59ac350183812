import { describe, expect, it } from 'vitest';
import { previewWithoutValues, tokensOf, tokensWithoutDefault } from './tokens';

describe('tokens', () => {
  it('reads paths and defaults', () => {
    expect(tokensOf('Hi {{contact.first_name | default "there"}}, {{ event.title }}')).toEqual([
      { raw: '{{contact.first_name | default "there"}}', path: 'contact.first_name', fallback: 'there' },
      { raw: '{{ event.title }}', path: 'event.title' },
    ]);
  });

  it('warns about tokens that can be missing and have no default', () => {
    const w = tokensWithoutDefault('Hi {{contact.first_name}},', 'Dear {{contact.first_name}} from {{workflow.name}}, {{record.city | default "your city"}}');
    expect(w.map((t) => t.path)).toEqual(['contact.first_name']);
    expect(tokensWithoutDefault('Hi {{contact.first_name | default "there"}}')).toEqual([]);
  });

  it('previews what a record without the values gets', () => {
    expect(previewWithoutValues('Hi {{contact.first_name}},')).toBe('Hi ,');
    expect(previewWithoutValues('Hi {{contact.first_name | default "there"}},')).toBe('Hi there,');
  });
});
