// The editor store: one zustand store per open workflow, created by a factory and provided
// through React context (see context.tsx). The definition is the single source of truth; the
// canvas graph is derived from it (selectGraph), never stored.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ChangeKind, Definition, Problem, Reenroll, SavedWorkflow, Schema, Stats, Step, StepType, Trigger, TriggerType, Workflow } from '../api/types';
import { canonical } from '../lib/canonical';
import { inEditorTerms } from '../lib/problems';
import {
  deleteStep as deleteStepOp, findStep, insertStep as insertStepOp, newStepId, pasteStep as pasteStepOp,
  portsOf, renameStep as renameStepOp, type Slot,
} from '../lib/definition';
import { definitionToGraph, structureKey, type FlowGraph } from '../lib/graph';
import { createStep, stepTitle } from '../nodes';

export type Selection = { kind: 'step'; id: string } | { kind: 'trigger'; index?: number } | { kind: 'settings' } | null;

/** Rapid edits with the same key within this many ms become one undo step. */
export const COALESCE_MS = 1000;
const HISTORY_LIMIT = 200;

export interface EditorState {
  /** Stored workflow id, or null for a workflow not created yet. */
  workflowId: string | null;
  revision: number;
  enabled: boolean;
  definition: Definition;
  /**
   * canonical(definition) as last loaded or saved (for a workflow not created yet: as the
   * editor opened it). `dirty` is derived from it and nothing else: canonical(definition) !==
   * baseline, so key order and object identity never count as a change.
   */
  baseline: string;
  dirty: boolean;
  past: Definition[];
  future: Definition[];
  lastEdit: { key: string; at: number } | null;
  selection: Selection;
  clipboard: Step | null;
  /** The slot whose "+" step picker is open. */
  palette: Slot | null;
  problems: Problem[];
  /** The definition `problems` were found in: a part changed since then has no fresh answer yet. */
  checked: Definition | null;
  /**
   * Triggers and steps added in this editor that the user has not touched yet ("trigger:<id>",
   * "step:<id>"): their panels keep their problems to themselves until the user edits them,
   * leaves them or tries to save, as form libraries do with untouched fields.
   */
  untouched: Record<string, true>;
  stats: Stats | null;
  schema: Schema | null;
  /** The steps the Test panel's simulation reached: step id to when first ("+1d2h"); null when no test is shown. */
  simulated: Record<string, string> | null;
  /** A dry run's counts on the canvas: records per edge ("source:port"); null when none is shown. */
  dryRun: { run: string; edges: Record<string, number> } | null;
  /** The dry-run count (a count key like "edge:watched?:branch:0") whose records the Test panel lists. */
  dryRunPick: string | null;
  /** A past version on show: nothing can be edited (every edit and the step picker are refused). */
  readOnly: boolean;
  /** Diff marks of a version comparison: step id (or the trigger card's id) to how it changed. */
  marks: Record<string, ChangeKind> | null;

  commit(def: Definition, key?: string): void;
  insertStep(slot: Slot, type: StepType): string;
  deleteStep(id: string): void;
  updateStep(id: string, patch: Partial<Step>): void;
  replaceStep(id: string, step: Step): void;
  renameStep(from: string, to: string): boolean;
  addTrigger(type: TriggerType): void;
  updateTrigger(index: number, patch: Partial<Trigger>): void;
  replaceTrigger(index: number, t: Trigger): void;
  removeTrigger(index: number): void;
  setReenroll(r: Reenroll): void;
  setMeta(patch: Partial<Pick<Definition, 'name' | 'description' | 'object' | 'timezone' | 'max_steps' | 'id' | 'execution_window' | 'goal' | 'unenroll' | 'suppress'>>): void;
  undo(): void;
  redo(): void;
  copy(id?: string): boolean;
  paste(slot?: Slot): string | null;
  select(sel: Selection): void;
  openPalette(slot: Slot | null): void;
  /** Problems found in `checked` (by default the definition on screen). */
  setProblems(p: Problem[], checked?: Definition): void;
  /** Marks triggers and steps as touched: the given keys, or every one (a save attempt). */
  touch(keys?: string[]): void;
  setStats(s: Stats | null): void;
  setSchema(s: Schema | null): void;
  /**
   * Takes a loaded workflow, or the server's answer to a save, as the new saved state. For a
   * save, `sent` is the canonical text that was sent: when the definition still equals it the
   * server's copy replaces it (what a reload would show); edits made while the save was in
   * flight are kept (and stay unsaved). Undo history survives a save.
   */
  loaded(w: Workflow | SavedWorkflow, sent?: string): void;
}

export type EditorStore = StoreApi<EditorState>;

export interface EditorInit {
  definition: Definition;
  workflowId?: string | null;
  revision?: number;
  enabled?: boolean;
  readOnly?: boolean;
  marks?: Record<string, ChangeKind> | null;
  /** Clock for coalescing (tests). */
  now?: () => number;
}


/** An empty workflow for the "new workflow" screen. */
export function blankDefinition(id = 'new-workflow', name = 'New workflow'): Definition {
  return { id, name, object: 'contact', triggers: [], reenroll: { enabled: false, triggers: [] }, start: '', steps: [] };
}

/** Creates one editor store. */
export function createEditorStore(init: EditorInit): EditorStore {
  const now = init.now ?? (() => Date.now());
  const store = createStore<EditorState>()((set, get) => {
    const edit = (fn: (d: Definition) => Definition, key?: string) => get().commit(fn(get().definition), key);
    return {
      workflowId: init.workflowId ?? null,
      revision: init.revision ?? 0,
      enabled: init.enabled ?? false,
      definition: init.definition,
      baseline: canonical(init.definition),
      dirty: false,
      past: [],
      future: [],
      lastEdit: null,
      selection: null,
      clipboard: null,
      palette: null,
      problems: [],
      checked: null,
      untouched: {},
      stats: null,
      schema: null,
      simulated: null,
      dryRun: null,
      dryRunPick: null,
      readOnly: init.readOnly ?? false,
      marks: init.marks ?? null,

      commit(def, key) {
        const s = get();
        if (def === s.definition || s.readOnly) return;
        const t = now();
        const coalesce = !!key && s.lastEdit?.key === key && t - s.lastEdit.at < COALESCE_MS;
        const past = coalesce ? s.past : [...s.past, s.definition].slice(-HISTORY_LIMIT);
        set({ definition: def, past, future: [], lastEdit: key ? { key, at: t } : null, dirty: canonical(def) !== s.baseline });
      },

      insertStep(slot, type) {
        const id = newStepId(get().definition, type);
        edit((d) => insertStepOp(d, slot, createStep(type, id)));
        set({ selection: { kind: 'step', id }, palette: null, untouched: { ...get().untouched, ['step:' + id]: true } });
        return id;
      },

      deleteStep(id) {
        edit((d) => deleteStepOp(d, id));
        const sel = get().selection;
        if (sel?.kind === 'step' && !findStep(get().definition, sel.id)) set({ selection: null });
      },

      updateStep(id, patch) {
        get().touch(['step:' + id]);
        edit((d) => ({ ...d, steps: d.steps.map((s) => (s.id === id ? { ...s, ...patch } : s)) }), `step:${id}:${Object.keys(patch).sort().join(',')}`);
      },

      replaceStep(id, step) {
        get().touch(['step:' + id]);
        edit((d) => ({ ...d, steps: d.steps.map((s) => (s.id === id ? step : s)) }), `step:${id}:*`);
      },

      renameStep(from, to) {
        const d = get().definition;
        const next = renameStepOp(d, from, to);
        if (next === d) return false;
        get().commit(next);
        const sel = get().selection;
        if (sel?.kind === 'step' && sel.id === from) set({ selection: { kind: 'step', id: to } });
        return true;
      },

      addTrigger(type) {
        const d = get().definition;
        const ids = new Set(d.triggers.map((t) => t.id));
        let n = d.triggers.length + 1;
        while (ids.has(`trigger-${n}`)) n++;
        const t: Trigger = { id: `trigger-${n}`, type };
        if (type === 'event') t.event = '';
        if (type === 'filter') t.filter = { all: [] };
        if (type === 'schedule') t.cron = '0 9 * * MON';
        if (type === 'webhook') t.hook = '';
        if (type === 'list') t.on = 'join';
        get().commit({ ...d, triggers: [...d.triggers, t] });
        set({ selection: { kind: 'trigger', index: d.triggers.length }, untouched: { ...get().untouched, ['trigger:' + t.id]: true } });
      },

      updateTrigger(index, patch) {
        get().touch(['trigger:' + get().definition.triggers[index]?.id]);
        edit((d) => ({ ...d, triggers: d.triggers.map((t, i) => (i === index ? { ...t, ...patch } : t)) }), `trigger:${index}:${Object.keys(patch).sort().join(',')}`);
      },

      replaceTrigger(index, t) {
        get().touch(['trigger:' + get().definition.triggers[index]?.id]);
        edit((d) => ({ ...d, triggers: d.triggers.map((x, i) => (i === index ? t : x)) }), `trigger:${index}:*`);
      },

      removeTrigger(index) {
        edit((d) => {
          const gone = d.triggers[index]?.id;
          return {
            ...d,
            triggers: d.triggers.filter((_, i) => i !== index),
            reenroll: { ...d.reenroll, triggers: d.reenroll.triggers.filter((x) => x !== gone) },
          };
        });
      },

      setReenroll(r) {
        edit((d) => ({ ...d, reenroll: r }));
      },

      setMeta(patch) {
        edit((d) => ({ ...d, ...patch }), `meta:${Object.keys(patch).sort().join(',')}`);
      },

      undo() {
        const s = get();
        if (s.past.length === 0) return;
        const prev = s.past[s.past.length - 1];
        set({ definition: prev, past: s.past.slice(0, -1), future: [s.definition, ...s.future], lastEdit: null, dirty: canonical(prev) !== s.baseline });
        fixSelection();
      },

      redo() {
        const s = get();
        if (s.future.length === 0) return;
        const next = s.future[0];
        set({ definition: next, past: [...s.past, s.definition], future: s.future.slice(1), lastEdit: null, dirty: canonical(next) !== s.baseline });
        fixSelection();
      },

      copy(id) {
        const s = get();
        const sid = id ?? (s.selection?.kind === 'step' ? s.selection.id : undefined);
        const step = sid ? findStep(s.definition, sid) : undefined;
        if (!step) return false;
        set({ clipboard: structuredClone(step) });
        return true;
      },

      paste(slot) {
        const s = get();
        if (!s.clipboard) return null;
        let where = slot ?? s.palette ?? undefined;
        if (!where && s.selection?.kind === 'step') {
          const sel = findStep(s.definition, s.selection.id);
          if (sel && portsOf(sel).includes('next')) where = { source: sel.id, port: 'next' };
        }
        if (!where) return null;
        const res = pasteStepOp(s.definition, where, s.clipboard);
        get().commit(res.def);
        set({ selection: { kind: 'step', id: res.id }, palette: null });
        return res.id;
      },

      select(sel) {
        set({ selection: sel });
      },

      openPalette(slot) {
        if (get().readOnly) return;
        set({ palette: slot });
      },

      touch(keys) {
        const u = get().untouched;
        if (!keys) {
          if (Object.keys(u).length) set({ untouched: {} });
          return;
        }
        if (!keys.some((k) => u[k])) return;
        const next = { ...u };
        for (const k of keys) delete next[k];
        set({ untouched: next });
      },

      setProblems(p, checked) {
        const def = checked ?? get().definition;
        set({ problems: inEditorTerms(p, def, stepTitle), checked: def });
      },

      setStats(st) {
        set({ stats: st });
      },

      setSchema(sc) {
        set({ schema: sc });
      },

      loaded(w, sent) {
        const s = get();
        const baseline = canonical(w.definition);
        const problems = 'problems' in w ? inEditorTerms(w.problems, w.definition, stepTitle) : s.problems;
        const checked = 'problems' in w ? w.definition : s.checked;
        const base = { workflowId: w.id, revision: w.revision, enabled: w.enabled, baseline, problems, checked };
        if (sent === undefined) {
          set({ ...base, definition: w.definition, dirty: false, past: [], future: [], lastEdit: null, selection: null });
          return;
        }
        const def = canonical(s.definition) === sent ? w.definition : s.definition;
        // lastEdit: null makes the save an undo boundary: the next keystroke in the same field
        // is its own undo step, so undo can return exactly to what was saved
        set({ ...base, definition: def, dirty: canonical(def) !== baseline, lastEdit: null });
        fixSelection();
      },
    };

    function fixSelection() {
      const s = get();
      if (s.selection?.kind === 'step' && !findStep(s.definition, s.selection.id)) set({ selection: null });
    }
  });
  // leaving a panel is the blur of what it shows: its problems show from then on
  store.subscribe((s, prev) => {
    const was = prev.selection;
    if (s.selection === was || !was) return;
    if (was.kind === 'step' && !(s.selection?.kind === 'step' && s.selection.id === was.id)) s.touch(['step:' + was.id]);
    if (was.kind === 'trigger' && s.selection?.kind !== 'trigger') s.touch(prev.definition.triggers.map((t) => 'trigger:' + t.id));
  });
  return store;
}

/**
 * A memoised graph selector: lays the canvas out again only when the structure changes (steps
 * added, removed, re-linked, retyped; the trigger count), never while a field is edited.
 */
export function createGraphSelector(): (s: Pick<EditorState, 'definition'>) => FlowGraph {
  let last: Definition | null = null;
  let key = '';
  let graph: FlowGraph = { nodes: [], edges: [] };
  return (s) => {
    if (s.definition !== last) {
      last = s.definition;
      const k = structureKey(s.definition);
      if (k !== key || graph.nodes.length === 0) {
        key = k;
        graph = definitionToGraph(s.definition);
      }
    }
    return graph;
  };
}

/** Problems by step id and by trigger id. */
export function problemsIndex(problems: Problem[]): { steps: Record<string, Problem[]>; triggers: Record<string, Problem[]>; workflow: Problem[] } {
  const steps: Record<string, Problem[]> = {};
  const triggers: Record<string, Problem[]> = {};
  const workflow: Problem[] = [];
  for (const p of problems) {
    if (p.step) (steps[p.step] ??= []).push(p);
    else if (p.trigger) (triggers[p.trigger] ??= []).push(p);
    else workflow.push(p);
  }
  return { steps, triggers, workflow };
}
