// Validation problems as the editor shows them: errors keep a workflow from being switched on
// (it can still be saved as a draft); warnings never do.
import type { Definition, Problem, Step } from '../api/types';
import { durationFieldProblem } from './duration';
import { stepById } from './lookup';

/** A count and its noun ("1 problem", "2 records"). */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The problems that keep a workflow from being switched on (a missing severity is an error). */
export function errorsOf(problems: Problem[]): Problem[] {
  return problems.filter((p) => p.severity !== 'warning');
}

/** The label of a problems count: errors first, then warnings ("2 problems · 1 warning"). */
export function problemsLabel(errors: number, warnings: number): string {
  const parts = [errors ? plural(errors, 'problem') : '', warnings ? plural(warnings, 'warning') : ''].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'No problems';
}

/** A card's problem badge: how many, whether they are only warnings, and their messages. */
export function badgeOf(problems: Problem[]): { count: number; warningsOnly: boolean; title: string } {
  return { count: problems.length, warningsOnly: problems.length > 0 && errorsOf(problems).length === 0, title: problems.map((p) => p.message).join('\n') };
}

/**
 * The engine's problems in the editor's words. A step is called by its title, not its id
 * ("“Thank-you mail” sends …" for "Step \"send_email_2\" sends …"): the canvas shows titles,
 * and ids are only in the step's settings. A delay's length is said as its field says it ("A
 * delay must be at least 1 day.", not "Enter a length greater than zero"), so the card, the
 * problems list and the field never disagree.
 */
export function inEditorTerms(problems: Problem[], def: Definition, title: (s: Step) => string): Problem[] {
  return problems.map((p) => {
    const st = p.step ? stepById(def.steps, p.step) : undefined;
    if (!st) return p;
    if (p.field === 'duration' && st.type === 'delay' && !st.until && !st.event) {
      const said = durationFieldProblem(st.duration);
      if (said) return { ...p, message: said };
    }
    // a problem about the id itself names the id: that is what the user has to change
    const engine = `Step ${JSON.stringify(st.id)} `;
    if (p.field !== 'id' && p.message.startsWith(engine)) return { ...p, message: `“${title(st)}” ${p.message.slice(engine.length)}` };
    return p;
  });
}

/**
 * A refused save or switch-on in a sentence: what did not happen (what, "Not saved") and the
 * first of the refusal's problems as the editor words them (inEditorTerms), from the API
 * error's message; far from the card, a message in a field's words ("A delay must be …") is
 * given the step's title.
 */
export function refusalText(message: string, what: string, problems: Problem[], title: (step: string) => string | undefined): string {
  const errors = errorsOf(problems);
  const live = /This workflow is on/.test(message) ? ' because the workflow is on (switch it off to save a draft)' : '';
  if (!errors.length) return `${what}: ${message}`;
  const more = errors.length > 1 ? ` (and ${plural(errors.length - 1, 'more problem')})` : '';
  const first = errors[0];
  const name = first.step && !first.message.startsWith('“') ? title(first.step) : undefined;
  return `${what}${live}: ${name ? `“${name}”: ` : ''}${first.message}${more}`;
}
