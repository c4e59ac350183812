// Validation problems as the editor shows them: errors keep a workflow from being switched on
// (it can still be saved as a draft); warnings never do.
import type { Definition, Problem } from '../api/types';
import { durationFieldProblem } from './duration';
import { stepById } from './lookup';

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

/**
 * The engine's problems in the words the panel uses for the same value: a delay's length is
 * said as its field says it ("A delay must be at least 1 day.", not "Enter a length greater
 * than zero"), so the card, the problems list and the field never disagree.
 */
export function inEditorTerms(problems: Problem[], def: Definition): Problem[] {
  return problems.map((p) => {
    if (!p.step || p.field !== 'duration') return p;
    const st = stepById(def.steps, p.step);
    if (!st || st.type !== 'delay' || st.until || st.event) return p;
    const said = durationFieldProblem(st.duration);
    return said ? { ...p, message: said } : p;
  });
}
