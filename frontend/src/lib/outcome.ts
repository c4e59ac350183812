// What an enrollment's status means in words, and the failure counts the screens show. One place,
// so the toolbar, the workflow list, the enrollment list and the detail page tell the same story
// (docs/ui.md, "Outcome states"). Pure, so it is unit-tested.
import type { Enrollment, EnrollmentStatus, Retry, Stats, StepStats } from '../api/types';
import { formatDateTime, formatTime, type DateTimeOptions } from './datetime';

/** Every status, in the order the enrollment list's tabs show them. */
export const STATUSES: EnrollmentStatus[] = ['active', 'waiting', 'completed', 'completed_with_errors', 'goal_reached', 'unenrolled', 'failed', 'cancelled'];

const LABEL: Record<EnrollmentStatus, string> = {
  active: 'active',
  waiting: 'waiting',
  completed: 'completed',
  completed_with_errors: 'completed with errors',
  goal_reached: 'goal reached',
  unenrolled: 'unenrolled',
  failed: 'failed',
  cancelled: 'cancelled',
};

const MEANING: Record<EnrollmentStatus, string> = {
  active: 'Running a step now, or about to.',
  waiting: 'In a delay: waiting for a time, a date or an event.',
  completed: 'Reached the end and every step did its job (steps skipped on purpose, such as an unsubscribed contact, are fine).',
  completed_with_errors: 'Reached the end, but at least one step failed: a refused send, a delivery given up after retries, or a step that could not run.',
  goal_reached: "Met the workflow's goal and left it at once.",
  unenrolled: 'Taken out by an unenrollment rule: it met the unenrollment filter, no longer met the enrollment criteria, joined a suppression list, or enrolled in a workflow that removes it.',
  failed: 'Stopped at a step that could not go on.',
  cancelled: 'Stopped by hand, or when the workflow was switched off.',
};

export function statusLabel(s: EnrollmentStatus | string): string {
  return LABEL[s as EnrollmentStatus] ?? s;
}

export function statusMeaning(s: EnrollmentStatus | string): string {
  return MEANING[s as EnrollmentStatus] ?? '';
}

/** "1 step failed" / "3 steps failed"; empty when none did. */
export function failedStepsText(n: number | undefined): string {
  if (!n) return '';
  return `${n} step${n === 1 ? '' : 's'} failed`;
}

/** Whether an enrollment has something failed to show (its status, or a failed step on the way). */
export function hasFailures(e: Pick<Enrollment, 'status' | 'failed_steps'>): boolean {
  return e.status === 'failed' || e.status === 'completed_with_errors' || (e.failed_steps ?? 0) > 0;
}

/** The counters of a toolbar or list row: "done" is only what finished cleanly; "failed" is every
 * enrollment that stopped at a failed step, finished with failed steps, or goes on after one
 * (a dead letter); "retrying" waits for another try (not failed yet). */
export function outcomeTotals(en: Stats['enrollments'] | undefined, retrying = 0, openWithFailedSteps = 0) {
  const n = (k: EnrollmentStatus) => en?.[k] ?? 0;
  const failed = n('failed') + n('completed_with_errors') + openWithFailedSteps;
  const parts: string[] = [];
  if (n('failed')) parts.push(`${n('failed')} stopped at a failed step`);
  if (n('completed_with_errors')) parts.push(`${n('completed_with_errors')} completed with errors`);
  if (openWithFailedSteps) parts.push(`${openWithFailedSteps} still in the workflow with a failed step`);
  return {
    active: n('active'),
    waiting: n('waiting'),
    done: n('completed'),
    failed,
    /** waiting for another try of an outbound step (among active; not failed yet) */
    retrying,
    retryingTitle: retrying ? `${retrying} waiting for another try of a send that failed; not failed yet` : '',
    failedTitle: parts.length ? parts.join(', ') : 'No enrollment has a failed step',
  };
}

/** A card's retrying counter's tooltip: how many wait, when the next try runs and the last error. */
export function retryingTitle(st: Pick<StepStats, 'retrying' | 'next_try_at' | 'last_error' | 'last_error_text'>, o: DateTimeOptions = {}): string {
  const n = st.retrying ?? 0;
  if (!n) return '';
  const parts = [`${n} retrying: the last try failed`];
  if (st.next_try_at) parts.push(`next try at ${formatTime(st.next_try_at, o)}`);
  let out = parts.join(', ') + '.';
  if (st.last_error_text) out += ` ${st.last_error_text} (${st.last_error})`;
  else if (st.last_error) out += ` Last error: ${st.last_error}`;
  return out;
}

/** The enrollment page's status line of a retry: "retrying: try 3 of 8 failed, next try at 1 Dec 2026, 11:00". */
export function retryLine(r: Retry | null | undefined, o: DateTimeOptions = {}): string {
  if (!r) return '';
  return `retrying: try ${r.try} of ${r.max_tries} failed, next try at ${formatDateTime(r.next_try_at, o)}`;
}
