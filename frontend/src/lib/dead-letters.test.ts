import { describe, expect, it } from 'vitest';
import type { Delivery, RetryJob } from '../api/types';
import { retryGroups, retryJobText } from './dead-letters';

const d = (id: number, step: string, key: string, outcome: string, extra: Partial<Delivery> = {}) =>
  ({ id, enrollment_id: 1, workflow_id: 'w', step_id: step, step_type: 'webhook', idempotency_key: key, try: 1, outcome, target: '', latency_ms: 1, at: '', ...extra }) as Delivery;

describe('retryGroups', () => {
  it('groups unresolved webhook dead letters by step, one per step visit', () => {
    const rows = [
      d(9, 'hook', 'k1', 'failed'), d(8, 'hook', 'k1', 'dead'), d(7, 'hook', 'k2', 'dead'),
      d(6, 'other', 'k3', 'dead'), d(5, 'hook', 'k4', 'dead', { resolved: true }),
      d(4, 'mail', 'k5', 'dead', { step_type: 'send_email' }), d(3, 'hook', 'k6', 'ok'),
    ];
    expect(retryGroups(rows).map((g) => [g.step, g.deliveries.map((x) => x.id)])).toEqual([['hook', [9, 7]], ['other', [6]]]);
  });
});

describe('retryJobText', () => {
  const job = (extra: Partial<RetryJob>): RetryJob => ({
    id: 3, workflow_id: 'w', step_id: 'hook', status: 'running', up_to: 9, total: 1400, done: 120, ok: 80, failed: 40, skipped: 0,
    finished: false, created_at: '', updated_at: '', ...extra,
  });
  it('counts progress while it runs', () => {
    expect(retryJobText(job({}))).toBe('Sending again 120 of 1,400 · 80 delivered · 40 failed again');
    expect(retryJobText(job({ done: 0, ok: 0, failed: 0 }))).toBe('Sending again 0 of 1,400 · 0 delivered · 0 failed again');
  });
  it('sums up the end, keeping what failed again visible', () => {
    expect(retryJobText(job({ status: 'done', finished: true, done: 1400, ok: 1360, failed: 40 })))
      .toBe('Done: 1,360 of 1,400 delivered · 40 failed again (each keeps its Retry)');
    expect(retryJobText(job({ status: 'done', finished: true, done: 1400, ok: 1398, failed: 0, skipped: 2 })))
      .toBe('Done: 1,398 of 1,400 delivered · 2 settled before it got to them');
    expect(retryJobText(job({ status: 'cancelled', finished: true }))).toBe('Stopped by hand after 120 of 1,400: 80 delivered · 40 failed again');
    expect(retryJobText(job({ status: 'failed', finished: true, error: 'the workflow was deleted' })))
      .toBe('Stopped after 120 of 1,400: 80 delivered · 40 failed again. the workflow was deleted');
  });
});
