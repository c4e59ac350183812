// A list of email addresses typed into one box (the endpoint's alert addresses): what was typed
// is split on commas, semicolons and spaces, and each address is checked before it joins.
import { emailProblem } from './properties';

export interface AddedAddresses {
  /** the list with the new addresses */
  list: string[];
  /** what stays in the box: the first address that could not join and everything after it */
  rest: string;
  /** why it could not join */
  problem?: string;
}

/** Adds the addresses in text to list (at most max in all), stopping at the first that cannot join. */
export function addAddresses(list: string[], text: string, max: number): AddedAddresses {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const out = [...list];
  for (let i = 0; i < parts.length; i++) {
    const a = parts[i];
    const rest = parts.slice(i).join(', ');
    const problem = emailProblem(a);
    if (problem) return { list: out, rest, problem };
    if (out.some((x) => x.toLowerCase() === a.toLowerCase())) return { list: out, rest, problem: `${a} is already in the list.` };
    if (out.length >= max) return { list: out, rest, problem: `At most ${max} addresses; remove one first.` };
    out.push(a);
  }
  return { list: out, rest: '' };
}
