// Settings: SMTP, SMS provider, Slack and data retention. Secrets are write-only: the page shows "set" / "not set"
// and offers to replace or clear them; a secret value is never shown (nor kept after saving).
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, type OutboxMessage, type SettingsView } from '../api';
import { ErrorBanner, Spinner } from '../components/common';
import { buildSettingsUpdate, formFromView, problemsByField, smtpBadge, testEmailResult, type SecretIntent, type SettingsForm } from '../lib/settings';

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function SettingsScreen() {
  const [view, setView] = useState<SettingsView | null>(null);
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [error, setError] = useState('');
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [emailTest, setEmailTest] = useState<{ tone: 'ok' | 'fail' } | null>(null);
  const [newestEmail, setNewestEmail] = useState<OutboxMessage | null>(null);
  const load = useCallback(async () => {
    try {
      const [v, emails] = await Promise.all([api.getSettings(), api.listOutbox({ channel: 'email', limit: 1 })]);
      setView(v);
      setNewestEmail(emails.items[0] ?? null);
      setForm(formFromView(v));
      setDirty(false);
      setError('');
    } catch (e) {
      setError(msg(e));
    }
  }, []);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount
    load();
  }, [load]);
  if (!form || !view) return <div className="screen">{error ? <ErrorBanner error={error} onRetry={load} /> : <Spinner label="Loading settings…" />}</div>;

  const set = <S extends keyof SettingsForm>(section: S, patch: Partial<SettingsForm[S]>) => {
    setForm({ ...form, [section]: { ...form[section], ...patch } });
    setDirty(true);
    setSaved(false);
  };
  const save = async () => {
    setSaving(true);
    setError('');
    setProblems({});
    try {
      const v = await api.putSettings(buildSettingsUpdate(form));
      setView(v);
      setForm(formFromView(v)); // forgets typed secrets
      setDirty(false);
      setSaved(true);
      setEmailTest(null); // a test of the old settings says nothing about the new ones
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) setProblems(problemsByField(e.details));
      setError(msg(e));
    } finally {
      setSaving(false);
    }
  };
  const p = (f: string) => problems[f] ? <div className="hint error" data-field-error={f}>{problems[f]}</div> : null;
  return (
    <div className="screen settings">
      <div className="screen-head">
        <div>
          <h1>Settings</h1>
          <div className="sub">Passwords, tokens and the Slack webhook are kept outside the database ({view.secrets_backend === 'file' ? 'a file only you can read' : view.secrets_backend}) and are never shown again.</div>
        </div>
        <div className="head-actions">
          {dirty && <span className="status dirty">Unsaved changes</span>}
          {saved && !dirty && <span className="status" role="status">Saved</span>}
          <button type="button" className="btn primary" onClick={save} disabled={saving || !dirty}>{saving ? 'Saving…' : 'Save'}</button>
        </div>
      </div>
      <ErrorBanner error={error} onClose={() => setError('')} />
      <form className="settings-grid" onSubmit={(e) => { e.preventDefault(); save(); }}>
        <section className="card" aria-labelledby="smtp-h">
          <h2 id="smtp-h">Email (SMTP) <SmtpBadge {...smtpBadge(view.smtp.configured, emailTest, newestEmail)} /></h2>
          {!view.smtp.configured && <div className="hint">Without a server, emails land in the <a href="#/outbox">Outbox</a>.</div>}
          <Row label="Host" id="smtp-host" error={p('smtp.host')}><input id="smtp-host" value={form.smtp.host} placeholder="smtp.example.com" onChange={(e) => set('smtp', { host: e.target.value })} /></Row>
          <div className="inline-fields">
            <Row label="Port" id="smtp-port" error={p('smtp.port')}><input id="smtp-port" type="number" min={0} max={65535} value={form.smtp.port} placeholder="587" onChange={(e) => set('smtp', { port: e.target.value })} /></Row>
            <Row label="Encryption" id="smtp-tls" error={p('smtp.tls')}>
              <select id="smtp-tls" value={form.smtp.tls} onChange={(e) => set('smtp', { tls: e.target.value })}>
                <option value="starttls">STARTTLS (587)</option>
                <option value="tls">TLS (465)</option>
                <option value="none">None (local relay only)</option>
              </select>
            </Row>
          </div>
          <Row label="From" id="smtp-from" error={p('smtp.from')}><input id="smtp-from" value={form.smtp.from} placeholder="Acme <news@acme.example>" onChange={(e) => set('smtp', { from: e.target.value })} /></Row>
          <Row label="Alerts to" id="smtp-alert" error={p('smtp.alert_to')} hint="Who is emailed when something needs a person, such as a webhook endpoint switched off."><input id="smtp-alert" type="email" value={form.smtp.alert_to} placeholder="owner@acme.example" onChange={(e) => set('smtp', { alert_to: e.target.value })} /></Row>
          <Row label="User name" id="smtp-user" error={p('smtp.username')}><input id="smtp-user" autoComplete="off" value={form.smtp.username} onChange={(e) => set('smtp', { username: e.target.value })} /></Row>
          <SecretField label="SMTP password" id="smtp-password" isSet={view.smtp.password.set} value={form.smtp.password} onChange={(v) => set('smtp', { password: v })} error={p('smtp.password')} />
          <TestEmail configured={view.smtp.configured} dirty={dirty} onResult={setEmailTest} />
        </section>

        <section className="card" aria-labelledby="sms-h">
          <h2 id="sms-h">SMS provider</h2>
          <div className="hint">A Twilio-compatible HTTP API. Without one, text messages land in the <a href="#/outbox">Outbox</a>.</div>
          <Row label="Base URL" id="sms-url" error={p('sms.url')}><input id="sms-url" value={form.sms.url} placeholder="https://api.twilio.com" onChange={(e) => set('sms', { url: e.target.value })} /></Row>
          <Row label="Account SID" id="sms-account" error={p('sms.account')}><input id="sms-account" autoComplete="off" value={form.sms.account} onChange={(e) => set('sms', { account: e.target.value })} /></Row>
          <Row label="From number" id="sms-from" error={p('sms.from')}><input id="sms-from" value={form.sms.from} placeholder="+3197010000000" onChange={(e) => set('sms', { from: e.target.value })} /></Row>
          <Row label="Monthly cap" id="sms-cap" error={p('sms.monthly_cap')} hint="Messages per calendar month; empty or 0 means 1,000.">
            <input id="sms-cap" type="number" min={0} value={form.sms.monthly_cap} placeholder="1000" onChange={(e) => set('sms', { monthly_cap: e.target.value })} />
          </Row>
          <Row label="Status callback address" id="sms-callback" error={p('sms.status_callback_url')} hint="Where the provider reports each message's delivery status: the public address of Flowdesk's webhook listener. Empty: the listener's own address.">
            <input id="sms-callback" value={form.sms.status_callback_url} placeholder="https://hooks.acme.example" onChange={(e) => set('sms', { status_callback_url: e.target.value })} />
          </Row>
          <Row label="Wait for delivery status" id="sms-status-timeout" error={p('sms.status_timeout_hours')} hint="Hours an SMS step waits for sent or failed before it fails; empty or 0 means 72.">
            <input id="sms-status-timeout" type="number" min={0} value={form.sms.status_timeout_hours} placeholder="72" onChange={(e) => set('sms', { status_timeout_hours: e.target.value })} />
          </Row>
          <SecretField label="SMS auth token" id="sms-token" isSet={view.sms.auth_token.set} value={form.sms.auth_token} onChange={(v) => set('sms', { auth_token: v })} error={p('sms.auth_token')} />
        </section>

        <section className="card" aria-labelledby="slack-h">
          <h2 id="slack-h">Slack</h2>
          <SecretField label="Default Slack webhook URL" id="slack-url" isSet={view.slack.webhook_url.set} value={form.slack.webhook_url} onChange={(v) => set('slack', { webhook_url: v })} error={p('slack.webhook_url')}
            placeholder="https://hooks.slack.com/services/…" hint="Used by Slack steps that name no webhook of their own." />
          <Row label="Default channel" id="slack-channel" error={p('slack.default_channel')}><input id="slack-channel" value={form.slack.default_channel} placeholder="#marketing" onChange={(e) => set('slack', { default_channel: e.target.value })} /></Row>
        </section>

        <section className="card" aria-labelledby="retention-h">
          <h2 id="retention-h">Data retention</h2>
          <div className="hint">Flowdesk deletes what it has finished with, in small steps in the background, so the database stays small.
            Deleted workflows stay in the <a href="#/trash">Trash</a> for 30 days.</div>
          <Row label="Keep history for (days)" id="retention-days" error={p('retention.days')}
            hint={`The history of finished enrollments, old events and raw webhook bodies older than this are deleted; empty or 0 means ${view.retention?.default_days ?? 90} days.`}>
            <input id="retention-days" type="number" min={0} max={3650} value={form.retention.days} placeholder={String(view.retention?.default_days ?? 90)} onChange={(e) => set('retention', { days: e.target.value })} />
          </Row>
        </section>
        <button type="submit" hidden />
      </form>
    </div>
  );
}

function Row({ label, id, error, hint, children }: { label: string; id: string; error?: ReactNode; hint?: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && <div className="hint">{hint}</div>}
      {error}
    </div>
  );
}

/** A write-only secret: "set" / "not set", and Replace / Clear. The typed value is a password input. */
function SecretField(props: { label: string; id: string; isSet: boolean; value: SecretIntent; onChange(v: SecretIntent): void; error?: ReactNode; placeholder?: string; hint?: string }) {
  const { value, isSet } = props;
  return (
    <div className="field secret-field" data-secret={props.id}>
      <label htmlFor={props.id}>{props.label}</label>
      <div className="copy-row">
        <span className={`pill ${value.mode === 'clear' ? 'failed' : isSet ? 'on' : ''}`} data-testid={props.id + '-state'}>
          {value.mode === 'clear' ? 'will be cleared' : value.mode === 'set' && value.value ? 'will be replaced' : isSet ? 'set' : 'not set'}
        </span>
        {value.mode === 'keep' && <button type="button" className="btn small" onClick={() => props.onChange({ mode: 'set', value: '' })}>{isSet ? 'Replace' : 'Set'}</button>}
        {value.mode === 'keep' && isSet && <button type="button" className="btn small ghost warn" onClick={() => props.onChange({ mode: 'clear' })}>Clear</button>}
        {value.mode !== 'keep' && <button type="button" className="btn small ghost" onClick={() => props.onChange({ mode: 'keep' })}>Keep current</button>}
      </div>
      {value.mode === 'set' && (
        <input id={props.id} type="password" autoComplete="new-password" autoFocus placeholder={props.placeholder ?? (isSet ? 'New value' : 'Value')}
          value={value.value} onChange={(e) => props.onChange({ mode: 'set', value: e.target.value })} />
      )}
      {props.hint && <div className="hint">{props.hint}</div>}
      {props.error}
    </div>
  );
}

/** "Send a test email": connects to the saved SMTP server for real and says what happened. */
function SmtpBadge({ tone, text, title }: ReturnType<typeof smtpBadge>) {
  return <span className={`pill ${tone}`} title={title} data-testid="smtp-badge">{text}</span>;
}

function TestEmail({ configured, dirty, onResult }: { configured: boolean; dirty: boolean; onResult: (r: { tone: 'ok' | 'fail' }) => void }) {
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ReturnType<typeof testEmailResult> | null>(null);
  const send = async () => {
    setBusy(true);
    setResult(null);
    let r: ReturnType<typeof testEmailResult>;
    try {
      r = testEmailResult({ ok: true, answer: await api.testEmailSettings(to.trim()) });
    } catch (e) {
      r = testEmailResult({ ok: false, message: e instanceof Error ? e.message : String(e), details: e instanceof ApiError ? e.details : undefined });
    }
    setResult(r);
    onResult(r);
    setBusy(false);
  };
  const why = !configured ? 'Set up a host and save first' : dirty ? 'Save first: the test uses the saved settings' : undefined;
  return (
    <div className="test-email" data-testid="test-email">
      <Row label="Send a test to" id="smtp-test-to">
        <input id="smtp-test-to" type="email" value={to} placeholder="you@example.com" onChange={(e) => setTo(e.target.value)} />
      </Row>
      <button type="button" className="btn" disabled={busy || !!why || !to.trim()} title={why} onClick={send}>{busy ? 'Sending…' : 'Send a test email'}</button>
      {result && (
        <div className={result.tone === 'ok' ? 'ok-text' : 'banner error'} role="status" data-testid="test-email-result">
          {result.text}
          {result.raw && <details className="sub raw-error"><summary>Error as the server gave it</summary><code>{result.raw}</code></details>}
        </div>
      )}
    </div>
  );
}
