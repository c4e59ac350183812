// The settings form -> a PUT /api/settings body. Secrets are write-only: each has an intent
// "keep" (left out of the body), "set" (a string) or "clear" (null).
import type { SettingsUpdate, SettingsView } from '../api/types';

export type SecretIntent = { mode: 'keep' } | { mode: 'set'; value: string } | { mode: 'clear' };

export interface SettingsForm {
  smtp: { host: string; port: string; username: string; from: string; tls: string; alert_to: string; password: SecretIntent };
  sms: { url: string; account: string; from: string; monthly_cap: string; status_callback_url: string; status_timeout_hours: string; auth_token: SecretIntent };
  slack: { default_channel: string; webhook_url: SecretIntent };
  retention: { days: string };
}

const KEEP: SecretIntent = { mode: 'keep' };

/** The form state for a settings view (every secret kept). */
export function formFromView(v: SettingsView): SettingsForm {
  return {
    smtp: { host: v.smtp.host ?? '', port: v.smtp.port ? String(v.smtp.port) : '', username: v.smtp.username ?? '', from: v.smtp.from ?? '', tls: v.smtp.tls || 'starttls', alert_to: v.smtp.alert_to ?? '', password: KEEP },
    sms: { url: v.sms.url ?? '', account: v.sms.account ?? '', from: v.sms.from ?? '', monthly_cap: v.sms.monthly_cap ? String(v.sms.monthly_cap) : '',
      status_callback_url: v.sms.status_callback_url ?? '', status_timeout_hours: v.sms.status_timeout_hours ? String(v.sms.status_timeout_hours) : '', auth_token: KEEP },
    slack: { default_channel: v.slack.default_channel ?? '', webhook_url: KEEP },
    retention: { days: v.retention?.days ? String(v.retention.days) : '' },
  };
}

/** The JSON value of a secret intent: a string sets, null clears, undefined (left out) keeps. */
export function secretValue(s: SecretIntent): string | null | undefined {
  switch (s.mode) {
    case 'set':
      // an empty replacement is "no change", never an accidental clear
      return s.value === '' ? undefined : s.value;
    case 'clear':
      return null;
    default:
      return undefined;
  }
}

function int(s: string): number {
  const t = s.trim();
  if (t === '') return 0;
  const n = Number(t);
  return Number.isFinite(n) ? Math.trunc(n) : NaN;
}

/**
 * The PUT body. Every section is sent (the API replaces a section's plain fields), and a
 * secret key is only present when it changes, so JSON.stringify drops kept ones.
 */
export function buildSettingsUpdate(f: SettingsForm): SettingsUpdate {
  const u: SettingsUpdate = {
    smtp: { host: f.smtp.host.trim(), port: int(f.smtp.port), username: f.smtp.username, from: f.smtp.from.trim(), tls: f.smtp.tls, alert_to: f.smtp.alert_to.trim() },
    sms: { url: f.sms.url.trim(), account: f.sms.account.trim(), from: f.sms.from.trim(), monthly_cap: int(f.sms.monthly_cap),
      status_callback_url: f.sms.status_callback_url.trim(), status_timeout_hours: int(f.sms.status_timeout_hours) },
    slack: { default_channel: f.slack.default_channel.trim() },
    retention: { days: int(f.retention.days) },
  };
  const pw = secretValue(f.smtp.password);
  if (pw !== undefined) u.smtp!.password = pw;
  const tok = secretValue(f.sms.auth_token);
  if (tok !== undefined) u.sms!.auth_token = tok;
  const wh = secretValue(f.slack.webhook_url);
  if (wh !== undefined) u.slack!.webhook_url = wh;
  return u;
}

/** Problems of a 422 invalid_settings answer by field ("smtp.from" -> message). */
export function problemsByField(details: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const probs = (details as { problems?: { field?: string; message?: string }[] } | undefined)?.problems;
  if (!Array.isArray(probs)) return out;
  for (const p of probs) {
    if (!p?.field) continue;
    out[p.field] = out[p.field] ? out[p.field] + ' ' + (p.message ?? '') : p.message ?? '';
  }
  return out;
}

/** The answer of POST /api/settings/email/test. */
export interface TestEmailAnswer {
  to: string;
  outcome: string;
  delivery?: 'sent' | 'outbox';
  response?: string;
  latency_ms?: number;
}

/** What "Send a test email" says: the outcome in words, and the raw error (for a details line)
 * when the server's text is there. */
export function testEmailResult(r: { ok: true; answer: TestEmailAnswer } | { ok: false; message: string; details?: unknown }): { tone: 'ok' | 'fail'; text: string; raw?: string } {
  if (r.ok) {
    const a = r.answer;
    if (a.delivery === 'outbox') return { tone: 'fail', text: `Not sent: no SMTP server is set up, so the test was kept in the Outbox.` };
    return { tone: 'ok', text: `Sent to ${a.to}${a.latency_ms !== undefined ? ` in ${a.latency_ms} ms` : ''}${a.response ? ` (${a.response})` : ''}. Check that inbox.` };
  }
  const d = r.details as { error?: string } | undefined;
  const text = r.message.replace(/^the test email was not sent: /, 'Not sent: ');
  return { tone: 'fail', text: text.charAt(0).toUpperCase() + text.slice(1), raw: typeof d?.error === 'string' && d.error ? d.error : undefined };
}

/** The email section's badge: whether a server is set up and, when something tells, whether it
 * works. The test sent on this visit tells most (it is the newest try), then the newest email
 * in the outbox: a server that refused the last message must not read as merely "configured". */
export function smtpBadge(configured: boolean, test: { tone: 'ok' | 'fail' } | null, newest: { status: string; reason?: string } | null): { tone: 'on' | 'failed' | ''; text: string; title?: string } {
  if (!configured) return { tone: '', text: 'not configured' };
  if (test) return test.tone === 'ok' ? { tone: 'on', text: 'configured · test sent' } : { tone: 'failed', text: 'configured · test failed' };
  if (newest?.status === 'failed') return { tone: 'failed', text: 'configured · last email failed', title: newest.reason || undefined };
  return { tone: 'on', text: 'configured' };
}
