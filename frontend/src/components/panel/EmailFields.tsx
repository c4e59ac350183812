import { TextArea, TextField } from './fields';
import type { PanelProps } from '../../nodes/types';

/** Template, or subject + body. */
export function EmailFields({ step, update }: PanelProps) {
  const useTemplate = step.template !== undefined && step.template !== '' ? true : !(step.subject || step.body);
  return (
    <>
      <div className="segmented">
        <button type="button" className={useTemplate ? 'on' : ''} onClick={() => update({ template: step.template || 'template', subject: undefined, body: undefined })}>Template</button>
        <button type="button" className={!useTemplate ? 'on' : ''} onClick={() => update({ template: undefined, subject: step.subject || 'Subject', body: step.body || '' })}>Write it here</button>
      </div>
      {useTemplate ? (
        <TextField label="Template" value={step.template} placeholder="webinar-thanks" onChange={(v) => update({ template: v })} />
      ) : (
        <>
          <TextField label="Subject" value={step.subject} onChange={(v) => update({ subject: v })} />
          <TextArea label="Body" rows={6} value={step.body} onChange={(v) => update({ body: v })} />
        </>
      )}
    </>
  );
}
