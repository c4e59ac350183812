import { describe, expect, it } from 'vitest';
import { hrefOf, parseHash } from './router';

describe('router', () => {
  it('parses every route and back', () => {
    for (const h of ['#/workflows', '#/workflows/webinar-follow-up', '#/records', '#/records/12', '#/enrollments/7']) {
      expect(hrefOf(parseHash(h))).toBe(h);
    }
    expect(parseHash('')).toEqual({ name: 'workflows' });
    expect(parseHash('#/workflows/a%3Fb')).toEqual({ name: 'workflow', id: 'a?b' });
    expect(parseHash('#/nope').name).toBe('not-found');
  });
});
