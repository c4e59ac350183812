import { describe, expect, it } from 'vitest';
import type { Stats, WorkflowSummary } from '../api/types';
import { allTags, parseTags, viewRows, workflowChoices } from './workflow-list';

const w = (id: string, name: string, updated: string, tags: string[] = []): WorkflowSummary => ({ id, name, object: 'contact', enabled: false, revision: 1, tags, updated_at: updated, problems: 0, warnings: 0 });
const rows = [w('b', 'beta', '2026-03-02T10:00:00Z', ['Webinar']), w('a', 'Alpha', '2026-03-01T10:00:00Z', ['onboarding', 'Webinar']), w('c', 'Gamma', '2026-03-03T10:00:00Z')];
const st = (n: number) => ({ enrollments: { active: n, completed: 1 }, steps: {} }) as unknown as Stats;
const stats = { a: st(1), b: st(9), c: st(0) };
const ids = (r: WorkflowSummary[]) => r.map((x) => x.id);

describe('workflow list view', () => {
  it('sorts by name, last updated or enrollments', () => {
    expect(ids(viewRows(rows, stats, { q: '', tag: '', sort: 'name' }))).toEqual(['a', 'b', 'c']);
    expect(ids(viewRows(rows, stats, { q: '', tag: '', sort: 'updated' }))).toEqual(['c', 'b', 'a']);
    expect(ids(viewRows(rows, stats, { q: '', tag: '', sort: 'enrollments' }))).toEqual(['b', 'a', 'c']);
  });
  it('searches names, ids and tags in any case, and filters by tag', () => {
    expect(ids(viewRows(rows, stats, { q: 'ALP', tag: '', sort: 'name' }))).toEqual(['a']);
    expect(ids(viewRows(rows, stats, { q: 'webin', tag: '', sort: 'name' }))).toEqual(['a', 'b']);
    expect(ids(viewRows(rows, stats, { q: '', tag: 'onboarding', sort: 'name' }))).toEqual(['a']);
    expect(ids(viewRows(rows, stats, { q: 'nothing', tag: '', sort: 'name' }))).toEqual([]);
  });
  it('lists the tags in use and reads typed ones', () => {
    expect(allTags(rows)).toEqual(['onboarding', 'Webinar']);
    expect(parseTags(' a, ,b ,c')).toEqual(['a', 'b', 'c']);
  });

  it('offers other workflows of the object to pick, on ones first, never the one being edited', () => {
    const all = [
      { ...w('sales', 'Sales hand-off', ''), enabled: true },
      w('nurture', 'Nurture', ''),
      { ...w('deals', 'Deal won', ''), object: 'deal', enabled: true },
      { ...w('self', 'This one', ''), enabled: true },
      { ...w('alpha', 'Alpha', ''), enabled: true },
    ];
    expect(workflowChoices(all, { object: 'contact', self: 'self' })).toEqual([
      { id: 'alpha', name: 'Alpha', enabled: true }, { id: 'sales', name: 'Sales hand-off', enabled: true }, { id: 'nurture', name: 'Nurture', enabled: false },
    ]);
    expect(workflowChoices(all, { object: 'contact', self: 'self', query: 'HAND' }).map((c) => c.id)).toEqual(['sales']);
    expect(workflowChoices(all, { object: 'contact', self: 'self', query: 'nurt' }).map((c) => c.id)).toEqual(['nurture']);
    expect(workflowChoices(all, { object: 'contact', self: 'self', query: 'this' })).toEqual([]);
    expect(workflowChoices(all, { object: 'deal' }).map((c) => c.id)).toEqual(['deals']);
  });
});
