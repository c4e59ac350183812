// The dead letters a step's "Retry all" sends again: failed-for-good webhook deliveries not yet
// resolved by a later retry, grouped by step in the order the log lists them; and the words for
// the server's retry job. Pure.
import type { Delivery, RetryJob } from '../api/types';

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

const n = (v: number) => v.toLocaleString('en-US');

/** A retry job's progress while it runs ("Sending again 120 of 1,400 · 80 delivered · 40 failed
 * again"), and its summary once it has ended. */
export function retryJobText(j: RetryJob): string {
  const skipped = j.skipped ? ` · ${n(j.skipped)} settled before it got to them` : '';
  const again = j.failed ? ` · ${n(j.failed)} failed again` : '';
  switch (j.status) {
    case 'running':
      return `Sending again ${n(j.done)} of ${n(j.total)} · ${n(j.ok)} delivered · ${n(j.failed)} failed again${skipped}`;
    case 'done':
      return `Done: ${n(j.ok)} of ${n(j.total)} delivered${again}${skipped}${j.failed ? ' (each keeps its Retry)' : ''}`;
    case 'cancelled':
      return `Stopped by hand after ${n(j.done)} of ${n(j.total)}: ${n(j.ok)} delivered${again}${skipped}`;
    default:
      return `Stopped after ${n(j.done)} of ${n(j.total)}: ${n(j.ok)} delivered${again}${skipped}. ${j.error ?? ''}`.trim();
  }
}
