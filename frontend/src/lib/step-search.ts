// Finding a step by what people call it: its title (name, else what it does), its kind
// ("Send email") or its id. Pure, for the editor's "Find a step".
import type { Step } from '../api/types';

export interface StepHit {
  id: string;
  title: string;
  kind: string;
}

/**
 * The steps every word of the query is found in (title, kind or id, ignoring case), best
 * first: a title that starts with the query, then a title that holds it, then the rest; in
 * the workflow's order within each. An empty query finds nothing.
 */
export function findSteps(steps: Step[], query: string, title: (s: Step) => string, kind: (s: Step) => string, limit = 8): StepHit[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const words = q.split(/\s+/);
  const hits: { hit: StepHit; rank: number; at: number }[] = [];
  steps.forEach((s, at) => {
    const t = title(s);
    const k = kind(s);
    const hay = `${t} ${k} ${s.id}`.toLowerCase();
    if (!words.every((w) => hay.includes(w))) return;
    const lt = t.toLowerCase();
    const rank = lt.startsWith(q) ? 0 : lt.includes(q) ? 1 : 2;
    hits.push({ hit: { id: s.id, title: t, kind: k }, rank, at });
  });
  return hits.sort((a, b) => a.rank - b.rank || a.at - b.at).slice(0, limit).map((h) => h.hit);
}
