import { matchRoutes } from 'react-router';
import { describe, expect, it } from 'vitest';
import { hrefOf, type Route } from './router';
import { routes, sectionOf } from './routes';

/** The route React Router picks for a URL ("#/…"): its id, path parameters and query. */
function resolve(href: string) {
  const url = new URL(href.replace(/^#/, ''), 'http://x');
  const m = matchRoutes(routes, url.pathname);
  const last = m?.[m.length - 1];
  return { id: last?.route.id, params: last?.params ?? {}, query: Object.fromEntries(url.searchParams) };
}

describe('router', () => {
  it('keeps every URL of the earlier hash router', () => {
    const cases: [string, string, Record<string, string>][] = [
      ['#/workflows', 'workflows', {}],
      ['#/workflows/webinar-follow-up', 'workflow', { id: 'webinar-follow-up' }],
      ['#/workflows/a%3Fb', 'workflow', { id: 'a?b' }],
      ['#/workflows/w1/enrollments', 'workflow-enrollments', { id: 'w1' }],
      ['#/workflows/w1/versions', 'workflow-versions', { id: 'w1' }],
      ['#/workflows/w1/performance', 'workflow-performance', { id: 'w1' }],
      ['#/activity', 'activity', {}],
      ['#/records', 'records', {}],
      ['#/records/12', 'record', { id: '12' }],
      ['#/enrollments/7', 'enrollment', { id: '7' }],
      ['#/webhooks', 'webhooks', {}],
      ['#/webhooks/opt-in', 'webhook', { id: 'opt-in' }],
      ['#/settings', 'settings', {}],
      ['#/outbox', 'outbox', {}],
      ['#/tasks', 'tasks', {}],
      ['#/trash', 'trash', {}],
      ['#/properties', 'properties', {}],
      ['#/properties/invoice', 'properties', { object: 'invoice' }],
      ['#/lists', 'lists', {}],
      ['#/lists/webinar-attendees', 'list', { id: 'webinar-attendees' }],
      ['#/templates', 'templates', {}],
      ['#/templates/webinar-thanks', 'template', { name: 'webinar-thanks' }],
      ['', 'workflows-index', {}],
      ['#/', 'workflows-index', {}],
      ['#/nope', 'not-found', {}],
      ['#/workflows/w1/nope', 'not-found', {}],
    ];
    for (const [href, id, params] of cases) {
      const r = resolve(href || '#/');
      expect({ href, id: r.id }).toEqual({ href, id });
      for (const [k, v] of Object.entries(params)) expect(r.params[k]).toBe(v);
    }
  });

  it('builds URLs the route tree resolves back to the same route', () => {
    const all: Route[] = [
      { name: 'workflows' }, { name: 'workflow', id: 'a?b/c' }, { name: 'workflow', id: 'w1', at: 'step:send-1' },
      { name: 'workflow-enrollments', id: 'w1', status: 'waiting', step: 'wait-2h' }, { name: 'workflow-versions', id: 'w1', version: 3, against: 2 },
      { name: 'workflow-performance', id: 'w1' }, { name: 'activity' }, { name: 'records' }, { name: 'record', id: 12 }, { name: 'enrollment', id: 7 },
      { name: 'webhooks' }, { name: 'webhook', id: 'opt in' }, { name: 'settings' }, { name: 'outbox' }, { name: 'tasks' }, { name: 'trash' },
      { name: 'properties' }, { name: 'properties', object: 'invoice' }, { name: 'lists' }, { name: 'list', id: 'l1' }, { name: 'templates' }, { name: 'template', template: 'webinar thanks' },
    ];
    for (const r of all) {
      const got = resolve(hrefOf(r));
      expect({ r, id: got.id }).toEqual({ r, id: r.name });
      if ('id' in r) expect(got.params.id).toBe(String(r.id));
    }
    expect(hrefOf({ name: 'workflow', id: 'w1', at: 'step:send-1' })).toBe('#/workflows/w1?at=step%3Asend-1');
    expect(hrefOf({ name: 'workflow-enrollments', id: 'w1', status: 'waiting', step: 'wait-2h' })).toBe('#/workflows/w1/enrollments?status=waiting&step=wait-2h');
    expect(hrefOf({ name: 'workflow-versions', id: 'w1', version: 3, against: 2 })).toBe('#/workflows/w1/versions?v=3&against=2');
    expect(resolve(hrefOf({ name: 'workflow-versions', id: 'w1', version: 3, against: 2 })).query).toEqual({ v: '3', against: '2' });
  });

  it('puts an enrollment in the top bar section it was opened from', () => {
    const section = (href: string) => {
      const r = resolve(href);
      return sectionOf(r.id ?? '', new URLSearchParams(r.query));
    };
    expect(hrefOf({ name: 'enrollment', id: 7, from: 'activity' })).toBe('#/enrollments/7?from=activity');
    expect(section(hrefOf({ name: 'enrollment', id: 7, from: 'activity' }))).toBe('activity');
    expect(section(hrefOf({ name: 'enrollment', id: 7, from: 'record' }))).toBe('records');
    // From its workflow's list, a delivery log or an old bookmark: its workflow's section.
    expect(section(hrefOf({ name: 'enrollment', id: 7 }))).toBe('workflows');
    expect(section('#/enrollments/7?from=elsewhere')).toBe('workflows');
    expect(section('#/activity')).toBe('activity');
  });
});
