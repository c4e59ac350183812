// Email templates: the list (create, duplicate, delete refused while a workflow uses one) and
// the editor (subject, preheader, HTML body in TipTap or as source, generated plain text, token
// picker, live preview for a picked record, test send).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, type Property } from '../api';
import { templatesApi, type EmailTemplate, type TemplateProblem, type TemplateUser } from '../api/templates';
import { ago, Empty, ErrorBanner, Spinner } from '../components/common';
import { EmailPreview } from '../components/email/EmailPreview';
import { RichTextEditor } from '../components/email/RichTextEditor';
import { TokenPicker } from '../components/email/TokenPicker';
import { useCatalogue } from '../components/EventPicker';
import { draftOf, isDirty, liveUseWarning, problemText, problemsByField, saveInput, slug, visualEditorLoss, type TemplateDraft } from '../lib/email-template';
import { navigate, setLeaveGuard } from '../router';
import '../authoring.css';

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
const href = (name: string) => '#/templates/' + encodeURIComponent(name);

const STARTER = {
  subject: 'Hello {{contact.first_name | default "there"}}',
  preheader: '',
  body_html: '<p>Hi {{contact.first_name | default "there"}},</p><p>Write your email here.</p>',
  body_text: '',
};

function UsedBy({ users }: { users: TemplateUser[] | undefined }) {
  if (!users?.length) return <span className="hint">not used</span>;
  return (
    <>
      {users.map((u, i) => (
        <span key={u.id}>{i > 0 && ', '}<a href={'#/workflows/' + encodeURIComponent(u.id)}>{u.name}</a>{u.live ? ' (live)' : ''}</span>
      ))}
    </>
  );
}

export function TemplatesScreen() {
  const [rows, setRows] = useState<EmailTemplate[] | null>(null);
  const [error, setError] = useState('');
  const [creating, setCreating] = useState(false);
  const [title, setTitle] = useState('');
  const [createProblem, setCreateProblem] = useState('');
  const load = useCallback(async () => {
    try {
      setRows(await templatesApi.list());
      setError('');
    } catch (e) {
      setError(msg(e));
    }
  }, []);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount
    load();
  }, [load]);
  const create = async () => {
    const name = slug(title);
    try {
      await templatesApi.create({ name, ...STARTER });
      navigate(href(name));
    } catch (e) {
      const p = e instanceof ApiError ? (e.details as { problems?: TemplateProblem[] } | undefined)?.problems : undefined;
      setCreateProblem(p?.length ? p.map((x) => x.message).join(' ') : msg(e));
    }
  };
  const duplicate = async (t: EmailTemplate) => {
    try {
      const cp = await templatesApi.duplicate(t.name);
      navigate(href(cp.name));
    } catch (e) {
      setError(msg(e));
    }
  };
  const remove = async (t: EmailTemplate) => {
    if (!confirm(`Delete the email template "${t.name}"?`)) return;
    try {
      await templatesApi.remove(t.name);
      await load();
    } catch (e) {
      setError(msg(e));
    }
  };
  return (
    <div className="screen templates-screen">
      <div className="screen-head">
        <div>
          <h1>Email templates</h1>
          <div className="sub">The emails your workflows send. Tokens like {'{{contact.first_name}}'} are filled in per record.</div>
        </div>
        <button type="button" className="btn primary" onClick={() => { setCreating(true); setCreateProblem(''); }}>New template</button>
      </div>
      {creating && (
        <form className="card-section" onSubmit={(e) => { e.preventDefault(); create(); }} aria-label="New template">
          <div className="field">
            <label htmlFor="new-template-name">Template name</label>
            <input id="new-template-name" autoFocus value={title} placeholder="Webinar replay" onChange={(e) => { setTitle(e.target.value); setCreateProblem(''); }} />
            <div className="hint">{slug(title) ? <>Saved as <code>{slug(title)}</code>; steps refer to it by this name, which cannot change.</> : 'Lowercase letters, digits, - and _.'}</div>
            {createProblem && <div className="hint error" role="alert">{createProblem}</div>}
          </div>
          <button type="submit" className="btn primary" disabled={!slug(title)}>Create</button>{' '}
          <button type="button" className="btn ghost" onClick={() => setCreating(false)}>Cancel</button>
        </form>
      )}
      {error && <ErrorBanner error={error} onClose={() => setError('')} />}
      {rows === null ? <Spinner label="Loading templates" /> : rows.length === 0 ? (
        <Empty title="No email templates yet">Create one, then pick it in a Send email step.</Empty>
      ) : (
        <table className="table">
          <thead>
            <tr><th>Name</th><th>Subject</th><th>Used by</th><th>Updated</th><th><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.name} data-template={t.name}>
                <td><a href={href(t.name)}>{t.name}</a></td>
                <td>{t.subject}</td>
                <td><UsedBy users={t.used_by} /></td>
                <td>{ago(t.updated_at)}</td>
                <td className="actions">
                  <button type="button" className="btn small" onClick={() => duplicate(t)} aria-label={`Duplicate ${t.name}`}>Duplicate</button>{' '}
                  <button type="button" className="btn small danger" onClick={() => remove(t)} aria-label={`Delete ${t.name}`}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

type Target = 'subject' | 'preheader' | 'body';

export function TemplateEditScreen({ name }: { name: string }) {
  const [stored, setStored] = useState<EmailTemplate | null>(null);
  const [draft, setDraft] = useState<TemplateDraft | null>(null);
  const [loadError, setLoadError] = useState('');
  const [problems, setProblems] = useState<TemplateProblem[]>([]);
  const [saveError, setSaveError] = useState('');
  const [saved, setSaved] = useState('');
  const [mode, setMode] = useState<'visual' | 'html'>('visual');
  const [target, setTarget] = useState<Target>('body');
  const [eventType, setEventType] = useState('');
  const [properties, setProperties] = useState<Property[]>([]);
  const catalogue = useCatalogue();
  const insertBody = useRef<((t: string) => void) | null>(null);
  const onReady = useCallbackRef(insertBody);
  const subjectRef = useRef<HTMLInputElement>(null);
  const preheaderRef = useRef<HTMLInputElement>(null);
  const htmlRef = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    let live = true;
    templatesApi.get(name).then((t) => {
      if (!live) return;
      setStored(t);
      setDraft(draftOf(t));
      setMode(visualEditorLoss(t.body_html) ? 'html' : 'visual');
    }, (e) => live && setLoadError(msg(e)));
    api.listProperties('contact').then((p) => live && setProperties(p), () => undefined);
    return () => {
      live = false;
    };
  }, [name]);
  const dirty = !!(draft && stored && isDirty(draft, stored));
  useEffect(() => setLeaveGuard(dirty ? () => confirm('Leave without saving the changes to this template?') : null), [dirty]);
  const sample = useMemo(() => {
    if (!draft) return null;
    const { subject, preheader, body_html, body_text } = saveInput(draft);
    return { content: { subject, preheader, body_html, body_text }, event_type: eventType || undefined };
  }, [draft, eventType]);
  const byField = problemsByField(problems);
  if (loadError) return <div className="screen"><ErrorBanner error={loadError} /><a href="#/templates">Back to templates</a></div>;
  if (!draft || !stored) return <Spinner label="Loading the template" />;
  const set = (p: Partial<TemplateDraft>) => {
    setDraft({ ...draft, ...p });
    setSaved('');
  };
  const loss = visualEditorLoss(draft.body_html);
  const insert = (token: string) => {
    const into = (el: HTMLInputElement | HTMLTextAreaElement | null, key: 'subject' | 'preheader' | 'body_html') => {
      const v = draft[key];
      const at = el?.selectionStart ?? v.length;
      const end = el?.selectionEnd ?? at;
      set({ [key]: v.slice(0, at) + token + v.slice(end) });
      requestAnimationFrame(() => {
        el?.focus();
        el?.setSelectionRange(at + token.length, at + token.length);
      });
    };
    if (target === 'subject') into(subjectRef.current, 'subject');
    else if (target === 'preheader') into(preheaderRef.current, 'preheader');
    else if (mode === 'html') into(htmlRef.current, 'body_html');
    else insertBody.current?.(token);
  };
  const save = async () => {
    setSaveError('');
    try {
      const t = await templatesApi.update(saveInput(draft));
      setStored({ ...t, used_by: stored.used_by });
      setDraft(draftOf(t));
      setProblems([]);
      setSaved('Saved.');
    } catch (e) {
      const p = e instanceof ApiError && e.code === 'invalid_template' ? (e.details as { problems?: TemplateProblem[] } | undefined)?.problems ?? [] : [];
      setProblems(p);
      setSaveError(p.length ? `Not saved: ${p.length === 1 ? 'a problem' : p.length + ' problems'} to fix.` : msg(e));
    }
  };
  const fieldProblems = (f: string) => byField[f]?.length ? (
    <ul className="field-problems" role="alert">{byField[f].map((p, i) => <li key={i}>{problemText(p)}</li>)}</ul>
  ) : null;
  return (
    <div className="screen templates-screen">
      <div className="screen-head">
        <div>
          <div className="crumbs"><a href="#/templates">Email templates</a> /</div>
          <h1>{stored.name}</h1>
          <div className="sub">{stored.used_by?.length ? <>Sent by <UsedBy users={stored.used_by} /></> : 'No workflow sends it yet.'}</div>
        </div>
        <div>
          {dirty && <span className="hint">Unsaved changes </span>}
          {saved && <span className="hint" role="status">{saved} </span>}
          <button type="button" className="btn primary" disabled={!dirty} onClick={save}>Save</button>
        </div>
      </div>
      {saveError && <div className="hint error" role="alert" data-testid="save-error">{saveError}</div>}
      {dirty && liveUseWarning(stored.used_by) && <div className="banner warn" data-testid="live-use-warning">{liveUseWarning(stored.used_by)}</div>}
      <div className="template-edit">
        <div className="pane">
          <TokenPicker object="contact" properties={properties} events={catalogue.events} eventType={eventType} onEventType={setEventType} onInsert={insert}
            target={target === 'body' ? 'the body' : 'the ' + target} />
          <div className="field">
            <label htmlFor="tpl-subject">Subject</label>
            <input id="tpl-subject" ref={subjectRef} value={draft.subject} onFocus={() => setTarget('subject')} onChange={(e) => set({ subject: e.target.value })} />
            {fieldProblems('subject')}
          </div>
          <div className="field">
            <label htmlFor="tpl-preheader">Preheader</label>
            <input id="tpl-preheader" ref={preheaderRef} value={draft.preheader} placeholder="The line inboxes show after the subject" onFocus={() => setTarget('preheader')} onChange={(e) => set({ preheader: e.target.value })} />
            {fieldProblems('preheader')}
          </div>
          <div className="field">
            <div className="field-label">Body</div>
            <div className="segmented" role="tablist" aria-label="Body editor">
              <button type="button" role="tab" aria-selected={mode === 'visual'} className={mode === 'visual' ? 'on' : ''}
                onClick={() => (!loss || confirm(`The visual editor would simplify this body: ${loss}. Switch anyway?`)) && setMode('visual')}>Visual</button>
              <button type="button" role="tab" aria-selected={mode === 'html'} className={mode === 'html' ? 'on' : ''} onClick={() => setMode('html')}>HTML</button>
            </div>
            {mode === 'visual' ? (
              <RichTextEditor label="Body" value={draft.body_html} onChange={(h) => set({ body_html: h })} onFocus={() => setTarget('body')}
                onReady={onReady} />
            ) : (
              <>
                <textarea ref={htmlRef} className="html-source" aria-label="Body HTML" spellCheck={false} value={draft.body_html} onFocus={() => setTarget('body')} onChange={(e) => set({ body_html: e.target.value })} />
                {loss && <div className="hint">Edited as HTML: {loss}, which the visual editor would not keep.</div>}
              </>
            )}
            {fieldProblems('body_html')}
          </div>
          <div className="field">
            <label className="check">
              <input type="checkbox" checked={draft.textByHand} onChange={(e) => set({ textByHand: e.target.checked, body_text: e.target.checked ? draft.body_text : '' })} />
              Write the plain-text part by hand
            </label>
            {draft.textByHand ? (
              <textarea aria-label="Plain text" rows={8} value={draft.body_text} onChange={(e) => set({ body_text: e.target.value })} style={{ width: '100%' }} />
            ) : (
              <div className="hint">Generated from the HTML body at every save; see “Plain text” in the preview.</div>
            )}
            {fieldProblems('body_text')}
          </div>
        </div>
        <div className="pane">
          <h2>Preview</h2>
          <EmailPreview sample={sample} object="contact" testSend />
        </div>
      </div>
    </div>
  );
}

/** A stable callback that stores the editor's insert function in ref. */
function useCallbackRef(ref: React.RefObject<((t: string) => void) | null>) {
  return useCallback((fn: (t: string) => void) => {
    ref.current = fn;
  }, [ref]);
}
