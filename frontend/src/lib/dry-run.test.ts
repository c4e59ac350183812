import { describe, expect, it } from 'vitest';
import type { DryRun } from '../api/types';
import { progressText } from './dry-run';

const run = (p: Partial<DryRun>): DryRun => ({
  id: '1', workflow_id: 'w', draft: false, status: 'running', start: '', horizon: '30d', total: 3000, more: false, done: 412,
  simulated: 400, skipped: {}, outcomes: {}, steps: {}, edges: [], steps_run: 0, warnings: [], ...p,
});

describe('progressText', () => {
  it('counts records while it runs', () => {
    expect(progressText(run({}))).toBe('Simulating… 412 of 3,000 records');
  });
  it('says when the selection had more than the limit', () => {
    expect(progressText(run({ status: 'done', done: 3000, more: true }))).toMatch(/^Done: 3,000 of 3,000 records \(the selection has more/);
  });
  it('says why it stopped', () => {
    expect(progressText(run({ status: 'stopped' }))).toBe('Stopped at the time limit: 412 of 3,000 records');
    expect(progressText(run({ status: 'failed', error: 'boom' }))).toBe('Failed after 412 of 3,000 records: boom');
  });
});
