// Keyboard order of the canvas: one tab stop at a time (a roving tabindex), moved by Tab and
// Shift+Tab through the flow: the trigger card, its "+", then each path top to bottom, the paths
// of a branch left to right. The browser's own order would be every "+" first (React Flow
// renders edge labels before nodes), then the cards in definition order.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { TRIGGER_ID } from '../../lib/definition';
import type { FlowGraph } from '../../lib/graph';

/** A focusable canvas item: "node:<id>" for a card, "plus:<edge id>" for a "+" button. */
export type FocusKey = string;

export const nodeKey = (id: string): FocusKey => 'node:' + id;
export const plusKey = (edgeId: string): FocusKey => 'plus:' + edgeId;

/**
 * The canvas items in the layout's order: from the trigger, each card's paths left to right (in
 * their defined order, as the layout places them), each path walked to its end before the next:
 * the path's "+", then its cards. A step where paths merge again comes only after every path
 * into it (so Hot, Warm and Else are each walked before what follows them). Steps no path
 * reaches (or only a loop) come last, in definition order.
 */
export function flowOrder(graph: FlowGraph): FocusKey[] {
  const out = new Map<string, string[]>();
  for (const e of graph.edges) out.set(e.source, [...(out.get(e.source) ?? []), e.id]);
  const target = new Map(graph.edges.map((e) => [e.id, e.target]));
  const cards = new Set(graph.nodes.filter((n) => n.type !== 'end').map((n) => n.id));
  const waiting = new Map<string, number>();
  for (const e of graph.edges) if (cards.has(e.target)) waiting.set(e.target, (waiting.get(e.target) ?? 0) + 1);
  const seen = new Set<string>();
  const keys: FocusKey[] = [];
  const enter = (id: string, stack: { id: string; i: number }[]) => {
    seen.add(id);
    keys.push(nodeKey(id));
    stack.push({ id, i: 0 });
  };
  const visit = (root: string) => {
    if (seen.has(root)) return;
    const stack: { id: string; i: number }[] = [];
    enter(root, stack);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const edges = out.get(top.id) ?? [];
      if (top.i >= edges.length) {
        stack.pop();
        continue;
      }
      const e = edges[top.i++];
      keys.push(plusKey(e));
      const t = target.get(e)!;
      if (!cards.has(t) || seen.has(t)) continue;
      const left = (waiting.get(t) ?? 1) - 1;
      waiting.set(t, left);
      if (left <= 0) enter(t, stack);
    }
  };
  visit(TRIGGER_ID);
  for (const n of graph.nodes) if (n.type === 'step') visit(n.id);
  return keys;
}

export type Arrow = 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight';

/**
 * Where an arrow key moves the focus from `from`: Down along the card's paths to the next card
 * (of several, the one closest under it), Up back to the card a path came from (likewise), Left
 * and Right to the nearest card beside it on its row. A path that ends, or a go-to, has nothing
 * below: the focus stays rather than jump to another path. From a "+", Up is the card its path
 * leaves and Down the card it leads to. null when there is none (the focus stays).
 */
export function arrowTarget(graph: FlowGraph, from: FocusKey, arrow: Arrow): FocusKey | null {
  if (from.startsWith('plus:')) {
    const e = graph.edges.find((x) => x.id === from.slice(5));
    if (!e || arrow === 'ArrowLeft' || arrow === 'ArrowRight') return null;
    const id = arrow === 'ArrowUp' ? e.source : e.target;
    return graph.nodes.some((n) => n.id === id && n.type !== 'end') ? nodeKey(id) : null;
  }
  const centre = (n: FlowGraph['nodes'][number]) => ({ x: n.position.x + (n.width ?? 0) / 2, y: n.position.y + (n.height ?? 0) / 2 });
  const cards = graph.nodes.filter((n) => n.type !== 'end');
  const here = cards.find((n) => nodeKey(n.id) === from);
  if (!here) return null;
  const p = centre(here);
  const ROW = 12; // centres this close in y are one row (Left and Right)
  const others = cards.filter((n) => n !== here).map((n) => ({ id: n.id, ...centre(n) }));
  let pick: { id: string; x: number; y: number } | undefined;
  if (arrow === 'ArrowLeft' || arrow === 'ArrowRight') {
    const side = arrow === 'ArrowLeft' ? -1 : 1;
    for (const o of others) {
      if (Math.abs(o.y - p.y) > ROW || (o.x - p.x) * side <= 0) continue;
      if (!pick || Math.abs(o.x - p.x) < Math.abs(pick.x - p.x)) pick = o;
    }
  } else {
    const linked = new Set(graph.edges.filter((e) => (arrow === 'ArrowDown' ? e.source : e.target) === here.id).map((e) => (arrow === 'ArrowDown' ? e.target : e.source)));
    for (const o of others) {
      if (!linked.has(o.id)) continue;
      if (!pick || Math.abs(o.x - p.x) < Math.abs(pick.x - p.x)) pick = o;
    }
  }
  return pick ? nodeKey(pick.id) : null;
}

interface RoveState {
  /** The item that is the canvas's tab stop. */
  current: FocusKey;
}

export type RoveStore = StoreApi<RoveState>;

export function createRoveStore(): RoveStore {
  return createStore<RoveState>()(() => ({ current: nodeKey(TRIGGER_ID) }));
}

export const RoveContext = createContext<RoveStore | null>(null);

/** tabIndex for an item: 0 for the canvas's current tab stop, -1 for the rest. */
export function useTabIndex(key: FocusKey): 0 | -1 {
  const store = useContext(RoveContext);
  const current = useStore(store ?? fallback, (s) => s.current === key);
  return current ? 0 : -1;
}

const fallback = createRoveStore();

/** Moves the keyboard into the side panel once it shows (a card opened with Enter or Space). */
export function focusPanelSoon() {
  requestAnimationFrame(() => document.querySelector<HTMLElement>('.side-panel')?.querySelector<HTMLElement>('input, select, textarea, button:not(.icon-btn)')?.focus());
}
