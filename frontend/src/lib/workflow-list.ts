// The workflow list's search, tag filter and sort (the rows come from GET /api/workflows, the
// enrollment counts from each workflow's stats).
import type { Stats, WorkflowSummary } from '../api/types';

export type SortKey = 'name' | 'updated' | 'enrollments';

export interface ListView {
  /** Matches the name, the id or a tag, in any case. */
  q: string;
  /** Only workflows with this tag ('' for all). */
  tag: string;
  sort: SortKey;
}

/** Everything a workflow ever enrolled (every status). */
export function enrollmentTotal(st: Stats | undefined): number {
  return st ? Object.values(st.enrollments).reduce((a, b) => a + b, 0) : 0;
}

/** The rows to show: filtered, then sorted (name A-Z; updated and enrollments highest first, then by name). */
export function viewRows(rows: WorkflowSummary[], stats: Record<string, Stats>, v: ListView): WorkflowSummary[] {
  const q = v.q.trim().toLowerCase();
  const out = rows.filter((w) => (!v.tag || (w.tags ?? []).includes(v.tag))
    && (!q || w.name.toLowerCase().includes(q) || w.id.includes(q) || (w.tags ?? []).some((t) => t.toLowerCase().includes(q))));
  const byName = (a: WorkflowSummary, b: WorkflowSummary) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id);
  const cmp: Record<SortKey, (a: WorkflowSummary, b: WorkflowSummary) => number> = {
    name: byName,
    updated: (a, b) => b.updated_at.localeCompare(a.updated_at) || byName(a, b),
    enrollments: (a, b) => enrollmentTotal(stats[b.id]) - enrollmentTotal(stats[a.id]) || byName(a, b),
  };
  return out.sort(cmp[v.sort]);
}

/** Every tag in use, sorted, each once. */
export function allTags(rows: WorkflowSummary[]): string[] {
  return [...new Set(rows.flatMap((w) => w.tags ?? []))].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
}

/** Tags typed as "a, b , c" (empty ones dropped). */
export function parseTags(text: string): string[] {
  return text.split(',').map((t) => t.trim()).filter(Boolean);
}

/** One workflow a picker offers: on or off, and why it cannot be picked if it cannot. */
export interface WorkflowChoice {
  id: string;
  name: string;
  enabled: boolean;
}

/**
 * The workflows a picker offers for a query (name or id, any case), on ones first, then by name:
 * only those of the object type when one is given, never `self` (a workflow cannot enroll a
 * record in itself).
 */
export function workflowChoices(rows: WorkflowSummary[], opts: { object?: string; self?: string; query?: string }): WorkflowChoice[] {
  const q = (opts.query ?? '').trim().toLowerCase();
  return rows
    .filter((w) => w.id !== opts.self && (!opts.object || w.object === opts.object) && (!q || w.name.toLowerCase().includes(q) || w.id.toLowerCase().includes(q)))
    .sort((a, b) => Number(b.enabled) - Number(a.enabled) || a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id))
    .map((w) => ({ id: w.id, name: w.name, enabled: w.enabled }));
}
