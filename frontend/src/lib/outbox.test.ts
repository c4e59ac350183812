import { describe, expect, it } from 'vitest';
import { outboxStatus } from './outbox';

const utc = { timeZone: 'UTC', locale: 'en-GB' };

describe('outboxStatus', () => {
  it('reads a failed send its step tries again as retrying, with the next try and the last error', () => {
    expect(outboxStatus({ status: 'failed', reason: 'dial tcp: refused', reason_text: 'Could not reach the mail server.', retry_at: '2026-12-03T19:20:00Z' }, utc))
      .toEqual({ label: 'retrying', tone: 'retrying', note: 'Not sent yet; the step tries again at 3 Dec 2026, 19:20. Last try: Could not reach the mail server.' });
  });
  it('reads a failure for good as failed, in words when there are words', () => {
    expect(outboxStatus({ status: 'failed', reason: '550 no such mailbox', reason_text: '' })).toEqual({ label: 'failed', tone: 'failed', note: '550 no such mailbox' });
    expect(outboxStatus({ status: 'failed', reason: 'raw', reason_text: 'In words.' }).note).toBe('In words.');
  });
  it('keeps the other statuses as they were', () => {
    expect(outboxStatus({ status: 'outbox' })).toEqual({ label: 'in outbox', tone: 'waiting', note: undefined });
    expect(outboxStatus({ status: 'sent' })).toMatchObject({ label: 'sent', tone: 'completed' });
    expect(outboxStatus({ status: 'delivered' })).toMatchObject({ label: 'delivered', tone: 'completed' });
  });
});
