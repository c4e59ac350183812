// "Why did this contact enroll?": turns the API's diagnose object (backend/api records.go,
// engine.Reason) into rows for the diagnose view. Pure, so it is unit-tested.
import type { Definition, Diagnose, Trigger } from '../api/types';
import { eventRules } from './definition';
import { showValue } from './history';

export interface DiagnoseView {
  /** "Event webinar.registered in webinar 54072" */
  summary: string;
  /** "Trigger registered (event)", "Enrolled by hand", "Enrolled by workflow x". */
  trigger: string;
  /** The trigger as it is defined in the workflow (when known). */
  triggerDefinition?: string;
  /** The values the trigger's filter looked at, at the moment of enrollment. */
  matched: { key: string; value: string }[];
  /** The triggering event, when there was one. */
  event?: { id?: number; type: string; occurredAt?: string; fields: { key: string; value: string }[] };
  version: number;
}

const TYPE_WORDS: Record<string, string> = {
  event: 'an event trigger',
  filter: 'a criteria trigger',
  schedule: 'a schedule trigger',
  webhook: 'a webhook trigger',
  manual: 'manual enrollment',
  enroll: 'another workflow',
};

function describeTriggerDef(t: Trigger): string {
  switch (t.type) {
    case 'event': {
      // every rule of the trigger, as its card says them
      const { scope, watch } = eventRules(t);
      return `When event ${t.event ?? '?'} happens` + (scope.length ? ` in ${scope.join(', ')}` : '') + (watch.length ? ` (${watch.join(', ')})` : '');
    }
    case 'filter':
      return 'When a record meets the criteria';
    case 'schedule':
      return t.cron ? `On schedule ${t.cron}` : t.at ? `Once at ${t.at}` : `Relative to ${t.date_property ?? 'a date'}`;
    case 'webhook':
      return `When webhook ${t.hook ?? '?'} is called`;
  }
  return t.type;
}

/** Flattens an object into dotted keys ("scope.webinar"), sorted. */
export function flatten(obj: unknown, prefix = ''): { key: string; value: string }[] {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return prefix ? [{ key: prefix, value: showValue(obj) }] : [];
  const out: { key: string; value: string }[] = [];
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(v, key));
    else out.push({ key, value: showValue(v) });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** Builds the diagnose view; `def` (when loaded) names the trigger's definition. */
export function diagnoseView(d: Diagnose, def?: Definition | null): DiagnoseView {
  const kind = TYPE_WORDS[d.trigger_type] ?? d.trigger_type ?? 'unknown';
  let trigger: string;
  if (d.trigger_type === 'manual') trigger = d.by ? `Enrolled by hand (${d.by})` : 'Enrolled by hand';
  else if (d.trigger_type === 'enroll') trigger = `Enrolled by ${d.by || 'another workflow'}`;
  else trigger = `Trigger ${d.trigger || '?'} (${kind})`;
  const t = def?.triggers.find((x) => x.id === d.trigger);
  const matched = flatten(d.matched);
  let event: DiagnoseView['event'];
  const ev = d.event as { id?: number; env?: Record<string, unknown> } | undefined;
  if (ev && ev.env) {
    const { type, occurred_at, ...rest } = ev.env;
    event = { id: ev.id, type: typeof type === 'string' ? type : '?', occurredAt: typeof occurred_at === 'string' ? occurred_at : undefined, fields: flatten(rest) };
  }
  return { summary: d.summary || 'No reason recorded', trigger, triggerDefinition: t ? describeTriggerDef(t) : undefined, matched, event, version: d.version };
}
