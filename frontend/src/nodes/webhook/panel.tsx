import { DurationField, KeyValueField, SelectField, TextArea, TextField } from '../../components/panel/fields';
import { useEditor } from '../../store/context';
import type { PanelProps } from '../types';
import { SYSTEMEIO_EVENTS, WEBHOOK_METHODS } from './default';

export function WebhookPanel({ step, update }: PanelProps) {
  const object = useEditor((s) => s.definition.object);
  const preview = step.format === 'systemeio' ? `systeme.io's ${step.event?.type ?? ''} body, filled from the record` : step.template || JSON.stringify({ type: `workflow.${step.id}`, data: { record: { type: object, id: 42, email: 'ada@example.com', properties: { '…': '…' } } }, account: 'local', created_at: '2026-01-31T09:00:00Z' }, null, 2);
  return (
    <>
      <TextField label="URL" value={step.url} placeholder="https://example.com/in" onChange={(v) => update({ url: v })} />
      <SelectField label="Method" value={step.method || 'POST'} onChange={(v) => update({ method: v })} options={WEBHOOK_METHODS.map((m) => ({ value: m, label: m }))} />
      <KeyValueField label="Headers" value={step.headers} keyLabel="Header" onChange={(v) => update({ headers: v })} />
      <TextField label="Signing secret" value={step.secret} placeholder="whsec_… (optional)" onChange={(v) => update({ secret: v })} hint="Signs each request per Standard Webhooks." />
      <DurationField label="Timeout" optional value={step.timeout} onChange={(v) => update({ timeout: v })} />
      <SelectField label="Body format" value={step.format === 'systemeio' ? 'systemeio' : 'flowdesk'}
        options={[{ value: 'flowdesk', label: 'Flowdesk envelope or your template' }, { value: 'systemeio', label: "systeme.io's webhook format" }]}
        onChange={(v) => update(v === 'systemeio'
          ? { format: 'systemeio', template: undefined, event: { type: step.event?.type || SYSTEMEIO_EVENTS[0] } }
          : { format: undefined, event: undefined, properties: undefined })}
        hint="systeme.io's format sends exactly what systeme.io sends for the event, so a receiver built for systeme.io reads it." />
      {step.format === 'systemeio' ? (
        <>
          <SelectField label="systeme.io event" value={step.event?.type ?? SYSTEMEIO_EVENTS[0]}
            options={SYSTEMEIO_EVENTS.map((e) => ({ value: e, label: e }))} onChange={(v) => update({ event: { type: v } })} />
          <KeyValueField label="Values" value={step.properties as Record<string, string> | undefined} keyLabel="Field (e.g. tag.name)" valueLabel="Value"
            onChange={(v) => update({ properties: v })}
            hint="Optional: fields inside data to fill, e.g. tag.name = vip. The contact comes from the record; the rest from the triggering event when it has it." />
        </>
      ) : (
        <TextArea label="Body template" rows={3} value={step.template} placeholder="Leave empty for the JSON envelope" onChange={(v) => update({ template: v })} />
      )}
      <div className="field">
        <label>Payload preview</label>
        <pre className="preview">{preview}</pre>
      </div>
    </>
  );
}
