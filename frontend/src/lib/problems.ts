// Validation problems as the editor shows them: errors keep a workflow from being switched on
// (it can still be saved as a draft); warnings never do.
import type { Problem } from '../api/types';

/** The problems that keep a workflow from being switched on (a missing severity is an error). */
export function errorsOf(problems: Problem[]): Problem[] {
  return problems.filter((p) => p.severity !== 'warning');
}

/** The label of a problems count: errors first, then warnings ("2 problems · 1 warning"). */
export function problemsLabel(errors: number, warnings: number): string {
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  const parts = [errors ? n(errors, 'problem') : '', warnings ? n(warnings, 'warning') : ''].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'No problems';
}

/** A card's problem badge: how many, whether they are only warnings, and their messages. */
export function badgeOf(problems: Problem[]): { count: number; warningsOnly: boolean; title: string } {
  return { count: problems.length, warningsOnly: problems.length > 0 && errorsOf(problems).length === 0, title: problems.map((p) => p.message).join('\n') };
}
