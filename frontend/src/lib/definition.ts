// Pure operations on a workflow definition: links between steps ("ports"), inserting and
// deleting steps, pasting copies, reachability. The store wraps these; they never mutate input.
import type { Definition, Step, StepType, Trigger } from '../api/types';

/** The pseudo-source of the link from the triggers to the first step. */
export const TRIGGER_ID = '__trigger';

/**
 * A port is one outgoing link of a step: "next", "else", "timeout" (a delay-until-event's
 * timeout path), "branch:<index>", "path:<index>" (an A/B split's path), "target" (goto), or
 * "start" on TRIGGER_ID.
 */
export type Port = 'start' | 'next' | 'else' | 'timeout' | 'target' | `branch:${number}` | `path:${number}`;

/** One link slot: where an insert goes and what an edge of the canvas stands for. */
export interface Slot {
  source: string;
  port: Port;
}

export function findStep(def: Definition, id: string): Step | undefined {
  return def.steps.find((s) => s.id === id);
}

/** Returns the step id a slot points at ('' when the path ends there). */
export function getLink(def: Definition, slot: Slot): string {
  if (slot.source === TRIGGER_ID) return def.start ?? '';
  const s = findStep(def, slot.source);
  if (!s) return '';
  return linkOf(s, slot.port);
}

function linkOf(s: Step, port: Port): string {
  if (port === 'next') return s.next ?? '';
  if (port === 'else') return s.else ?? '';
  if (port === 'timeout') return s.event?.timeout_next ?? '';
  if (port === 'target') return s.target ?? '';
  if (port.startsWith('branch:')) return s.branches?.[Number(port.slice(7))]?.next ?? '';
  if (port.startsWith('path:')) return s.paths?.[Number(port.slice(5))]?.next ?? '';
  return '';
}

/** Returns a copy of the step with the given port pointed at target ('' ends the path). */
export function withLink(s: Step, port: Port, target: string): Step {
  const t = target || undefined;
  switch (port) {
    case 'next':
      return { ...s, next: t };
    case 'else':
      return { ...s, else: t };
    case 'target':
      return { ...s, target: target };
    case 'timeout':
      return s.event ? { ...s, event: { ...s.event, timeout_next: t } } : s;
    default: {
      if (port.startsWith('path:')) {
        const i = Number(port.slice(5));
        return { ...s, paths: (s.paths ?? []).map((p, j) => (j === i ? { ...p, next: t } : p)) };
      }
      if (!port.startsWith('branch:')) return s;
      const i = Number(port.slice(7));
      const branches = (s.branches ?? []).map((b, j) => (j === i ? { ...b, next: t } : b));
      return { ...s, branches };
    }
  }
}

/** Returns the definition with one slot re-pointed. */
export function setLink(def: Definition, slot: Slot, target: string): Definition {
  if (slot.source === TRIGGER_ID) return { ...def, start: target };
  return { ...def, steps: def.steps.map((s) => (s.id === slot.source ? withLink(s, slot.port, target) : s)) };
}

/** The ports a step has, in display order (goto's target is not a path port). */
export function portsOf(s: Step): Port[] {
  switch (s.type) {
    case 'branch':
      return [...(s.branches ?? []).map((_, i) => `branch:${i}` as Port), 'else'];
    case 'split':
      return (s.paths ?? []).map((_, i) => `path:${i}` as Port);
    case 'goto':
      return [];
    case 'delay':
      return s.event && s.event.timeout ? ['next', 'timeout'] : ['next'];
    default:
      return ['next'];
  }
}

/** Every step id a step can continue to (next, branches, else, split paths, timeout path, goto target). */
export function successors(s: Step): string[] {
  const out: string[] = [];
  const add = (id?: string) => {
    if (id) out.push(id);
  };
  add(s.next);
  for (const b of s.branches ?? []) add(b.next);
  add(s.else);
  for (const p of s.paths ?? []) add(p.next);
  add(s.event?.timeout_next);
  if (s.type === 'goto') add(s.target);
  return out;
}

/** The ids reachable from the start step. */
export function reachable(def: Definition): Set<string> {
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const stack = def.start ? [def.start] : [];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    const s = byId.get(id);
    if (!s) continue;
    seen.add(id);
    stack.push(...successors(s));
  }
  return seen;
}

/** A fresh step id derived from the step type ("send-email-2"), unique in the definition. */
export function newStepId(def: Definition, type: StepType | string, taken: Set<string> = new Set()): string {
  const base = type.replace(/_/g, '-');
  const ids = new Set([...def.steps.map((s) => s.id), ...taken]);
  for (let n = 1; ; n++) {
    const id = `${base}-${n}`;
    if (!ids.has(id)) return id;
  }
}

/**
 * Attaches the continuation of the slot a step is inserted into: ordinary steps continue with
 * `next`; a branch sends everything that does not match (else) there; a split sends its first
 * path there; a goto jumps there (so the rest of the path stays reachable until the user picks
 * another target).
 */
export function attachContinuation(s: Step, cont: string): Step {
  if (s.type === 'branch') return { ...s, next: undefined, else: cont || undefined };
  if (s.type === 'split') return { ...s, next: undefined, paths: (s.paths ?? []).map((p, i) => (i === 0 ? { ...p, next: cont || undefined } : p)) };
  if (s.type === 'goto') return { ...s, next: undefined, target: cont };
  return { ...s, next: cont || undefined };
}

/** Inserts a step (its id must be new) into a slot. */
export function insertStep(def: Definition, slot: Slot, step: Step): Definition {
  const cont = getLink(def, slot);
  const placed = attachContinuation(step, cont);
  const linked = setLink(def, slot, placed.id);
  return { ...linked, steps: [...linked.steps, placed] };
}

/**
 * The step a deleted step's parents are reconnected to: `next` for steps with one path
 * (including a delay-until-event's "event happened" path), nothing for branches and gotos.
 */
export function continuationOf(s: Step): string {
  if (s.type === 'branch' || s.type === 'split' || s.type === 'goto') return '';
  return s.next ?? '';
}

/**
 * Deletes a step. Every link to it is re-pointed at its continuation (see continuationOf);
 * steps that were reachable before and are reachable no more (a branch's paths, a timeout
 * path) are deleted with it. Steps that were already unreachable are left alone.
 */
export function deleteStep(def: Definition, id: string): Definition {
  const victim = findStep(def, id);
  if (!victim) return def;
  const cont = continuationOf(victim);
  const before = reachable(def);
  const relink = (s: Step): Step => {
    let out = s;
    if (out.next === id) out = { ...out, next: cont || undefined };
    if (out.else === id) out = { ...out, else: cont || undefined };
    if (out.event?.timeout_next === id) out = { ...out, event: { ...out.event, timeout_next: cont || undefined } };
    if (out.type === 'goto' && out.target === id) out = { ...out, target: cont };
    if (out.paths?.some((p) => p.next === id)) {
      out = { ...out, paths: out.paths.map((p) => (p.next === id ? { ...p, next: cont || undefined } : p)) };
    }
    if (out.branches?.some((b) => b.next === id)) {
      out = { ...out, branches: out.branches.map((b) => (b.next === id ? { ...b, next: cont || undefined } : b)) };
    }
    return out;
  };
  const next: Definition = {
    ...def,
    start: def.start === id ? cont : def.start,
    steps: def.steps.filter((s) => s.id !== id).map(relink),
  };
  const after = reachable(next);
  const gone = new Set([...before].filter((x) => !after.has(x)));
  // A go-to that pointed at the deleted step loses its target (it shows "pick a step" and is a
  // problem until one is picked), rather than jumping silently to the step after it, which can
  // make an endless loop. What only it reached stays: reachability counted it as pointing on.
  const cleared = (st: Step): Step => (st.type === 'goto' && st.target === cont && findStep(def, st.id)?.target === id ? { ...st, target: undefined } : st);
  return { ...next, steps: next.steps.filter((st) => !gone.has(st.id)).map(cleared) };
}

/** The go-to steps that jump to step id (other than id itself). */
export function goToSources(def: Definition, id: string): Step[] {
  return def.steps.filter((s) => s.type === 'goto' && s.target === id && s.id !== id);
}

/** Clears every outgoing link of a copied step (a goto keeps its target). */
export function unlinked(s: Step): Step {
  const out: Step = { ...s, next: undefined, else: undefined };
  if (out.branches) out.branches = out.branches.map((b) => ({ ...b, next: undefined }));
  if (out.paths) out.paths = out.paths.map((p) => ({ ...p, next: undefined }));
  if (out.event) out.event = { ...out.event, timeout_next: undefined };
  return out;
}

/** Pastes a copy of a step into a slot with a fresh id; returns the new definition and id. */
export function pasteStep(def: Definition, slot: Slot, copied: Step): { def: Definition; id: string } {
  const id = newStepId(def, copied.type);
  const step = { ...structuredClone(unlinked(copied)), id };
  return { def: insertStep(def, slot, step), id };
}

/** Renames a step id everywhere it is referenced. */
export function renameStep(def: Definition, from: string, to: string): Definition {
  if (!to || from === to || findStep(def, to)) return def;
  const r = (x?: string) => (x === from ? to : x);
  return {
    ...def,
    start: def.start === from ? to : def.start,
    steps: def.steps.map((s) => {
      const out: Step = { ...s, id: r(s.id)!, next: r(s.next), else: r(s.else) };
      if (s.type === 'goto') out.target = r(s.target);
      if (s.branches) out.branches = s.branches.map((b) => ({ ...b, next: r(b.next) }));
      if (s.paths) out.paths = s.paths.map((p) => ({ ...p, next: r(p.next) }));
      if (s.event) out.event = { ...s.event, timeout_next: r(s.event.timeout_next) };
      return out;
    }),
  };
}

/** Drops keys whose value is undefined or an empty string, recursively (for a clean save). */
export function clean<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clean) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || x === '') continue;
      out[k] = clean(x);
    }
    return out as T;
  }
  return v;
}

/** The definition as sent to the server: no undefined/empty keys, required fields present. */
export function serialise(def: Definition): Definition {
  const steps = def.steps.map((s) => {
    const c = clean(s);
    // a set_property's empty text value is meaningful; keep it
    if (s.type === 'set_property' && s.value === '') c.value = '';
    return c;
  });
  return {
    ...clean({ ...def, steps: [] as Step[] }),
    triggers: def.triggers.map(clean),
    reenroll: { enabled: def.reenroll?.enabled ?? false, triggers: def.reenroll?.triggers ?? [] },
    start: def.start ?? '',
    steps,
  };
}

/** Removes branch `index` of a branch step and the steps only that branch led to. */
export function removeBranch(def: Definition, stepId: string, index: number): Definition {
  const before = reachable(def);
  const next: Definition = {
    ...def,
    steps: def.steps.map((s) => (s.id === stepId ? { ...s, branches: (s.branches ?? []).filter((_, i) => i !== index) } : s)),
  };
  const after = reachable(next);
  const gone = new Set([...before].filter((x) => !after.has(x)));
  return gone.size ? { ...next, steps: next.steps.filter((s) => !gone.has(s.id)) } : next;
}

/** Removes path `index` of a split step and the steps only that path led to. */
export function removePath(def: Definition, stepId: string, index: number): Definition {
  const before = reachable(def);
  const next: Definition = {
    ...def,
    steps: def.steps.map((s) => (s.id === stepId ? { ...s, paths: (s.paths ?? []).filter((_, i) => i !== index) } : s)),
  };
  const after = reachable(next);
  const gone = new Set([...before].filter((x) => !after.has(x)));
  return gone.size ? { ...next, steps: next.steps.filter((s) => !gone.has(s.id)) } : next;
}

/**
 * An event trigger's rules in words, as every screen says them: its scope rows filled in
 * ("webinar 54072"; one just added and still empty says nothing) and its watch percentages
 * ("watched ≥ 50 %").
 */
export function eventRules(t: Trigger): { scope: string[]; watch: string[] } {
  const scope = Object.entries(t.scope ?? {}).filter(([k, v]) => k.trim() || String(v ?? '').trim()).map(([k, v]) => `${k} ${v}`.trim());
  const watch: string[] = [];
  if (t.min_watch_pct !== undefined) watch.push(`watched ≥ ${t.min_watch_pct} %`);
  if (t.max_watch_pct !== undefined) watch.push(`watched ≤ ${t.max_watch_pct} %`);
  return { scope, watch };
}
