// The built-in templates offered by "Create workflow" (the same examples the Go tests and the
// demo data use), and the hand-off of a draft to the editor's "new" screen.
import type { Definition } from '../api/types';
import leadNurture from '../../../testdata/workflows/lead-nurture.json';
import optIn from '../../../testdata/workflows/opt-in-webhook.json';
import webinar from '../../../testdata/workflows/webinar-follow-up.json';

export interface Template {
  key: string;
  name: string;
  description: string;
  definition: Definition;
}

export const TEMPLATES: Template[] = [
  { key: 'webinar-follow-up', name: 'Webinar follow-up', description: 'Registered for a webinar: wait, branch on how much they watched, thank the viewers and send the replay to the rest.', definition: webinar as unknown as Definition },
  { key: 'lead-nurture', name: 'Lead nurture', description: 'New leads with a known city: wait until Tuesday morning, score them, hand hot leads to sales, nurture the rest.', definition: leadNurture as unknown as Definition },
  { key: 'opt-in-webhook', name: 'Newsletter opt-in', description: 'An opt-in form arrives by webhook: record the consent, send a welcome email, tell the marketing team.', definition: optIn as unknown as Definition },
];

let draft: Definition | null = null;

/** Leaves a definition for the next "new workflow" editor to start from. */
export function setDraft(def: Definition | null): void {
  draft = def ? structuredClone(def) : null;
}

/** The pending draft (still pending until clearDraft, so a re-run effect sees it too). */
export function peekDraft(): Definition | null {
  return draft ? structuredClone(draft) : null;
}

export function clearDraft(): void {
  draft = null;
}
