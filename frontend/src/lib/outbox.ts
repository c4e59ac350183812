// How an outbox message's status reads: a failed send whose step tries it again is "retrying"
// (amber, with the next try), never a final red "failed" a marketer might resend by hand.
import type { OutboxMessage } from '../api/types';
import { formatDateTime, type DateTimeOptions } from './datetime';

const LABEL: Record<string, string> = { outbox: 'in outbox', sent: 'sent', delivered: 'delivered', failed: 'failed' };
const TONE: Record<string, string> = { outbox: 'waiting', sent: 'completed', delivered: 'completed', failed: 'failed' };

export function outboxStatus(m: Pick<OutboxMessage, 'status' | 'reason' | 'reason_text' | 'retry_at'>, o: DateTimeOptions = {}): { label: string; tone: string; note?: string } {
  const why = m.reason_text || m.reason || '';
  if (m.status === 'failed' && m.retry_at) {
    return { label: 'retrying', tone: 'retrying', note: `Not sent yet; the step tries again at ${formatDateTime(m.retry_at, o)}.${why ? ' Last try: ' + why : ''}` };
  }
  return { label: LABEL[m.status] ?? m.status, tone: TONE[m.status] ?? 'waiting', note: why || undefined };
}
