// The dead letters a step's "Retry all" sends again: failed-for-good webhook deliveries not yet
// resolved by a later retry, grouped by step in the order the log lists them.
import type { Delivery } from '../api/types';

/** Whether a delivery can be sent again by hand now. */
export function retryable(d: Delivery): boolean {
  return (d.outcome === 'dead' || d.outcome === 'failed') && d.step_type === 'webhook' && !d.resolved;
}

/** Per step (first seen first), the deliveries "Retry all" sends again, one per step visit. */
export function retryGroups(rows: Delivery[]): { step: string; deliveries: Delivery[] }[] {
  const out: { step: string; deliveries: Delivery[] }[] = [];
  const keys = new Set<string>();
  for (const d of rows) {
    if (!retryable(d) || keys.has(d.idempotency_key)) continue;
    keys.add(d.idempotency_key);
    let g = out.find((x) => x.step === d.step_id);
    if (!g) out.push((g = { step: d.step_id, deliveries: [] }));
    g.deliveries.push(d);
  }
  return out;
}
