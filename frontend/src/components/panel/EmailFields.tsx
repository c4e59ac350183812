import { useState } from 'react';
import { previewWithoutValues, tokensWithoutDefault } from '../../lib/tokens';
import type { PanelProps } from '../../nodes/types';
import { TextArea, TextField } from './fields';

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
        <TextField label="Template" value={step.template} placeholder="webinar-thanks" onChange={(v) => update({ template: v })} />
      ) : (
        <>
          <TextField label="Subject" value={step.subject} placeholder={'Thanks for joining, {{contact.first_name | default "there"}}'} onChange={(v) => update({ subject: v })} />
          <TextArea label="Body" rows={6} value={step.body} onChange={(v) => update({ body: v })} />
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
    </>
  );
}
