import { describe, expect, it } from 'vitest';
import { hrefOf, parseHash } from './router';

describe('router', () => {
  it('parses every route and back', () => {
    for (const h of ['#/workflows', '#/workflows/webinar-follow-up', '#/records', '#/records/12', '#/enrollments/7', '#/webhooks', '#/webhooks/opt-in', '#/settings', '#/outbox', '#/tasks', '#/properties', '#/properties/invoice', '#/lists', '#/lists/webinar-attendees', '#/templates', '#/templates/webinar-thanks']) {
      expect(hrefOf(parseHash(h))).toBe(h);
    }
    expect(parseHash('')).toEqual({ name: 'workflows' });
    expect(parseHash('#/workflows/a%3Fb')).toEqual({ name: 'workflow', id: 'a?b' });
    expect(parseHash('#/nope').name).toBe('not-found');
  });

  it('parses the versions, performance and activity routes', () => {
    expect(parseHash('#/workflows/w1/versions?v=3&against=2')).toEqual({ name: 'workflow-versions', id: 'w1', version: 3, against: 2 });
    expect(parseHash('#/workflows/w1/versions?v=x')).toEqual({ name: 'workflow-versions', id: 'w1' });
    for (const h of ['#/workflows/w1/versions', '#/workflows/w1/versions?v=3&against=2', '#/workflows/w1/performance', '#/activity']) {
      expect(hrefOf(parseHash(h))).toBe(h);
    }
  });

  it('opens a workflow at a problem', () => {
    const r = parseHash('#/workflows/w1?at=step%3Asend-1');
    expect(r).toEqual({ name: 'workflow', id: 'w1', at: 'step:send-1' });
    expect(hrefOf(r)).toBe('#/workflows/w1?at=step%3Asend-1');
  });

  it('parses the enrollments route with its filters', () => {
    expect(parseHash('#/workflows/w1/enrollments')).toEqual({ name: 'workflow-enrollments', id: 'w1' });
    const r = parseHash('#/workflows/w1/enrollments?status=waiting&step=wait-2h');
    expect(r).toEqual({ name: 'workflow-enrollments', id: 'w1', status: 'waiting', step: 'wait-2h' });
    expect(hrefOf(r)).toBe('#/workflows/w1/enrollments?status=waiting&step=wait-2h');
  });
});
