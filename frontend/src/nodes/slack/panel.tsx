import { TextArea, TextField } from '../../components/panel/fields';
import type { PanelProps } from '../types';

export function SlackPanel({ step, update }: PanelProps) {
  return (
    <>
      <TextField label="Incoming-webhook URL" value={step.webhook_url} placeholder="https://hooks.slack.com/services/…" onChange={(v) => update({ webhook_url: v })} />
      <TextArea label="Message" rows={3} value={step.text} onChange={(v) => update({ text: v })} />
    </>
  );
}
