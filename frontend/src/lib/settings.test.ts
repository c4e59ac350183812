import { describe, expect, it } from 'vitest';
import type { SettingsView } from '../api/types';
import { buildSettingsUpdate, formFromView, problemsByField, secretValue, smtpBadge, testEmailResult } from './settings';

const view: SettingsView = {
  smtp: { host: 'smtp.x.nl', port: 587, username: 'u', from: 'news@x.nl', tls: 'starttls', password: { set: true }, configured: true },
  sms: { url: '', account: '', from: '', monthly_cap: 0, auth_token: { set: false } },
  slack: { default_channel: '#general', webhook_url: { set: true } },
  retention: { days: 0, default_days: 90 },
  secrets_backend: 'file',
};

describe('secretValue', () => {
  it('keeps, sets and clears', () => {
    expect(secretValue({ mode: 'keep' })).toBeUndefined();
    expect(secretValue({ mode: 'set', value: 'p4ss' })).toBe('p4ss');
    expect(secretValue({ mode: 'set', value: '' })).toBeUndefined();
    expect(secretValue({ mode: 'clear' })).toBeNull();
  });
});

describe('buildSettingsUpdate', () => {
  it('leaves kept secrets out of the JSON', () => {
    const u = buildSettingsUpdate(formFromView(view));
    const json = JSON.parse(JSON.stringify(u));
    expect(json).toEqual({
      smtp: { host: 'smtp.x.nl', port: 587, username: 'u', from: 'news@x.nl', tls: 'starttls', alert_to: '' },
      sms: { url: '', account: '', from: '', monthly_cap: 0, status_callback_url: '', status_timeout_hours: 0 },
      slack: { default_channel: '#general' },
      retention: { days: 0 },
    });
    expect('password' in json.smtp).toBe(false);
  });
  it('sends a new secret as a string and a cleared one as null', () => {
    const f = formFromView(view);
    f.smtp.password = { mode: 'set', value: 's3cret' };
    f.slack.webhook_url = { mode: 'clear' };
    f.sms.monthly_cap = ' 500 ';
    f.sms.status_timeout_hours = '24';
    f.sms.status_callback_url = ' https://hooks.acme.example ';
    f.retention.days = '30';
    f.smtp.port = '';
    const json = JSON.parse(JSON.stringify(buildSettingsUpdate(f)));
    expect(json.smtp.password).toBe('s3cret');
    expect(json.smtp.port).toBe(0);
    expect(json.retention).toEqual({ days: 30 });
    expect(json.slack).toEqual({ default_channel: '#general', webhook_url: null });
    expect(json.sms.monthly_cap).toBe(500);
    expect(json.sms.status_timeout_hours).toBe(24);
    expect(json.sms.status_callback_url).toBe('https://hooks.acme.example');
    expect('auth_token' in json.sms).toBe(false);
  });
  it('never puts the masked form in the body', () => {
    expect(JSON.stringify(buildSettingsUpdate(formFromView(view)))).not.toContain('"set"');
  });
});

describe('problemsByField', () => {
  it('indexes API problems by field', () => {
    expect(problemsByField({ problems: [{ field: 'smtp.from', message: 'bad' }, { field: 'smtp.from', message: 'worse' }, { message: 'x' }] }))
      .toEqual({ 'smtp.from': 'bad worse' });
    expect(problemsByField(undefined)).toEqual({});
  });
});

describe('testEmailResult', () => {
  it('says where a sent test went', () => {
    expect(testEmailResult({ ok: true, answer: { to: 'me@example.com', outcome: 'ok', delivery: 'sent', response: 'accepted by 127.0.0.1', latency_ms: 12 } }))
      .toEqual({ tone: 'ok', text: 'Sent to me@example.com in 12 ms (accepted by 127.0.0.1). Check that inbox.' });
    expect(testEmailResult({ ok: true, answer: { to: 'me@example.com', outcome: 'ok', delivery: 'outbox' } }).tone).toBe('fail');
  });
  it('says in words why it was not sent, keeping the raw error', () => {
    const raw = 'dial failed: dial tcp 127.0.0.1:2599: connect: connection refused';
    expect(testEmailResult({ ok: false, message: 'the test email was not sent: Could not reach the mail server 127.0.0.1:2599 (connection refused). Check Settings → Email.', details: { error: raw } }))
      .toEqual({ tone: 'fail', text: 'Not sent: Could not reach the mail server 127.0.0.1:2599 (connection refused). Check Settings → Email.', raw });
    expect(testEmailResult({ ok: false, message: 'no SMTP server is set up' })).toEqual({ tone: 'fail', text: 'No SMTP server is set up', raw: undefined });
  });
});

describe('smtpBadge', () => {
  it('says not configured without a server, whatever else is known', () => {
    expect(smtpBadge(false, { tone: 'fail' }, { status: 'failed' })).toEqual({ tone: '', text: 'not configured' });
  });
  it('says a failed test failed, even when the last email went out', () => {
    expect(smtpBadge(true, { tone: 'fail' }, { status: 'sent' })).toMatchObject({ tone: 'failed', text: 'configured · test failed' });
    expect(smtpBadge(true, { tone: 'ok' }, { status: 'failed' })).toMatchObject({ tone: 'on', text: 'configured · test sent' });
  });
  it('without a test, reads the newest email: a refused one shows, with its reason', () => {
    expect(smtpBadge(true, null, { status: 'failed', reason: '535 authentication failed' })).toEqual({ tone: 'failed', text: 'configured · last email failed', title: '535 authentication failed' });
    expect(smtpBadge(true, null, { status: 'sent' })).toMatchObject({ tone: 'on', text: 'configured' });
    expect(smtpBadge(true, null, null)).toMatchObject({ tone: 'on', text: 'configured' });
  });
});
