// What the server's version comparison (workflow.Diff) means on screen: marks for the canvas's
// cards and sentences for the review before publishing. The comparison itself is made once, on
// the server; this only words it.
import type { ChangeKind, Changes, Definition, Step, StepChange, TriggerChange } from '../api/types';
import { TRIGGER_ID } from './definition';

/**
 * The cards to mark when a version is shown against another: on the newer side the added and
 * changed steps, on the older side the removed and changed ones; the trigger card when any
 * trigger differs.
 */
export function marksOf(c: Changes, side: 'newer' | 'older'): Record<string, ChangeKind> {
  const out: Record<string, ChangeKind> = {};
  for (const s of c.steps) {
    if (s.change === 'changed' || (side === 'newer' ? s.change === 'added' : s.change === 'removed')) out[s.id] = s.change;
  }
  if (c.triggers.length) out[TRIGGER_ID] = 'changed';
  return out;
}

const TRIGGER_WORDS: Record<string, string> = { event: 'event', filter: 'filter criteria', schedule: 'schedule', webhook: 'webhook' };

/** Field names as a user reads them. */
const FIELD_WORDS: Record<string, string> = {
  next: 'what follows', branches: 'branches', else: 'the Else path', duration: 'the wait', until: 'the wait', event: 'the event',
  filter: 'the filter', template: 'the template', subject: 'the subject', body: 'the body', property: 'the property', value: 'the value',
  to: 'the recipients', url: 'the URL', name: 'the name', list: 'the list', workflow: 'the workflow', scope: 'the scope',
  reenroll: 're-enrollment', start: 'the first step', object: 'the record type', timezone: 'the time zone', description: 'the description',
  max_steps: 'the step limit', policy: 'the outbound policy', enroll_existing: 'enrolling existing records', cron: 'the schedule', hook: 'the endpoint',
};

function fields(f?: string[], renamedFrom?: string): string {
  if (!f?.length) return '';
  const words = f.map((x) => (x === 'id' && renamedFrom ? `the id (was “${renamedFrom}”)` : FIELD_WORDS[x] ?? x));
  return ' (' + words.join(', ') + ')';
}

/** One sentence per change, in the order steps, triggers, settings. `label` names a step. */
export function changeLines(c: Changes, label: (s: StepChange) => string): { kind: ChangeKind; text: string }[] {
  const out: { kind: ChangeKind; text: string }[] = [];
  const verb = { added: 'Added', removed: 'Removed', changed: 'Changed' } as const;
  for (const kind of ['added', 'changed', 'removed'] as const) {
    for (const s of c.steps.filter((x) => x.change === kind)) out.push({ kind, text: `${verb[kind]} step ${label(s)}${kind === 'changed' ? fields(s.fields) : ''}` });
  }
  for (const t of c.triggers) out.push({ kind: t.change, text: `${verb[t.change]} the ${triggerWord(t)} trigger${t.change === 'changed' ? fields(t.fields, t.from) : ''}` });
  if (c.settings.length) out.push({ kind: 'changed', text: `Changed the settings${fields(c.settings)}` });
  return out;
}

function triggerWord(t: TriggerChange): string {
  return TRIGGER_WORDS[t.type] ?? t.type;
}

/**
 * How a step is named in a change: "Send email “Welcome”". A step without a name is called what
 * it does ("Delay “Wait 2 days”") when `title` finds it in the definitions compared, never by its
 * id unless it is in neither.
 */
export function stepLabel(s: Pick<Step, 'id' | 'name'> & { type: string }, typeLabel: (type: string) => string, title?: (id: string) => string | undefined): string {
  return `${typeLabel(s.type)} “${s.name || title?.(s.id) || s.id}”`;
}

/** Finds a step's title in the first of the definitions that has it (the newer one first). */
export function titleIn(defs: (Definition | null | undefined)[], stepTitle: (s: Step) => string): (id: string) => string | undefined {
  return (id) => {
    for (const d of defs) {
      const st = d?.steps.find((x) => x.id === id);
      if (st) return stepTitle(st);
    }
    return undefined;
  };
}

/** A version the user restored, waiting for the editor of its workflow to take it. */
let restored: { workflowId: string; version: number; definition: Definition } | null = null;

/** Leaves a version for the next editor of its workflow: it opens as unsaved changes. */
export function setRestored(workflowId: string, version: number, definition: Definition): void {
  restored = { workflowId, version, definition: structuredClone(definition) };
}

/** Takes the restored version for a workflow's editor (once). */
export function takeRestored(workflowId: string): { version: number; definition: Definition } | null {
  if (restored?.workflowId !== workflowId) return null;
  const r = restored;
  restored = null;
  return r;
}
