import { describe, expect, it } from 'vitest';
import type { Delivery } from '../api/types';
import { retryGroups } from './dead-letters';

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
