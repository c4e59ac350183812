import { describe, expect, it } from 'vitest';
import { addAddresses } from './addresses';

describe('addAddresses', () => {
  it('adds every address typed, separated by commas, semicolons or spaces', () => {
    expect(addAddresses(['ops@acme.example'], 'sales@acme.example; ceo@acme.example ,cfo@acme.example', 20))
      .toEqual({ list: ['ops@acme.example', 'sales@acme.example', 'ceo@acme.example', 'cfo@acme.example'], rest: '' });
  });
  it('stops at an address that is not one and leaves it in the box with the reason', () => {
    const r = addAddresses([], 'ops@acme.example, sales-at-acme, ceo@acme.example', 20);
    expect(r.list).toEqual(['ops@acme.example']);
    expect(r.rest).toBe('sales-at-acme, ceo@acme.example');
    expect(r.problem).toMatch(/"sales-at-acme" is not an email address/);
  });
  it('refuses an address already listed, in any case', () => {
    const r = addAddresses(['ops@acme.example'], 'OPS@acme.example', 20);
    expect(r).toEqual({ list: ['ops@acme.example'], rest: 'OPS@acme.example', problem: 'OPS@acme.example is already in the list.' });
  });
  it('keeps to the limit', () => {
    const r = addAddresses(['a@acme.example'], 'b@acme.example c@acme.example', 2);
    expect(r.list).toEqual(['a@acme.example', 'b@acme.example']);
    expect(r.rest).toBe('c@acme.example');
    expect(r.problem).toMatch(/At most 2/);
  });
  it('adds nothing for an empty box', () => {
    expect(addAddresses(['a@acme.example'], '  , ', 2)).toEqual({ list: ['a@acme.example'], rest: '' });
  });
});
