// Words for manual enrollment: why records are skipped, and the counts of a preview or a job. Pure.
import type { EnrollJob, EnrollPreview, SkipCode } from '../api/types';

/** Short words per skip reason, for counts ("already enrolled: 3"). */
export const SKIP_LABELS: Record<SkipCode, string> = {
  already_enrolled: 'already enrolled',
  reenrollment_off: 'enrolled before (re-enrollment is off)',
  wrong_object: 'not of this workflow’s record type',
  record_missing: 'no longer exist',
  filter_error: 'filter could not be evaluated',
  workflow_off: 'workflow is off',
  goal_met: 'meet the goal already',
  unenroll_met: 'meet the unenrollment filter',
};

const n = (v: number) => v.toLocaleString();

/** "2 skipped (already enrolled: 1, enrolled before (re-enrollment is off): 1)", or "" for none. */
export function skippedText(skipped: Partial<Record<SkipCode, number>>): string {
  const parts = (Object.entries(skipped) as [SkipCode, number][]).filter(([, c]) => c > 0);
  if (parts.length === 0) return '';
  const total = parts.reduce((s, [, c]) => s + c, 0);
  return `${n(total)} skipped (${parts.map(([k, c]) => `${SKIP_LABELS[k] ?? k}: ${n(c)}`).join(', ')})`;
}

/** What a preview says, e.g. "5 contacts match: 4 will be enrolled, 1 skipped (already enrolled: 1)." */
export function previewText(p: EnrollPreview, object: string): string {
  const noun = p.matched === 1 ? object : object + 's';
  if (p.matched === 0) return `No ${object}s match.`;
  const skipped = skippedText(p.skipped);
  return `${n(p.matched)} ${noun} match: ${n(p.enrollable)} will be enrolled${skipped ? ', ' + skipped : ''}.`;
}

/** Progress of a running job, or its result once done. */
export function jobText(j: EnrollJob): string {
  const skipped = skippedText(j.skipped);
  const counts = `${n(j.enrolled)} enrolled${skipped ? ', ' + skipped : ''}`;
  switch (j.status) {
    case 'running':
      return `${n(j.processed)} of ${n(j.total)} handled · ${counts}`;
    case 'done':
      return `Done: ${counts}.`;
    case 'failed':
      return `Stopped: ${counts}. ${j.error ?? ''}`.trim();
    default:
      return `Stopped by hand: ${counts}.`;
  }
}
