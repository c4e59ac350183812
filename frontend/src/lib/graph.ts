// Definition -> canvas graph (nodes and edges) for the vertical, HubSpot-like layout, and the
// way back (graphToDefinition) used to check that nothing is lost. Pure: no React, no store.
import { Graph, layout } from '@dagrejs/dagre';
import type { Edge, Node } from '@xyflow/react';
import type { Definition, Step } from '../api/types';
import { TRIGGER_ID, portsOf, type Port } from './definition';

export const STEP_W = 260;
export const STEP_H = 76;
export const TRIGGER_W = 300;
export const END_W = 64;
export const END_H = 26;
const TRIGGER_BASE_H = 56;
const TRIGGER_LINE_H = 22;

export interface TriggerNodeData extends Record<string, unknown> {
  count: number;
}
export interface StepNodeData extends Record<string, unknown> {
  step: Step;
}
export interface EndNodeData extends Record<string, unknown> {
  source: string;
  port: Port;
}
/** Data of a path edge ("insert") and of a goto edge. */
export interface FlowEdgeData extends Record<string, unknown> {
  source: string;
  port: Port;
  label?: string;
  /** The edge leads to an end marker (the path ends). */
  toEnd?: boolean;
  /** The target has several incoming paths (its label and "+" go mid-edge to stay apart). */
  merge?: boolean;
}

export type TriggerNode = Node<TriggerNodeData, 'trigger'>;
export type StepNode = Node<StepNodeData, 'step'>;
export type EndNode = Node<EndNodeData, 'end'>;
export type FlowNode = TriggerNode | StepNode | EndNode;
export type FlowEdge = Edge<FlowEdgeData, 'insert' | 'goto'>;

export interface FlowGraph {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

/** The id of the end marker of one port. */
export function endId(source: string, port: Port): string {
  return `__end:${source}:${port}`;
}

/** The id of the edge of one port. */
export function edgeId(source: string, port: Port): string {
  return `e:${source}:${port}`;
}

/** The label an edge of this port carries. */
export function portLabel(s: Step | undefined, port: Port): string | undefined {
  if (!s) return undefined;
  if (port === 'else') return 'Else';
  if (port.startsWith('branch:')) {
    const b = s.branches?.[Number(port.slice(7))];
    return b?.name || `Branch ${Number(port.slice(7)) + 1}`;
  }
  if (s.type === 'delay' && s.event) {
    if (port === 'next') return 'Event happened';
    if (port === 'timeout') return 'Timed out';
  }
  return undefined;
}

function triggerHeight(count: number): number {
  return TRIGGER_BASE_H + Math.max(1, count) * TRIGGER_LINE_H;
}

/** Converts a definition to laid-out nodes and edges. */
export function definitionToGraph(def: Definition): FlowGraph {
  const nodes: FlowNode[] = [];
  const edges: FlowEdge[] = [];
  const ids = new Set(def.steps.map((s) => s.id));
  const size = new Map<string, { w: number; h: number }>();

  const tH = triggerHeight(def.triggers.length);
  nodes.push({ id: TRIGGER_ID, type: 'trigger', position: { x: 0, y: 0 }, data: { count: def.triggers.length }, width: TRIGGER_W, height: tH, deletable: false, draggable: false });
  size.set(TRIGGER_ID, { w: TRIGGER_W, h: tH });

  const pathEdge = (source: string, port: Port, target: string, label?: string) => {
    let to = target;
    let toEnd = false;
    if (!to || !ids.has(to)) {
      // a path that ends (or points at a missing step, which validation reports) gets an end marker
      to = endId(source, port);
      toEnd = true;
      nodes.push({ id: to, type: 'end', position: { x: 0, y: 0 }, data: { source, port }, width: END_W, height: END_H, deletable: false, draggable: false, selectable: false });
      size.set(to, { w: END_W, h: END_H });
    }
    edges.push({
      id: edgeId(source, port), type: 'insert', source, target: to, sourceHandle: 'out', targetHandle: 'in',
      data: { source, port, label, toEnd }, deletable: false,
    });
  };

  pathEdge(TRIGGER_ID, 'start', def.start);

  for (const s of def.steps) {
    nodes.push({ id: s.id, type: 'step', position: { x: 0, y: 0 }, data: { step: s }, width: STEP_W, height: STEP_H, draggable: false });
    size.set(s.id, { w: STEP_W, h: STEP_H });
  }
  for (const s of def.steps) {
    for (const port of portsOf(s)) {
      const target = port === 'next' ? s.next : port === 'else' ? s.else : port === 'timeout' ? s.event?.timeout_next : s.branches?.[Number(port.slice(7))]?.next;
      pathEdge(s.id, port, target ?? '', portLabel(s, port));
    }
    if (s.type === 'goto' && s.target && ids.has(s.target)) {
      edges.push({
        id: edgeId(s.id, 'target'), type: 'goto', source: s.id, target: s.target, sourceHandle: 'goto-out', targetHandle: 'goto-in',
        data: { source: s.id, port: 'target', label: 'Go to' }, deletable: false, animated: false,
      });
    }
  }

  const incoming = new Map<string, number>();
  for (const e of edges) if (e.type === 'insert') incoming.set(e.target, (incoming.get(e.target) ?? 0) + 1);
  for (const e of edges) if (e.type === 'insert' && (incoming.get(e.target) ?? 0) > 1) e.data = { ...e.data!, merge: true };

  // Layout: dagre over the path edges (goto jumps do not shape the tree).
  const g = new Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 56, ranksep: 72, marginx: 24, marginy: 24 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) {
    const sz = size.get(n.id)!;
    g.setNode(n.id, { width: sz.w, height: sz.h });
  }
  for (const e of edges) {
    if (e.type === 'insert') g.setEdge(e.source, e.target, { weight: e.data?.port === 'next' || e.data?.port === 'start' ? 2 : 1 });
  }
  layout(g);
  // dagre does not promise the left-to-right order of siblings; put the paths of each step in
  // port order (branches in order, then Else; Event happened, then Timed out) by swapping the
  // subtrees that hang only from it.
  orderSiblings(g, nodes, edges);
  for (const n of nodes) {
    const p = g.node(n.id);
    const sz = size.get(n.id)!;
    n.position = { x: Math.round(p.x - sz.w / 2), y: Math.round(p.y - sz.h / 2) };
  }
  return { nodes, edges };
}

/**
 * Rebuilds a definition's links from a graph produced by definitionToGraph (and possibly
 * edited as a graph): step nodes carry their steps, edges carry the ports. The links of the
 * steps are taken from the edges; everything else from the nodes. `meta` gives the top-level
 * fields.
 */
export function graphToDefinition(graph: FlowGraph, meta: Omit<Definition, 'steps' | 'start'>): Definition {
  const steps = new Map<string, Step>();
  for (const n of graph.nodes) {
    if (n.type === 'step') {
      const s = { ...n.data.step };
      // links come from the edges
      delete s.next;
      delete s.else;
      if (s.branches) s.branches = s.branches.map((b) => { const c = { ...b }; delete c.next; return c; });
      if (s.event) { const ev = { ...s.event }; delete ev.timeout_next; s.event = ev; }
      steps.set(s.id, s);
    }
  }
  let start = '';
  for (const e of graph.edges) {
    const d = e.data;
    if (!d) continue;
    const target = d.toEnd ? '' : e.target;
    if (d.source === TRIGGER_ID) {
      start = target;
      continue;
    }
    const s = steps.get(d.source);
    if (!s) continue;
    if (d.port === 'next') s.next = target || undefined;
    else if (d.port === 'else') s.else = target || undefined;
    else if (d.port === 'target') s.target = target;
    else if (d.port === 'timeout' && s.event) s.event = { ...s.event, timeout_next: target || undefined };
    else if (d.port.startsWith('branch:') && s.branches) {
      const i = Number(d.port.slice(7));
      s.branches = s.branches.map((b, j) => (j === i ? { ...b, next: target || undefined } : b));
    }
  }
  return { ...meta, start, steps: graph.nodes.filter((n) => n.type === 'step').map((n) => steps.get(n.id)!) };
}

type LaidOut = Graph;

/** Rearranges the children of multi-path steps so they read left to right in port order. */
function orderSiblings(g: LaidOut, nodes: FlowNode[], edges: FlowEdge[]) {
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const e of edges) {
    if (e.type !== 'insert') continue;
    parents.set(e.target, [...(parents.get(e.target) ?? []), e.source]);
    children.set(e.source, [...(children.get(e.source) ?? []), e.target]);
  }
  // the subtree that hangs only from a node (nodes whose every parent is inside it)
  const subtree = (root: string): string[] => {
    const inside = new Set([root]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const id of [...inside]) {
        for (const c of children.get(id) ?? []) {
          if (!inside.has(c) && (parents.get(c) ?? []).every((p) => inside.has(p))) {
            inside.add(c);
            grew = true;
          }
        }
      }
    }
    return [...inside];
  };
  for (const n of nodes) {
    const kids = (children.get(n.id) ?? []).filter((c) => (parents.get(c) ?? []).length === 1);
    if (kids.length < 2) continue;
    const y0 = g.node(kids[0]).y;
    if (!kids.every((k) => g.node(k).y === y0)) continue;
    const trees = kids.map(subtree);
    const all = trees.flat();
    if (new Set(all).size !== all.length) continue;
    // each subtree's horizontal extent, then lay them out in port order over the same span
    const ext = trees.map((t) => {
      const xs = t.map((id) => [g.node(id).x - g.node(id).width / 2, g.node(id).x + g.node(id).width / 2]);
      return { left: Math.min(...xs.map((x) => x[0])), right: Math.max(...xs.map((x) => x[1])) };
    });
    const sortedLefts = [...ext].sort((a, b) => a.left - b.left);
    const gaps = sortedLefts.slice(1).map((e, i) => e.left - sortedLefts[i].right);
    let cursor = sortedLefts[0].left;
    trees.forEach((t, i) => {
      const dx = cursor - ext[i].left;
      for (const id of t) g.node(id).x += dx;
      cursor += ext[i].right - ext[i].left + (gaps[i] ?? 0);
    });
  }
}
