// The performance tab's data as charts want it: the time range, the steps in flow order with
// their names, a branch's or split's paths with the canvas's labels, and the count on an edge.
import type { Definition, Performance, Stats, Step } from '../api/types';

export type RangePreset = '7d' | '30d' | '90d';

/** The UTC days a preset covers, ending today (YYYY-MM-DD). */
export function rangeOf(preset: RangePreset, today: Date): { from: string; to: string } {
  const days = preset === '7d' ? 7 : preset === '30d' ? 30 : 90;
  const to = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  const from = new Date(to.getTime() - (days - 1) * 86_400_000);
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

/** Checks a custom range; the message says what to fix, or null when it is fine. */
export function rangeProblem(from: string, to: string): string | null {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(from)) return 'Pick the first day.';
  if (!day.test(to)) return 'Pick the last day.';
  if (from > to) return 'The first day must come before the last.';
  if ((Date.parse(to) - Date.parse(from)) / 86_400_000 + 1 > 366) return 'Pick at most 366 days.';
  return null;
}

/** Steps in the order the flow reaches them (start first, then each path depth-first), then any left over. */
export function flowOrder(def: Definition): Step[] {
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const out: Step[] = [];
  const seen = new Set<string>();
  const visit = (id: string | undefined) => {
    if (!id || seen.has(id) || !byId.has(id)) return;
    seen.add(id);
    const s = byId.get(id)!;
    out.push(s);
    for (const b of s.branches ?? []) visit(b.next);
    for (const p of s.paths ?? []) visit(p.next);
    visit(s.else);
    visit(s.event?.timeout_next);
    visit(s.next);
  };
  visit(def.start);
  for (const s of def.steps) if (!seen.has(s.id)) out.push(s);
  return out;
}

export interface StepRow {
  id: string;
  label: string;
  ok: number;
  failed: number;
}

/** One row per step of the definition (zero when it did not run), in flow order. */
export function stepRows(p: Performance, def: Definition, title: (s: Step) => string): StepRow[] {
  const counts = new Map(p.steps.map((s) => [s.step_id, s]));
  return flowOrder(def).map((s) => ({ id: s.id, label: title(s), ok: counts.get(s.id)?.ok ?? 0, failed: counts.get(s.id)?.failed ?? 0 }));
}

export interface PathGroup {
  id: string;
  label: string;
  /** a split (A/B test): its paths carry their share and goal figures */
  split?: boolean;
  paths: { path: string; label: string; n: number; share?: number; goal?: number; conversion?: number }[];
}

/** A share as a percentage with at most one decimal: 0.375 → "37.5%", 1 → "100%". */
export function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

/** The branch and split steps with a count per path, labelled as on the canvas (Else last). */
export function pathGroups(p: Performance, def: Definition, title: (s: Step) => string): PathGroup[] {
  const n = (id: string, path: string) => p.paths.find((x) => x.step_id === id && x.path === path)?.n ?? 0;
  return flowOrder(def).flatMap((s) => {
    if (s.type === 'branch') {
      const paths = (s.branches ?? []).map((b, i) => ({ path: b.name ?? '', label: b.name || `Branch ${i + 1}`, n: n(s.id, b.name ?? '') }));
      paths.push({ path: 'else', label: 'Else', n: n(s.id, 'else') });
      return [{ id: s.id, label: title(s), paths }];
    }
    if (s.type === 'split') {
      const total = (s.paths ?? []).reduce((sum, x) => sum + n(s.id, x.name), 0);
      return [{
        id: s.id, label: title(s), split: true,
        paths: (s.paths ?? []).map((x, i) => {
          const row = p.paths.find((r) => r.step_id === s.id && r.path === x.name);
          const count = row?.n ?? 0;
          return { path: x.name, label: x.name || `Path ${i + 1}`, n: count, share: total ? count / total : 0, goal: row?.goal_reached ?? 0, conversion: row?.goal_conversion ?? 0 };
        }),
      }];
    }
    return [];
  });
}

/** The records that took an edge's path so far (branch, Else or split path), or undefined for other edges. */
export function pathCount(s: Step | undefined, port: string, stats: Stats | null): number | undefined {
  if (!s) return undefined;
  let name: string | undefined;
  if (port.startsWith('path:')) name = s.paths?.[Number(port.slice(5))]?.name;
  else if (port.startsWith('branch:')) name = s.branches?.[Number(port.slice(7))]?.name;
  else if (port === 'else' && s.type === 'branch') name = 'else';
  if (name === undefined) return undefined;
  return stats?.steps[s.id]?.paths?.[name] ?? 0;
}
