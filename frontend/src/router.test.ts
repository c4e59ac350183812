import { describe, expect, it } from 'vitest';
import { hrefOf, parseHash } from './router';

describe('router', () => {
  it('parses every route and back', () => {
    for (const h of ['#/workflows', '#/workflows/webinar-follow-up', '#/records', '#/records/12', '#/enrollments/7', '#/webhooks', '#/webhooks/opt-in', '#/settings', '#/outbox', '#/tasks', '#/properties', '#/properties/invoice']) {
      expect(hrefOf(parseHash(h))).toBe(h);
    }
    expect(parseHash('')).toEqual({ name: 'workflows' });
    expect(parseHash('#/workflows/a%3Fb')).toEqual({ name: 'workflow', id: 'a?b' });
    expect(parseHash('#/nope').name).toBe('not-found');
  });

  it('parses the enrollments route with its filters', () => {
    expect(parseHash('#/workflows/w1/enrollments')).toEqual({ name: 'workflow-enrollments', id: 'w1' });
    const r = parseHash('#/workflows/w1/enrollments?status=waiting&step=wait-2h');
    expect(r).toEqual({ name: 'workflow-enrollments', id: 'w1', status: 'waiting', step: 'wait-2h' });
    expect(hrefOf(r)).toBe('#/workflows/w1/enrollments?status=waiting&step=wait-2h');
  });
});
