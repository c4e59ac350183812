// Definition -> canvas graph (nodes and edges) for the vertical, HubSpot-like layout, and the
// way back (graphToDefinition) used to check that nothing is lost. Pure: no React, no store.
import { Graph, layout } from '@dagrejs/dagre';
import type { Edge, Node } from '@xyflow/react';
import type { Definition, Step, StepType } from '../api/types';
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
/** A step card's data: only what shapes the layout; the card reads the step itself by id. */
export interface StepNodeData extends Record<string, unknown> {
  type: StepType;
}
export interface EndNodeData extends Record<string, unknown> {
  source: string;
  port: Port;
}
/** Data of a path edge ("insert"). Its label is read from the step, not stored here. */
export interface FlowEdgeData extends Record<string, unknown> {
  source: string;
  port: Port;
  /** The edge leads to an end marker (the path ends). */
  toEnd?: boolean;
  /** The target has several incoming paths (its "+" goes on this path's own stretch). */
  merge?: boolean;
  /** Bends of the routed path between the ranks it crosses (flow coordinates, top to bottom). */
  via?: { x: number; y: number }[];
  /** The vertical gap between ranks (where a path turns). */
  gap?: number;
}

export type TriggerNode = Node<TriggerNodeData, 'trigger'>;
export type StepNode = Node<StepNodeData, 'step'>;
export type EndNode = Node<EndNodeData, 'end'>;
export type FlowNode = TriggerNode | StepNode | EndNode;
export type FlowEdge = Edge<FlowEdgeData, 'insert'>;

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
  if (port.startsWith('path:')) {
    const i = Number(port.slice(5));
    const p = s.paths?.[i];
    return `${p?.name || `Path ${i + 1}`} · ${p?.percent ?? 0}%`;
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

function linkOf(s: Step, port: Port): string {
  if (port === 'next') return s.next ?? '';
  if (port === 'else') return s.else ?? '';
  if (port === 'timeout') return s.event?.timeout_next ?? '';
  if (port.startsWith('path:')) return s.paths?.[Number(port.slice(5))]?.next ?? '';
  return s.branches?.[Number(port.slice(7))]?.next ?? '';
}

/**
 * Everything the layout depends on, as one string: the steps' ids, types, ports and where they
 * lead, and the number of triggers. Two definitions with the same key get the same graph, so
 * typing in a field (names, values, branch names) never lays the canvas out again.
 */
export function structureKey(def: Definition): string {
  const parts = [String(def.triggers.length), def.goal ? 'goal' : '', def.suppress?.length ? 'suppress' : '', def.start ?? ''];
  for (const s of def.steps) {
    let p = s.id + '\u0001' + s.type;
    for (const port of portsOf(s)) p += '\u0001' + port + '>' + linkOf(s, port);
    parts.push(p);
  }
  return parts.join('\u0000');
}

const RANKSEP = 72;

/** Converts a definition to laid-out nodes and edges. */
export function definitionToGraph(def: Definition): FlowGraph {
  const nodes: FlowNode[] = [];
  const edges: FlowEdge[] = [];
  const ids = new Set(def.steps.map((s) => s.id));
  const size = new Map<string, { w: number; h: number }>();

  // the goal and the suppression lists are lines of the card too
  const tH = triggerHeight(def.triggers.length + (def.goal ? 1 : 0) + (def.suppress?.length ? 1 : 0));
  nodes.push({ id: TRIGGER_ID, type: 'trigger', position: { x: 0, y: 0 }, data: { count: def.triggers.length }, width: TRIGGER_W, height: tH, deletable: false, draggable: false });
  size.set(TRIGGER_ID, { w: TRIGGER_W, h: tH });

  const pathEdge = (source: string, port: Port, target: string) => {
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
      data: { source, port, toEnd }, deletable: false, focusable: false, selectable: false,
    });
  };

  pathEdge(TRIGGER_ID, 'start', def.start);

  for (const s of def.steps) {
    nodes.push({ id: s.id, type: 'step', position: { x: 0, y: 0 }, data: { type: s.type }, width: STEP_W, height: STEP_H, draggable: false });
    size.set(s.id, { w: STEP_W, h: STEP_H });
  }
  for (const s of def.steps) for (const port of portsOf(s)) pathEdge(s.id, port, linkOf(s, port));

  const incoming = new Map<string, number>();
  for (const e of edges) incoming.set(e.target, (incoming.get(e.target) ?? 0) + 1);
  for (const e of edges) if ((incoming.get(e.target) ?? 0) > 1) e.data = { ...e.data!, merge: true };

  // Layout: dagre over the path edges (goto jumps do not shape the tree), one dagre edge per
  // port (a multigraph, so two paths to one step get routes of their own). dagre's crossing
  // reduction may swap paths (it reversed Hot | Warm | Else once a path merged again), so the
  // left-to-right order inside each rank is ours: pathOrder.
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 56, ranksep: RANKSEP, marginx: 24, marginy: 24 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) {
    const sz = size.get(n.id)!;
    g.setNode(n.id, { width: sz.w, height: sz.h });
  }
  const portIndex = new Map<string, number>();
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  for (const e of edges) {
    const ports: Port[] = e.source === TRIGGER_ID ? ['start'] : portsOf(byId.get(e.source)!);
    portIndex.set(e.id, ports.indexOf(e.data!.port));
    g.setEdge(e.source, e.target, { weight: e.data?.port === 'next' || e.data?.port === 'start' ? 2 : 1 }, e.id);
  }
  const order = pathOrder(nodes, edges, portIndex);
  layout(g, { customOrder: (lg: Graph) => applyOrder(lg, order) } as Parameters<typeof layout>[1]);
  for (const n of nodes) {
    const p = g.node(n.id);
    const sz = size.get(n.id)!;
    n.position = { x: Math.round(p.x - sz.w / 2), y: Math.round(p.y - sz.h / 2) };
  }
  for (const e of edges) {
    const pts = (g.edge(e.source, e.target, e.id) as { points?: { x: number; y: number }[] }).points ?? [];
    // the first and last points are where dagre's line meets the cards; the rest are the
    // places the path crosses the ranks in between
    const via = pts.slice(1, -1).map((q) => ({ x: Math.round(q.x), y: Math.round(q.y) }));
    e.data = { ...e.data!, gap: RANKSEP, ...(via.length ? { via } : {}) };
  }
  return { nodes, edges };
}

/**
 * The left-to-right order of the flow: a depth-first walk from the trigger that takes each
 * step's ports in their defined order (branches in order, then Else; Event happened, then Timed
 * out). Each node gets its position in that walk; each edge gets the position the walk was at
 * when it took that edge, so a path that joins a step placed earlier still sits between its
 * sibling paths.
 */
function pathOrder(nodes: FlowNode[], edges: FlowEdge[], portIndex: Map<string, number>) {
  const out = new Map<string, FlowEdge[]>();
  for (const e of edges) out.set(e.source, [...(out.get(e.source) ?? []), e]);
  for (const list of out.values()) list.sort((a, b) => portIndex.get(a.id)! - portIndex.get(b.id)!);
  const node = new Map<string, number>();
  const edge = new Map<string, number>();
  let n = 0;
  const walk = (root: string) => {
    const stack: { id: string; i: number }[] = [{ id: root, i: 0 }];
    node.set(root, n++);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const list = out.get(top.id) ?? [];
      if (top.i >= list.length) {
        stack.pop();
        continue;
      }
      const e = list[top.i++];
      edge.set(e.id, n);
      if (!node.has(e.target)) {
        node.set(e.target, n++);
        stack.push({ id: e.target, i: 0 });
      }
    }
  };
  walk(TRIGGER_ID);
  // steps no path reaches (validation reports them) go right of the flow, in definition order
  for (const x of nodes) if (!node.has(x.id)) walk(x.id);
  return { node, edge };
}

interface LayerNode {
  rank?: number;
  order?: number;
  dummy?: string;
  edgeObj?: { v: string; w: string; name?: string };
}

/** dagre's customOrder: sorts every rank by pathOrder (dagre's dummy nodes by their edge's). */
function applyOrder(lg: Graph, order: { node: Map<string, number>; edge: Map<string, number> }) {
  const ranks = new Map<number, { v: string; key: number[] }[]>();
  for (const v of lg.nodes()) {
    const ln = lg.node(v) as LayerNode;
    if (typeof ln.rank !== 'number') continue;
    let key: number[];
    const real = order.node.get(v);
    if (real !== undefined) key = [real, 0];
    else {
      const e = ln.edgeObj;
      const pos = e?.name ? order.edge.get(e.name) : undefined;
      key = [(pos ?? Number.MAX_SAFE_INTEGER) - 0.5, e?.v ? (order.node.get(e.v) ?? 0) : 0];
    }
    const list = ranks.get(ln.rank) ?? [];
    list.push({ v, key });
    ranks.set(ln.rank, list);
  }
  for (const list of ranks.values()) {
    list.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || (a.v < b.v ? -1 : 1));
    list.forEach((x, i) => ((lg.node(x.v) as LayerNode).order = i));
  }
}

/**
 * Rebuilds a definition's links from a graph produced by definitionToGraph (and possibly
 * edited as a graph): the steps' contents come from `def`, in the order of the graph's step
 * nodes, and their path links from the edges (a goto's target is content, not a path).
 */
export function graphToDefinition(graph: FlowGraph, def: Definition): Definition {
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const steps = new Map<string, Step>();
  for (const n of graph.nodes) {
    const src = n.type === 'step' ? byId.get(n.id) : undefined;
    if (!src) continue;
    const s = { ...src };
    // links come from the edges
    delete s.next;
    delete s.else;
    if (s.branches) s.branches = s.branches.map((b) => { const c = { ...b }; delete c.next; return c; });
    if (s.paths) s.paths = s.paths.map((p) => { const c = { ...p }; delete c.next; return c; });
    if (s.event) { const ev = { ...s.event }; delete ev.timeout_next; s.event = ev; }
    steps.set(s.id, s);
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
    else if (d.port === 'timeout' && s.event) s.event = { ...s.event, timeout_next: target || undefined };
    else if (d.port.startsWith('path:') && s.paths) {
      const i = Number(d.port.slice(5));
      s.paths = s.paths.map((p, j) => (j === i ? { ...p, next: target || undefined } : p));
    } else if (d.port.startsWith('branch:') && s.branches) {
      const i = Number(d.port.slice(7));
      s.branches = s.branches.map((b, j) => (j === i ? { ...b, next: target || undefined } : b));
    }
  }
  return { ...def, start, steps: graph.nodes.filter((n) => n.type === 'step' && steps.has(n.id)).map((n) => steps.get(n.id)!) };
}

export interface Route {
  /** SVG path data: vertical and horizontal runs with rounded corners. */
  path: string;
  /** Where the "+" and the path's label go. */
  plus: { x: number; y: number };
  label: { x: number; y: number };
}

/**
 * The drawn route of a path edge from a card's bottom (sx, sy) to a card's top (tx, ty) through
 * the places dagre routed it across the ranks in between (`via`), turning only in the gaps
 * between ranks, so a long path goes around the cards instead of through them. The "+" and label
 * sit just above the target, or for a path that joins others (merge) on its own stretch.
 */
export function routeEdge(sx: number, sy: number, tx: number, ty: number, via: { x: number; y: number }[] = [], merge = false, radius = 10): Route {
  // dagre places the bends a few pixels off the cards' centres; a jog that small would draw as
  // a slanted line, so a bend that close to its neighbour takes the neighbour's x
  const SNAP = 16;
  const bends: { x: number; y: number }[] = [];
  for (const v of via) {
    const prev = bends.length ? bends[bends.length - 1].x : sx;
    const x = Math.abs(v.x - prev) < SNAP ? prev : Math.abs(v.x - tx) < SNAP ? tx : v.x;
    bends.push({ x, y: v.y });
  }
  const last = bends.length ? bends[bends.length - 1].x : sx;
  if (Math.abs(last - tx) < SNAP) for (const b of bends) if (b.x === last) b.x = tx;
  const stops = [{ x: sx, y: sy }, ...bends, { x: tx, y: ty }];
  const pts = [stops[0]];
  for (let i = 1; i < stops.length; i++) {
    const p = stops[i - 1];
    const q = stops[i];
    if (Math.abs(p.x - q.x) > 0.5) {
      const m = (p.y + q.y) / 2;
      pts.push({ x: p.x, y: m }, { x: q.x, y: m });
    }
    pts.push(q);
  }
  // drop points on a straight line
  const clean = pts.filter((p, i) => {
    if (i === 0 || i === pts.length - 1) return true;
    const a = pts[i - 1];
    const b = pts[i + 1];
    return !((Math.abs(a.x - p.x) < 0.5 && Math.abs(p.x - b.x) < 0.5) || (Math.abs(a.y - p.y) < 0.5 && Math.abs(p.y - b.y) < 0.5));
  });
  let d = `M ${clean[0].x} ${clean[0].y}`;
  for (let i = 1; i < clean.length; i++) {
    const p = clean[i];
    if (i === clean.length - 1) {
      d += ` L ${p.x} ${p.y}`;
      break;
    }
    const a = clean[i - 1];
    const b = clean[i + 1];
    const r = Math.min(radius, Math.hypot(p.x - a.x, p.y - a.y) / 2, Math.hypot(b.x - p.x, b.y - p.y) / 2);
    const ux = Math.sign(p.x - a.x), uy = Math.sign(p.y - a.y), vx = Math.sign(b.x - p.x), vy = Math.sign(b.y - p.y);
    d += ` L ${p.x - ux * r} ${p.y - uy * r} Q ${p.x} ${p.y} ${p.x + vx * r} ${p.y + vy * r}`;
  }
  let plus = { x: tx, y: ty - 22 };
  let label = { x: tx, y: ty - 50 };
  if (bends.length) {
    plus = { x: bends[0].x, y: bends[0].y + 16 };
    label = { x: bends[0].x, y: bends[0].y - 16 };
  } else if (merge) {
    const m = (sy + ty) / 2;
    plus = { x: (sx + tx) / 2, y: m + 14 };
    label = { x: (sx + tx) / 2, y: m - 14 };
  }
  return { path: d, plus, label };
}
