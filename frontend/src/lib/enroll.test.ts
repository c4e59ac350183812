import { describe, expect, it } from 'vitest';
import type { EnrollJob } from '../api/types';
import { jobText, previewText, skippedText } from './enroll';

const job = (over: Partial<EnrollJob>): EnrollJob => ({
  id: 1, workflow_id: 'w', source: 'filter', status: 'running', total: 5000, matched: 400, enrolled: 390, skipped: { already_enrolled: 10 },
  skipped_total: 10, processed: 400, done: false, created_at: '', updated_at: '', ...over,
});

describe('enroll words', () => {
  it('counts skipped records by reason', () => {
    expect(skippedText({})).toBe('');
    expect(skippedText({ already_enrolled: 1, reenrollment_off: 2 })).toBe('3 skipped (already enrolled: 1, enrolled before (re-enrollment is off): 2)');
  });
  it('says what a preview would do', () => {
    expect(previewText({ workflow_id: 'w', source: 'filter', matched: 5, enrollable: 4, skipped: { already_enrolled: 1 } }, 'contact'))
      .toBe('5 contacts match: 4 will be enrolled, 1 skipped (already enrolled: 1).');
    expect(previewText({ workflow_id: 'w', source: 'list', matched: 1, enrollable: 1, skipped: {} }, 'contact')).toBe('1 contact match: 1 will be enrolled.');
    expect(previewText({ workflow_id: 'w', source: 'list', matched: 0, enrollable: 0, skipped: {} }, 'deal')).toBe('No deals match.');
  });
  it('shows progress, then the result', () => {
    expect(jobText(job({}))).toBe('400 of 5,000 handled · 390 enrolled, 10 skipped (already enrolled: 10)');
    expect(jobText(job({ status: 'done', done: true, enrolled: 4990 }))).toBe('Done: 4,990 enrolled, 10 skipped (already enrolled: 10).');
    expect(jobText(job({ status: 'cancelled', done: true }))).toBe('Stopped by hand: 390 enrolled, 10 skipped (already enrolled: 10).');
    expect(jobText(job({ status: 'failed', done: true, skipped: {}, error: 'the workflow was switched off' }))).toBe('Stopped: 390 enrolled. the workflow was switched off');
  });
});
