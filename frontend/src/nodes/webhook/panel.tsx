import { DurationField, KeyValueField, SelectField, TextArea, TextField } from '../../components/panel/fields';
import { useEditor } from '../../store/context';
import type { PanelProps } from '../types';
import { WEBHOOK_METHODS } from './default';

export function WebhookPanel({ step, update }: PanelProps) {
  const object = useEditor((s) => s.definition.object);
  const preview = step.template || JSON.stringify({ type: `workflow.${step.id}`, data: { record: { type: object, id: 42, email: 'ada@example.com', properties: { '…': '…' } } }, account: 'local', created_at: '2026-01-31T09:00:00Z' }, null, 2);
  return (
    <>
      <TextField label="URL" value={step.url} placeholder="https://example.com/in" onChange={(v) => update({ url: v })} />
      <SelectField label="Method" value={step.method || 'POST'} onChange={(v) => update({ method: v })} options={WEBHOOK_METHODS.map((m) => ({ value: m, label: m }))} />
      <KeyValueField label="Headers" value={step.headers} keyLabel="Header" onChange={(v) => update({ headers: v })} />
      <TextField label="Signing secret" value={step.secret} placeholder="whsec_… (optional)" onChange={(v) => update({ secret: v })} hint="Signs each request per Standard Webhooks." />
      <DurationField label="Timeout" optional value={step.timeout} onChange={(v) => update({ timeout: v })} />
      <TextArea label="Body template" rows={3} value={step.template} placeholder="Leave empty for the JSON envelope" onChange={(v) => update({ template: v })} />
      <div className="field">
        <label>Payload preview</label>
        <pre className="preview">{preview}</pre>
      </div>
    </>
  );
}
