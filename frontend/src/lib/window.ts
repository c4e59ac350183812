// Business hours (a workflow's execution_window) in words, and which steps keep to them. The
// list of held step types mirrors backend/workflow/window.go (heldSteps).
import type { ExecutionWindow } from '../api/types';

/** Step types that wait for the business hours when reached outside them. */
export const HELD_STEP_TYPES = ['webhook', 'send_email', 'internal_email', 'sms', 'slack', 'notify'];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The default a user starts from: Monday to Friday, 09:00 to 17:00. */
export const DEFAULT_WINDOW: ExecutionWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' };

const cap = (d: string) => d[0].toUpperCase() + d.slice(1);

/** "Mon–Fri", "Mon, Wed, Fri", "Every day": runs of three or more consecutive days joined by a dash. */
export function daysText(days: string[]): string {
  const idx = WEEKDAYS.map((d) => days.includes(d));
  if (idx.every(Boolean)) return 'Every day';
  const parts: string[] = [];
  for (let i = 0; i < 7; i++) {
    if (!idx[i]) continue;
    let j = i;
    while (j + 1 < 7 && idx[j + 1]) j++;
    if (j - i >= 2) parts.push(`${cap(WEEKDAYS[i])}–${cap(WEEKDAYS[j])}`);
    else for (let k = i; k <= j; k++) parts.push(cap(WEEKDAYS[k]));
    i = j;
  }
  return parts.length ? parts.join(', ') : 'No days';
}

/** Whether the hours run over midnight (an end before the start: 22:00–06:00). */
export function overnight(w: ExecutionWindow): boolean {
  return /^\d\d:\d\d$/.test(w.from) && /^\d\d:\d\d$/.test(w.to) && w.to < w.from;
}

/** "Mon–Fri 09:00–17:00 (Europe/Amsterdam)", "Fri, Sat 22:00–06:00 next day (UTC)"; the zone falls back to the workflow's, then UTC. */
export function windowText(w: ExecutionWindow, workflowZone?: string): string {
  return `${daysText(w.days)} ${w.from}–${w.to}${overnight(w) ? ' next day' : ''} (${w.timezone || workflowZone || 'UTC'})`;
}
