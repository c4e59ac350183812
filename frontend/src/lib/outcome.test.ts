import { describe, expect, it } from 'vitest';
import { failedStepsText, hasFailures, outcomeTotals, statusLabel, STATUSES } from './outcome';

describe('outcome', () => {
  it('counts completed_with_errors as failed, never as done', () => {
    const t = outcomeTotals({ active: 1, waiting: 2, completed: 3, completed_with_errors: 4, goal_reached: 0, unenrolled: 0, failed: 5, cancelled: 6 });
    expect(t).toMatchObject({ active: 1, waiting: 2, done: 3, failed: 9 });
    expect(t.failedTitle).toBe('5 stopped at a failed step, 4 completed with errors');
    expect(outcomeTotals(undefined).failedTitle).toBe('No enrollment has a failed step');
  });
  it('names every status', () => {
    expect(STATUSES).toContain('completed_with_errors');
    expect(statusLabel('completed_with_errors')).toBe('completed with errors');
    expect(statusLabel('odd')).toBe('odd');
  });
  it('says how many steps failed', () => {
    expect(failedStepsText(0)).toBe('');
    expect(failedStepsText(1)).toBe('1 step failed');
    expect(failedStepsText(3)).toBe('3 steps failed');
    expect(hasFailures({ status: 'waiting', failed_steps: 1 })).toBe(true);
    expect(hasFailures({ status: 'completed', failed_steps: 0 })).toBe(false);
  });
});
