import { describe, expect, it } from 'vitest';
import type { Definition, HistoryEntry } from '../api/types';
import { formatHistory, formatWhen, showValue } from './history';

const def: Definition = {
  id: 'w', name: 'W', object: 'contact', triggers: [], reenroll: { enabled: false, triggers: [] }, start: 'wait',
  steps: [
    { id: 'wait', type: 'delay', name: 'Wait for Tuesday', until: { weekdays: ['tue'], time: '11:00' }, next: 'watched?' },
    { id: 'watched?', type: 'branch', name: 'Watched?', branches: [{ name: 'Watched', filter: { property: 'watch_pct', op: 'gte', value: 50 } }] },
    { id: 'tag', type: 'set_property', property: 'tags', value: ['viewer'], mode: 'append' },
    { id: 'again', type: 'goto', target: 'wait' },
  ],
};

let n = 0;
const h = (outcome: string, detail: unknown, step?: string, type?: string, at = '2026-11-23T10:00:00Z'): HistoryEntry =>
  ({ id: ++n, enrollment_id: 1, step_id: step, step_type: type, outcome, detail, at });
const fmt = (e: HistoryEntry) => formatHistory(e, def, { timeZone: 'UTC', locale: 'en-GB' });

describe('formatWhen', () => {
  it('gives weekday and time, with the date when far away', () => {
    const ref = new Date('2026-11-23T10:00:00Z'); // a Monday
    expect(formatWhen('2026-11-24T11:00:00Z', { timeZone: 'UTC', now: ref, locale: 'en-GB' })).toBe('Tue 11:00');
    expect(formatWhen('2026-12-24T11:00:00Z', { timeZone: 'UTC', now: ref, locale: 'en-GB' })).toBe('Thu 24 Dec 2026 11:00');
    expect(formatWhen('2026-11-23T10:00:02Z', { timeZone: 'UTC', now: ref, locale: 'en-GB' })).toBe('Mon 10:00:02');
    expect(formatWhen('2026-11-24T11:00:00Z', { timeZone: 'Europe/Amsterdam', now: ref, locale: 'en-GB' })).toBe('Tue 12:00');
    expect(formatWhen(undefined)).toBe('?');
    expect(formatWhen('2026-11-24T11:00:00Z', { timeZone: 'Not/AZone', now: ref, locale: 'en-GB' })).toMatch(/^Tue /);
  });
});

describe('formatHistory', () => {
  it('describes delays', () => {
    expect(fmt(h('waiting', { until: '2026-11-24T11:00:00Z' }, 'wait', 'delay'))).toMatchObject({ step: 'Wait for Tuesday', stepId: 'wait', text: 'Waiting until Tue 11:00', tone: 'wait' });
    expect(fmt(h('resumed', { outcome: 'elapsed' }, 'wait', 'delay', '2026-11-24T11:00:00Z')).text).toBe('Waited until Tue 11:00; continued');
    expect(fmt(h('rerun', { step: 'wait', previous_error: 'cannot write score', by: 'hand' }, 'wait', 'delay'))).toMatchObject({ text: 'Re-run from this step by hand (it had failed: cannot write score)', tone: 'info' });
    expect(fmt(h('held', { until: '2026-11-23T08:07:00Z', until_local: 'Mon 09:07', window: 'mon 09:00–17:00 Europe/Amsterdam' }, 'wait', 'send_email'))).toMatchObject({ text: "Held until Mon 09:07: outside the workflow's business hours", tone: 'wait' });
    expect(fmt(h('waiting', { event: 'payment.completed', timeout_at: '2026-11-25T10:00:00Z' }, 'wait', 'delay')).text).toBe('Waiting for event payment.completed, giving up Wed 10:00');
    expect(fmt(h('resumed', { outcome: 'event', event_id: 9 }, 'wait', 'delay')).text).toBe('The event happened (event #9); continued');
    expect(fmt(h('resumed', { outcome: 'timeout' }, 'wait', 'delay')).text).toMatch(/^Timed out/);
  });

  it('describes an SMS waiting for its delivery status and how it ended', () => {
    expect(fmt(h('waiting', { try: 1, sid: 'SM1', provider_status: 'queued', awaiting: 'a delivery status from the SMS provider', timeout_at: '2026-11-26T10:00:00Z' }, 'text', 'sms')))
      .toMatchObject({ text: 'Accepted by the provider (queued); waiting for a delivery status from the SMS provider, failing Thu 10:00 without one', tone: 'wait' });
    expect(fmt(h('ok', { provider_status: 'delivered' }, 'text', 'sms'))).toMatchObject({ text: 'Delivered: the provider reported the message delivered', tone: 'ok' });
    expect(fmt(h('failed', { provider_status: 'undelivered', error_code: '30003', error: 'the provider reported the message undelivered (error 30003)' }, 'text', 'sms')))
      .toMatchObject({ text: 'Failed: the provider reported the message undelivered (error 30003)', tone: 'fail' });
    // A try the provider accepted without a status callback keeps the plain delivered line.
    expect(fmt(h('ok', { try: 1, sid: 'SM1', provider_status: 'queued', target: 'sms:+31612345678' }, 'text', 'sms')).text).toBe('Delivered: sms (sms:+31612345678)');
  });

  it('describes branches with the values they looked at', () => {
    expect(fmt(h('ok', { branch: 'Watched', values: { watch_pct: 80 } }, 'watched?', 'branch')).text).toBe('Branch: Watched (watch_pct = 80)');
    expect(fmt(h('ok', { branch: 'else' }, 'watched?', 'branch')).text).toBe('Branch: Else (no branch matched)');
  });

  it('describes property, list, goto and enroll steps', () => {
    expect(fmt(h('ok', { property: 'tags', value: ['viewer'], mode: 'append' }, 'tag', 'set_property')).text).toBe('Set tags (append) = viewer');
    expect(fmt(h('ok', { property: 'lifecycle', value: 'lead', mode: 'replace' }, 'tag', 'set_property')).text).toBe('Set lifecycle = lead');
    expect(fmt(h('ok', { property: 'score', by: 10, previous: 5 }, 'x', 'increment_property')).text).toBe('Increased score by 10 (was 5)');
    expect(fmt(h('ok', { property: 'phone', previous: '+31' }, 'x', 'clear_property')).text).toBe('Cleared phone (was +31)');
    expect(fmt(h('ok', { from: 'city', to: 'billing_city', value: 'Utrecht', mode: 'replace' }, 'x', 'copy_property')).text).toBe('Copied city to billing_city = Utrecht');
    expect(fmt(h('ok', { list: 'replay', changed: false }, 'x', 'add_to_list')).text).toBe('Added to list replay (already a member)');
    expect(fmt(h('ok', { target: 'wait' }, 'again', 'goto')).text).toBe('Went to Wait for Tuesday');
    expect(fmt(h('ok', { workflow: 'sales', enrollment: 4 }, 'x', 'enroll')).text).toBe('Enrolled in workflow sales (enrollment #4)');
    expect(fmt(h('ok', { target: 'https://example.com/hook', status: 200, try: 1 }, 'x', 'webhook')).text).toBe('Delivered: webhook (https://example.com/hook, HTTP 200)');
    expect(fmt(h('ok', { target: 'ann@example.com', delivery: 'outbox', outbox: 3 }, 'x', 'send_email'))).toMatchObject({
      text: 'Kept in the local outbox for ann@example.com, not sent: no SMTP server is set up (Settings)', tone: 'skip' });
  });

  it('describes enrollment-level entries, skips and failures', () => {
    expect(fmt(h('enrolled', { trigger: 'registered', summary: 'Event webinar.registered', version: 2 }))).toMatchObject({ step: 'Enrollment', text: 'Enrolled by trigger registered: Event webinar.registered, version 2', tone: 'info' });
    expect(fmt(h('enrolled', { trigger: 'manual', summary: 'Enrolled manually in bulk (by filter)', version: 1 })).text).toBe('Enrolled by hand: Enrolled manually in bulk (by filter), version 1');
    expect(fmt(h('completed', { steps_run: 1 })).text).toBe('Completed the workflow after 1 step');
    expect(fmt(h('completed', { steps_run: 4, failed_steps: 2 }))).toMatchObject({ text: 'Completed the workflow with errors after 4 steps: 2 steps failed', tone: 'fail' });
    expect(fmt(h('skipped', { reason: 'sms steps are not executed by this version of Flowdesk yet' }, 'x', 'sms')).text).toBe('Skipped: sms steps are not executed by this version of Flowdesk yet');
    expect(fmt(h('failed', { error: 'boom', status: 500, dead_letter: true }, 'x', 'webhook'))).toMatchObject({ text: 'Failed (HTTP 500): boom; gave up after retries', tone: 'fail' });
    expect(fmt(h('failed', { step: 'wait', error: 'gone' })).text).toBe('Enrollment failed at Wait for Tuesday: gone');
    expect(fmt(h('retrying', { try: 2, status: 503, retry_at: '2026-11-23T10:05:00Z' }, 'x', 'webhook')).text).toBe('Try 2 did not succeed: HTTP 503; retrying Mon 10:05');
    expect(fmt(h('retrying', { try: 1, status: 500, error: 'the receiver answered 500 Internal Server Error; will try again', retry_at: '2026-11-23T10:05:00Z' }, 'x', 'webhook')).text)
      .toBe('Try 1 did not succeed: the receiver answered 500 Internal Server Error; retrying Mon 10:05');
    // the words the API adds (explain.Error) win; the raw text stays for a tooltip
    const words = 'Could not reach the mail server 127.0.0.1:2599 (connection refused). Check Settings → Email.';
    const raw = 'dial failed: dial tcp 127.0.0.1:2599: connect: connection refused';
    const clause = 'could not reach the mail server 127.0.0.1:2599 (connection refused). Check Settings → Email';
    expect(fmt(h('failed', { error: raw, error_text: words, dead_letter: true }, 'x', 'send_email'))).toMatchObject({ text: `Failed: ${clause}; gave up after retries`, raw });
    expect(fmt(h('retrying', { try: 3, error: raw, error_text: words, retry_at: '2026-11-23T10:05:00Z' }, 'x', 'send_email'))).toMatchObject({ text: `Try 3 did not succeed: ${clause}; retrying Mon 10:05`, raw });
    // what happens next is said once, by the line: not "Flowdesk tries again.; retrying"
    expect(fmt(h('retrying', { try: 1, status: 500, error: 'the receiver answered 500 Internal Server Error; will try again', error_text: 'The receiver had an error (HTTP 500). Flowdesk tries again.', retry_at: '2026-11-23T10:05:00Z' }, 'x', 'webhook')).text)
      .toBe('Try 1 did not succeed: the receiver had an error (HTTP 500); retrying Mon 10:05');
    expect(fmt(h('failed', { error: 'boom' }, 'x', 'webhook')).raw).toBeUndefined();
  });

  it('falls back to the step id without a definition', () => {
    expect(formatHistory(h('ok', { target: 'wait' }, 'again', 'goto'), null, { timeZone: 'UTC' })).toMatchObject({ step: 'again', text: 'Went to wait' });
  });

  it('shows values compactly', () => {
    expect(showValue('')).toBe('""');
    expect(showValue(['a', 1])).toBe('a, 1');
    expect(showValue({ a: 1 })).toBe('{"a":1}');
    expect(showValue('x'.repeat(100))).toHaveLength(78);
  });
});

describe('step names', () => {
  const title = (s: { type: string; id: string }) => `the ${s.type} card`;
  it('call an unnamed step what its card says when given stepTitle, its id otherwise, its name always', () => {
    const tagged = h('completed', {}, 'tag', 'set_property');
    expect(fmt(tagged).step).toBe('tag');
    expect(formatHistory(tagged, def, { timeZone: 'UTC', stepTitle: title }).step).toBe('the set_property card');
    expect(formatHistory(h('completed', {}, 'wait', 'delay'), def, { timeZone: 'UTC', stepTitle: title }).step).toBe('Wait for Tuesday');
    const jump = formatHistory(h('ok', { target: 'tag' }, 'again', 'goto'), def, { timeZone: 'UTC', stepTitle: title });
    expect(jump.step).toBe('the goto card');
    expect(jump.text).toBe('Went to the set_property card');
  });
});
