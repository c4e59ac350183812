import { describe, expect, it } from 'vitest';
import type { Definition, Performance, Stats } from '../api/types';
import { flowOrder, pathCount, pathGroups, pct, rangeOf, rangeProblem, stepRows } from './performance';

const def = {
  id: 'w', name: 'W', object: 'contact', triggers: [], reenroll: { enabled: false, triggers: [] }, start: 'city',
  steps: [
    { id: 'tag', type: 'set_property', property: 'stage', value: 'x' },
    { id: 'ab', type: 'split', paths: [{ name: 'A', percent: 50, next: 'tag' }, { name: 'B', percent: 50 }] },
    { id: 'city', type: 'branch', name: 'Which city?', branches: [{ name: 'Dublin', next: 'ab' }, { name: '' }], else: 'tag' },
    { id: 'orphan', type: 'delay', duration: '1d' },
  ],
} as unknown as Definition;

const perf: Performance = {
  workflow_id: 'w', from: '2026-03-01', to: '2026-03-02', days: [],
  totals: { day: '', enrolled: 4, completed: 3, failed: 1, goal_reached: 0, unenrolled: 0, cancelled: 0, goal_conversion: 0 },
  steps: [{ step_id: 'city', ok: 4, failed: 0, skipped: 0 }, { step_id: 'tag', ok: 2, failed: 1, skipped: 0 }],
  paths: [{ step_id: 'city', path: 'Dublin', n: 3 }, { step_id: 'city', path: 'else', n: 1 }, { step_id: 'ab', path: 'A', n: 1, goal_reached: 1, goal_conversion: 1 }, { step_id: 'ab', path: 'B', n: 3, goal_reached: 1, goal_conversion: 1 / 3 }],
};

const title = (s: { id: string; name?: string }) => s.name || s.id;

describe('range', () => {
  it('ends today and counts the days', () => {
    expect(rangeOf('7d', new Date('2026-03-10T23:30:00Z'))).toEqual({ from: '2026-03-04', to: '2026-03-10' });
    expect(rangeOf('30d', new Date('2026-03-10T00:00:00Z'))).toEqual({ from: '2026-02-09', to: '2026-03-10' });
  });
  it('says what is wrong with a custom range', () => {
    expect(rangeProblem('2026-03-01', '2026-03-02')).toBeNull();
    expect(rangeProblem('', '2026-03-02')).toBe('Pick the first day.');
    expect(rangeProblem('2026-03-05', '2026-03-02')).toBe('The first day must come before the last.');
    expect(rangeProblem('2024-01-01', '2026-03-02')).toBe('Pick at most 366 days.');
  });
});

describe('steps and paths', () => {
  it('orders steps as the flow reaches them, strays last', () => {
    expect(flowOrder(def).map((s) => s.id)).toEqual(['city', 'ab', 'tag', 'orphan']);
  });
  it('gives every step a row, zero when it did not run', () => {
    expect(stepRows(perf, def, title)).toEqual([
      { id: 'city', label: 'Which city?', ok: 4, failed: 0 },
      { id: 'ab', label: 'ab', ok: 0, failed: 0 },
      { id: 'tag', label: 'tag', ok: 2, failed: 1 },
      { id: 'orphan', label: 'orphan', ok: 0, failed: 0 },
    ]);
  });
  it('labels paths as the canvas does, Else last', () => {
    expect(pathGroups(perf, def, title)).toEqual([
      { id: 'city', label: 'Which city?', paths: [{ path: 'Dublin', label: 'Dublin', n: 3 }, { path: '', label: 'Branch 2', n: 0 }, { path: 'else', label: 'Else', n: 1 }] },
      { id: 'ab', label: 'ab', split: true, paths: [
        { path: 'A', label: 'A', n: 1, share: 0.25, goal: 1, conversion: 1 },
        { path: 'B', label: 'B', n: 3, share: 0.75, goal: 1, conversion: 1 / 3 },
      ] },
    ]);
  });
  it('writes shares as percentages', () => {
    expect(pct(0.375)).toBe('37.5%');
    expect(pct(1)).toBe('100%');
    expect(pct(1 / 3)).toBe('33.3%');
    expect(pct(0)).toBe('0%');
  });
  it('counts an edge of a branch, its Else and a split path; no count on other edges', () => {
    const stats = { enrollments: {}, steps: { city: { active: 0, waiting: 0, completed: 4, failed: 0, paths: { Dublin: 3, else: 1 } } } } as unknown as Stats;
    const city = def.steps[2];
    expect(pathCount(city, 'branch:0', stats)).toBe(3);
    expect(pathCount(city, 'else', stats)).toBe(1);
    expect(pathCount(def.steps[1], 'path:1', stats)).toBe(0);
    expect(pathCount(def.steps[0], 'next', stats)).toBeUndefined();
  });
});
