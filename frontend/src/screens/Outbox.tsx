// Outbox: emails and text messages kept locally (no SMTP server / SMS provider set up) and a
// record of sent ones, with what the SMS provider reported (delivered, or failed and why). HTML bodies render in a sandboxed iframe (srcdoc, sandbox="") only.
import { useCallback, useEffect, useState } from 'react';
import { api, type OutboxMessage, type OutboxStatus } from '../api';
import { ago, Empty, ErrorBanner, Spinner } from '../components/common';
import { formatDateTime } from '../lib/datetime';
import { outboxStatus } from '../lib/outbox';

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The status filter's tabs, and how each status reads in the list. */
const STATUS_TABS: [OutboxStatus | '', string][] = [['', 'All'], ['outbox', 'In outbox'], ['sent', 'Sent'], ['delivered', 'Delivered'], ['failed', 'Failed']];

export function OutboxScreen() {
  const [rows, setRows] = useState<OutboxMessage[] | null>(null);
  const [status, setStatus] = useState<OutboxStatus | ''>('');
  const [channel, setChannel] = useState('');
  const [sel, setSel] = useState<number | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(async () => {
    try {
      setRows((await api.listOutbox({ status: status || undefined, channel: channel || undefined, limit: 100 })).items);
      setError('');
    } catch (e) {
      setError(msg(e));
    }
  }, [status, channel]);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount and on filter change
    load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, [load]);
  const remove = async (m: OutboxMessage) => {
    if (!confirm(`Delete the message "${m.subject || m.to}"?`)) return;
    try {
      await api.deleteOutbox(m.id);
      if (sel === m.id) setSel(null);
      setRows((r) => r?.filter((x) => x.id !== m.id) ?? r);
    } catch (e) {
      setError(msg(e));
    }
  };
  const current = rows?.find((m) => m.id === sel) ?? null;
  return (
    <div className="screen">
      <div className="screen-head">
        <div>
          <h1>Outbox</h1>
          <div className="sub">Messages kept on this machine because no email server or SMS provider is set up (see <a href="#/settings">Settings</a>), and the ones sent, with what the SMS provider reported.</div>
        </div>
      </div>
      <div className="filters">
        <div className="tabs" role="tablist" aria-label="Status">
          {STATUS_TABS.map(([v, l]) => (
            <button type="button" key={v} role="tab" aria-selected={status === v} className={status === v ? 'on' : ''} onClick={() => setStatus(v)}>{l}</button>
          ))}
        </div>
        <select aria-label="Channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
          <option value="">Email and SMS</option>
          <option value="email">Email</option>
          <option value="sms">SMS</option>
        </select>
      </div>
      <ErrorBanner error={error} onRetry={load} />
      {!rows && !error && <Spinner label="Loading the outbox…" />}
      {rows && rows.length === 0 && (status || channel
        ? <Empty title="No messages match these filters">Choose another status or channel.</Empty>
        : <Empty title="The outbox is empty">Emails and text messages from workflows appear here when there is no server to send them, and once they are sent.</Empty>)}
      {rows && rows.length > 0 && (
        <div className={current ? 'outbox has-detail' : 'outbox'}>
          <table className="table outbox-list">
            <thead><tr><th>Channel</th><th>To</th><th>Subject / text</th><th>Status</th><th>When</th><th><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {rows.map((m) => { const st = outboxStatus(m); return (
                <tr key={m.id} className={sel === m.id ? 'selected' : ''} onClick={() => setSel(m.id)} data-message={m.id}>
                  <td><span className="chip small">{m.channel}</span></td>
                  <td className="mono">{m.to}</td>
                  <td className="preview-cell">{m.subject || (m.body_text ?? '').slice(0, 80)}</td>
                  <td>
                    <span className={`pill ${st.tone}`} data-status={m.status} data-retrying={m.retry_at ? 'true' : undefined}>{st.label}</span>
                    {st.note && <div className="sub outbox-reason" title={m.reason && m.reason !== st.note ? m.reason : undefined}>{st.note}</div>}
                  </td>
                  <td title={formatDateTime(m.created_at)}>{ago(m.created_at)}</td>
                  <td><button type="button" className="btn small ghost warn" onClick={(e) => { e.stopPropagation(); remove(m); }}>Delete</button></td>
                </tr>
              ); })}
            </tbody>
          </table>
          {current && <MessageView m={current} onClose={() => setSel(null)} />}
        </div>
      )}
    </div>
  );
}

function MessageView({ m, onClose }: { m: OutboxMessage; onClose(): void }) {
  const [view, setView] = useState<'html' | 'text'>(m.body_html ? 'html' : 'text');
  return (
    <section className="card message-view" aria-label="Message">
      <div className="section-head">
        <h2 className="grow">{m.subject || (m.channel === 'sms' ? 'Text message' : '(no subject)')}</h2>
        <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>×</button>
      </div>
      <dl className="facts">
        <dt>From</dt><dd className="mono">{m.from || '—'}</dd>
        <dt>To</dt><dd className="mono">{m.to}</dd>
        <dt>Created</dt><dd>{formatDateTime(m.created_at)}</dd>
        {m.sent_at && <><dt>Sent</dt><dd>{formatDateTime(m.sent_at)}</dd></>}
        {m.status === 'delivered' && m.status_at && <><dt>Delivered</dt><dd>{formatDateTime(m.status_at)}</dd></>}
        {m.status === 'failed' && m.retry_at && <><dt>Retrying</dt><dd>{outboxStatus(m).note}</dd></>}
        {m.status === 'failed' && !m.retry_at && <><dt>Failed</dt><dd className="error-text">{m.reason_text || m.reason || 'not delivered'}{m.status_at && <span className="sub"> · {formatDateTime(m.status_at)}</span>}</dd></>}
        {m.workflow_id && <><dt>Workflow</dt><dd><a href={'#/workflows/' + encodeURIComponent(m.workflow_id)}>{m.workflow_id}</a>{m.step_id && <span className="sub mono"> · {m.step_id}</span>}</dd></>}
        {m.enrollment_id ? <><dt>Enrollment</dt><dd><a href={'#/enrollments/' + m.enrollment_id}>#{m.enrollment_id}</a></dd></> : null}
      </dl>
      {m.body_html && m.body_text && (
        <div className="segmented">
          <button type="button" className={view === 'html' ? 'on' : ''} onClick={() => setView('html')}>HTML</button>
          <button type="button" className={view === 'text' ? 'on' : ''} onClick={() => setView('text')}>Text</button>
        </div>
      )}
      {view === 'html' && m.body_html
        ? <iframe className="mail-frame" title="Email body" sandbox="" srcDoc={m.body_html} referrerPolicy="no-referrer" />
        : <pre className="mail-text">{m.body_text || '(no text body)'}</pre>}
    </section>
  );
}
