import { describe, expect, it } from 'vitest';
import { failedStepsText, hasFailures, outcomeTotals, retryingTitle, retryLine, statusLabel, STATUSES } from './outcome';

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

describe('retrying', () => {
  const utc = { timeZone: 'UTC', locale: 'en-GB' };
  it('counts retrying beside failed, without counting it as failed', () => {
    const en = { active: 1, waiting: 0, completed: 0, completed_with_errors: 0, goal_reached: 0, unenrolled: 0, failed: 0, cancelled: 0 };
    expect(outcomeTotals(en, 1)).toMatchObject({ failed: 0, retrying: 1 });
    expect(outcomeTotals(en, 1).retryingTitle).toBe('1 waiting for another try of a send that failed; not failed yet');
    expect(outcomeTotals(en).retrying).toBe(0);
  });
  it('counts an open enrollment past a dead letter as failed', () => {
    const en = { active: 0, waiting: 1, completed: 0, completed_with_errors: 1, goal_reached: 0, unenrolled: 0, failed: 0, cancelled: 0 };
    const t = outcomeTotals(en, 0, 1);
    expect(t.failed).toBe(2);
    expect(t.failedTitle).toBe('1 completed with errors, 1 still in the workflow with a failed step');
  });
  it("says when a card's next try runs and what the last one said", () => {
    expect(retryingTitle({ retrying: 1, next_try_at: '2026-12-01T11:04:10Z', last_error: 'connection refused' }, utc))
      .toBe('1 retrying: the last try failed, next try at 11:04. Last error: connection refused');
    expect(retryingTitle({ retrying: 0 })).toBe('');
    expect(retryingTitle({ retrying: 2, last_error: 'raw', last_error_text: 'Could not reach the mail server.' }, utc))
      .toBe('2 retrying: the last try failed. Could not reach the mail server. (raw)');
  });
  it("reads an enrollment's retry as its status line", () => {
    expect(retryLine({ step_id: 'welcome', try: 3, max_tries: 8, next_try_at: '2026-12-01T11:04:10Z', error: 'x', last_try_at: '2026-12-01T11:00:00Z' }, utc))
      .toBe('retrying: try 3 of 8 failed, next try at 1 Dec 2026, 11:04');
    expect(retryLine(null)).toBe('');
  });
});
