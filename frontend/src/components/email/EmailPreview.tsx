// The live preview of an email for a record the user picks, rendered by the engine's own
// template code (POST /api/email-templates/preview): tokens without a value are highlighted and
// listed, never "Hi ,". Optionally a test send to an address (SMTP, or the outbox without it).
import { useEffect, useState } from 'react';
import { api, type RecordItem } from '../../api';
import { templatesApi, type EmailPreview as Preview, type EmailSample, type TestSendResult } from '../../api/templates';

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The preview's HTML with the highlight style, for a sandboxed iframe. */
export function previewDoc(html: string): string {
  const style = '<style>mark.token-missing{background:#fde68a;color:#92400e;border-radius:3px;padding:0 2px;font-weight:600}</style>';
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (m) => m + style) : style + html;
}

interface Props {
  /** What to render (a template by name, or content being edited), without the record. */
  sample: EmailSample | null;
  object: string;
  testSend?: boolean;
}

export function EmailPreview({ sample, object, testSend }: Props) {
  const [record, setRecord] = useState<RecordItem | null>(null);
  const [q, setQ] = useState('');
  const [found, setFound] = useState<RecordItem[]>([]);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState('');
  const [part, setPart] = useState<'html' | 'text'>('html');
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      api.listRecords({ type: object, q: q.trim() || undefined, limit: 8 }).then((r) => {
        if (!live) return;
        setFound(r.items);
        setRecord((cur) => cur ?? r.items[0] ?? null);
      }, () => live && setFound([]));
    }, q ? 250 : 0);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [q, object]);
  const key = JSON.stringify(sample) + '|' + (record?.id ?? '');
  useEffect(() => {
    if (!sample) return;
    const ctl = new AbortController();
    const t = setTimeout(() => {
      templatesApi.preview({ ...sample, record_id: record?.id }, ctl.signal).then((p) => {
        setPreview(p);
        setError('');
      }, (e) => {
        if (!ctl.signal.aborted) setError(msg(e));
      });
    }, 350);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- key holds sample and record
  }, [key]);
  const missing = [...new Map((preview?.missing ?? []).map((m) => [m.ref, m])).values()];
  return (
    <div className="email-preview" data-testid="email-preview">
      <div className="field">
        <label htmlFor="preview-record">Preview for</label>
        <div className="record-pick">
          <strong data-testid="preview-record">{record ? record.email || `#${record.id}` : 'no record'}</strong>
          <input id="preview-record" type="search" placeholder={`Find a ${object} by name or email`} value={q} onChange={(e) => setQ(e.target.value)} />
          {q && (
            <ul aria-label="Records found">
              {found.map((r) => <li key={r.id}><button type="button" onClick={() => { setRecord(r); setQ(''); }}>{r.email || `#${r.id}`}</button></li>)}
              {found.length === 0 && <li className="hint">No {object} matches.</li>}
            </ul>
          )}
        </div>
        {!record && <div className="hint">No {object} records yet: tokens show as missing.</div>}
      </div>
      {error && <div className="hint error" role="alert">{error}</div>}
      {preview && (
        <>
          <div className="subject-line" data-testid="preview-subject" dangerouslySetInnerHTML={{ __html: preview.marked.subject || '<em>(no subject)</em>' }} />
          {preview.marked.preheader && <div className="preheader-line" dangerouslySetInnerHTML={{ __html: preview.marked.preheader }} />}
          {missing.length > 0 && (
            <div className="missing-list" role="status" data-testid="preview-missing">
              <strong>{record ? `${record.email || '#' + record.id} has no value for` : 'No value for'}:</strong>{' '}
              {missing.map((m, i) => <span key={m.ref}>{i > 0 && ', '}<code>{m.ref}</code></span>)}. Those show highlighted; give the token a default (the token picker) so such a record reads well.
            </div>
          )}
          <div className="segmented" role="tablist" aria-label="Part">
            <button type="button" role="tab" aria-selected={part === 'html'} className={part === 'html' ? 'on' : ''} onClick={() => setPart('html')}>HTML</button>
            <button type="button" role="tab" aria-selected={part === 'text'} className={part === 'text' ? 'on' : ''} onClick={() => setPart('text')}>Plain text</button>
          </div>
          {part === 'html' ? (
            <iframe title="Email preview" sandbox="" srcDoc={previewDoc(preview.marked.html)} />
          ) : (
            <pre className="text-part" data-testid="preview-text" dangerouslySetInnerHTML={{ __html: preview.marked.text || '<em>(no text part)</em>' }} />
          )}
        </>
      )}
      {testSend && sample && <TestSend sample={{ ...sample, record_id: record?.id }} />}
    </div>
  );
}

function TestSend({ sample }: { sample: EmailSample }) {
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string; outbox?: boolean } | null>(null);
  const send = async () => {
    setBusy(true);
    setResult(null);
    try {
      const r: TestSendResult = await templatesApi.testSend({ ...sample, to });
      setResult(r.delivery === 'sent'
        ? { ok: true, text: `Sent to ${r.to}${r.response ? ` (${r.response})` : ''}.` }
        : { ok: true, outbox: true, text: `No SMTP server is set up, so the test to ${r.to} is in the Outbox; nothing was sent.` });
    } catch (e) {
      setResult({ ok: false, text: msg(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="field" style={{ marginTop: 14 }}>
      <label htmlFor="test-to">Send a test to</label>
      <div className="record-pick">
        <input id="test-to" type="email" placeholder="me@example.com" value={to} onChange={(e) => setTo(e.target.value)} style={{ flex: 1 }} />
        <button type="button" className="btn" disabled={busy || !to.trim()} onClick={send}>{busy ? 'Sending…' : 'Send test'}</button>
      </div>
      {result && (
        <div className={'send-result ' + (result.ok ? 'ok' : 'failed')} role={result.ok ? 'status' : 'alert'} data-testid="send-result">
          {result.text} {result.outbox && <a href="#/outbox">Open the Outbox</a>}
        </div>
      )}
      <div className="hint">Rendered for the record above, with “[Test]” before the subject.</div>
    </div>
  );
}
