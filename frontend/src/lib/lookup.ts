// Lookups over a definition's steps, computed once per steps array (every edit makes a new
// array, so a cached answer is never stale). Card components call these in store selectors:
// 300 cards each finding their step stays O(1) per card instead of a scan.
import type { Step } from '../api/types';

const byIdCache = new WeakMap<Step[], Map<string, Step>>();
const idsCache = new WeakMap<Step[], Set<string>>();

/** The step with this id in `steps`, or undefined. */
export function stepById(steps: Step[], id: string): Step | undefined {
  let m = byIdCache.get(steps);
  if (!m) {
    m = new Map(steps.map((s) => [s.id, s]));
    byIdCache.set(steps, m);
  }
  return m.get(id);
}

/** The set of step ids of `steps`. */
export function stepIdSet(steps: Step[]): Set<string> {
  let s = idsCache.get(steps);
  if (!s) {
    s = new Set(steps.map((x) => x.id));
    idsCache.set(steps, s);
  }
  return s;
}
