import { useEffect, useState, type ReactNode } from 'react';
import { templatesApi, type EmailTemplate } from '../../api/templates';
import { previewWithoutValues, tokensWithoutDefault } from '../../lib/tokens';
import type { PanelProps } from '../../nodes/types';
import { useEditor, useObjectProperties } from '../../store/context';
import { Combobox } from '../Combobox';
import { EmailPreview } from '../email/EmailPreview';
import { TokenPicker } from '../email/TokenPicker';
import { useCatalogue } from '../EventPicker';
import { TextArea, TextField } from './fields';

/** The saved templates, for the picker. */
function useTemplates(): EmailTemplate[] | null {
  const [list, setList] = useState<EmailTemplate[] | null>(null);
  useEffect(() => {
    let live = true;
    templatesApi.list().then((l) => live && setList(l), () => live && setList([]));
    return () => {
      live = false;
    };
  }, []);
  return list;
}

/** Picks a saved template by name; a name that no template has is kept and said. */
function TemplatePicker({ value, onChange }: { value: string | undefined; onChange(v: string): void }) {
  const list = useTemplates();
  const cur = list?.find((t) => t.name === value);
  return (
    <Combobox label="Template" value={value} onChange={onChange} listLabel="Email templates" placeholder="Choose or search a template…"
      groups={(q) => [{
        label: 'Email templates',
        options: (list ?? []).filter((t) => !q || `${t.name} ${t.subject}`.toLowerCase().includes(q.toLowerCase()))
          .map((t) => ({ value: t.name, label: t.subject, detail: t.name })),
      }]}
      empty={(q) => (list?.length ? `No template matches “${q}”.` : 'No templates yet.')}
      hint={
        <>
          {cur && <a href={'#/templates/' + encodeURIComponent(cur.name)}>Edit “{cur.name}”</a>}
          {value && list && !cur && <span className="warn-text">No template is named “{value}”. </span>}
          {!cur && <a href="#/templates">Manage templates</a>}
        </>
      } />
  );
}

/** Template, or subject + body. */
export function EmailFields({ step, update }: PanelProps) {
  // the choice is the panel's own state: an empty subject and body still mean "write it here"
  const [useTemplate, setUseTemplate] = useState(() => (step.template !== undefined && step.template !== '') || !(step.subject || step.body));
  const missing = useTemplate ? [] : tokensWithoutDefault(step.subject, step.body);
  return (
    <>
      <div className="segmented" role="radiogroup" aria-label="Email content">
        <button type="button" role="radio" aria-checked={useTemplate} className={useTemplate ? 'on' : ''} onClick={() => {
          setUseTemplate(true);
          update({ template: step.template || '', subject: undefined, body: undefined });
        }}>Template</button>
        <button type="button" role="radio" aria-checked={!useTemplate} className={!useTemplate ? 'on' : ''} onClick={() => {
          setUseTemplate(false);
          update({ template: undefined, subject: step.subject ?? '', body: step.body ?? '' });
        }}>Write it here</button>
      </div>
      {useTemplate ? (
        <TemplatePicker value={step.template} onChange={(v) => update({ template: v })} />
      ) : (
        <>
          <InlineTokens onInsert={(into, token) => update(into === 'subject' ? { subject: (step.subject ?? '') + token } : { body: (step.body ?? '') + token })}>
            {(focus) => (
              <>
                <div onFocus={() => focus('subject')}>
                  <TextField label="Subject" value={step.subject} placeholder={'Thanks for joining, {{contact.first_name | default "there"}}'} onChange={(v) => update({ subject: v })} />
                </div>
                <div onFocus={() => focus('body')}>
                  <TextArea label="Body" rows={6} value={step.body} onChange={(v) => update({ body: v })} />
                </div>
              </>
            )}
          </InlineTokens>
          {missing.length > 0 && (
            <div className="token-warning" role="status" data-testid="token-warning">
              <strong>{missing.length === 1 ? 'A token has no default' : `${missing.length} tokens have no default`}</strong>
              {missing.map((t) => (
                <div key={t.path}>
                  <code>{t.raw}</code> is empty for a record without <code>{t.path}</code>. Add a default: <code>{`{{${t.path} | default "there"}}`}</code>
                </div>
              ))}
              <div className="preview">
                <span className="sub">Such a record gets:</span> {previewWithoutValues(step.subject) || <em>(no subject)</em>}
                {step.body && <div className="preview-body">{previewWithoutValues(step.body).slice(0, 200)}</div>}
              </div>
            </div>
          )}
        </>
      )}
      <StepPreview template={useTemplate ? step.template : undefined} subject={step.subject} body={step.body} />
    </>
  );
}

/** The token picker for a step's own subject and body: the object's properties and the event
 * triggers' fields; a token goes at the end of the field focused last. */
function InlineTokens({ onInsert, children }: { onInsert(into: 'subject' | 'body', token: string): void; children(focus: (f: 'subject' | 'body') => void): ReactNode }) {
  const [into, setInto] = useState<'subject' | 'body'>('body');
  const [open, setOpen] = useState(false);
  const [eventType, setEventType] = useState<string | null>(null);
  const object = useEditor((s) => s.definition.object) || 'contact';
  const triggerEvents = useEditor((s) => s.definition.triggers).filter((t) => t.type === 'event' && t.event).map((t) => t.event!);
  const properties = useObjectProperties();
  const catalogue = useCatalogue();
  const events = catalogue.events.filter((e) => triggerEvents.includes(e.type));
  return (
    <>
      {children(setInto)}
      <details className="card-section" open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
        <summary>Insert a token</summary>
        {open && <TokenPicker object={object} properties={properties} events={events.length ? events : catalogue.events} eventType={eventType ?? triggerEvents[0] ?? ''}
          onEventType={setEventType} onInsert={(t) => onInsert(into, t)} target={'the end of the ' + into} />}
      </details>
    </>
  );
}

/** The step's email rendered for a record, as the Templates screen shows it. */
function StepPreview({ template, subject, body }: { template?: string; subject?: string; body?: string }) {
  const object = useEditor((s) => s.definition.object) || 'contact';
  const workflowId = useEditor((s) => (s.revision > 0 ? s.definition.id : ''));
  const eventType = useEditor((s) => s.definition.triggers.find((t) => t.type === 'event' && t.event)?.event);
  const [open, setOpen] = useState(false);
  const sample = template !== undefined
    ? (template ? { template, event_type: eventType } : null)
    : (subject || body ? { content: { subject: subject ?? '', body_text: body ?? '' }, event_type: eventType } : null);
  return (
    <details className="card-section" open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Preview</summary>
      {open && (sample ? <EmailPreview sample={{ ...sample, workflow_id: workflowId || undefined }} object={object} /> : <div className="hint">Pick a template or write the email to see it.</div>)}
    </details>
  );
}
