// Bringing a card into view: the canvas pans (never zooms out below a readable zoom) so the card
// sits clear of the minimap and the canvas edges, then optionally selects and focuses it.
import { useReactFlow, type Viewport } from '@xyflow/react';
import { useCallback } from 'react';
import { useEditorStore } from '../../store/context';
import { nodeKey } from './flow-focus';

/** The lowest zoom a workflow opens at or a revealed card is shown at (text stays readable). */
export const READABLE_ZOOM = 0.8;
/** How long a reveal or a focus waits for React Flow to draw an item it brought into view. */
const RENDER_WAIT_MS = 1500;
/** Room kept free around a revealed card, in screen pixels. */
const MARGIN = 48;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The viewport that shows `node` (flow coordinates) inside `pane` (screen size) clear of the
 * `covered` boxes (screen coordinates relative to the pane), or null when it already is.
 * Pure, for tests.
 */
export function viewportToReveal(node: Box, vp: Viewport, pane: { w: number; h: number }, covered: Box[], minZoom = READABLE_ZOOM): Viewport | null {
  const zoom = Math.max(vp.zoom, minZoom);
  const screen = { x: node.x * zoom + vp.x, y: node.y * zoom + vp.y, w: node.w * zoom, h: node.h * zoom };
  const inside = screen.x >= MARGIN / 2 && screen.y >= MARGIN / 2 && screen.x + screen.w <= pane.w - MARGIN / 2 && screen.y + screen.h <= pane.h - MARGIN / 2;
  const hidden = covered.some((c) => screen.x < c.x + c.w && c.x < screen.x + screen.w && screen.y < c.y + c.h && c.y < screen.y + screen.h);
  if (inside && !hidden && zoom === vp.zoom) return null;
  // centre horizontally, and a third from the top so what follows the card is visible too
  return { zoom, x: pane.w / 2 - (node.x + node.w / 2) * zoom, y: Math.max(MARGIN, pane.h / 3 - (node.h / 2) * zoom) - node.y * zoom };
}

/** Screen boxes (relative to the canvas) of what floats over the cards. */
function overlays(canvas: HTMLElement): Box[] {
  const base = canvas.getBoundingClientRect();
  return [...canvas.querySelectorAll<HTMLElement>('.react-flow__minimap, .react-flow__controls')].map((el) => {
    const r = el.getBoundingClientRect();
    return { x: r.left - base.left, y: r.top - base.top, w: r.width, h: r.height };
  });
}

export interface RevealOptions {
  select?: boolean;
  focus?: boolean;
  /** Pan only, keep the zoom (a card the user just clicked: they chose that zoom). */
  keepZoom?: boolean;
}

/**
 * Pans so that `el` (a card or a "+" inside the canvas) is clear of the edges and the overlays.
 * Returns false when the element is not on the page (yet).
 */
export function panIntoView(flow: ReturnType<typeof useReactFlow>, canvas: HTMLElement, el: HTMLElement | null, minZoom = READABLE_ZOOM): boolean {
  if (!el) return false;
  const base = canvas.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const vp = flow.getViewport();
  // the element's box in flow coordinates, from where it is on screen now
  const box = { x: (r.left - base.left - vp.x) / vp.zoom, y: (r.top - base.top - vp.y) / vp.zoom, w: r.width / vp.zoom, h: r.height / vp.zoom };
  const next = viewportToReveal(box, vp, { w: base.width, h: base.height }, overlays(canvas), minZoom);
  if (next) flow.setViewport(next, { duration: 200 });
  return true;
}

/** The canvas element and one of its focusable items. */
export function canvasItem(key: string): { canvas: HTMLElement | null; el: HTMLElement | null } {
  const canvas = document.querySelector<HTMLElement>('[data-testid="canvas"]');
  return { canvas, el: canvas?.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`) ?? null };
}

/**
 * A big workflow's canvas draws only what is in view (React Flow's onlyRenderVisibleElements), so a card or
 * "+" outside the view is not on the page: this centres the view on where the item is laid out
 * (from the graph, not the DOM) so that React Flow renders it. Returns false for an unknown item.
 */
export function centreOnItem(flow: ReturnType<typeof useReactFlow>, key: string, minZoom = READABLE_ZOOM): boolean {
  const centre = (id: string) => {
    const n = flow.getInternalNode(id);
    if (!n) return null;
    const p = n.internals.positionAbsolute;
    return { x: p.x + (n.measured.width ?? n.width ?? 0) / 2, y: p.y + (n.measured.height ?? n.height ?? 0) / 2 };
  };
  let at: { x: number; y: number } | null = null;
  if (key.startsWith('node:')) at = centre(key.slice(5));
  else if (key.startsWith('plus:')) {
    const e = flow.getEdge(key.slice(5));
    const a = e && centre(e.source);
    const b = e && centre(e.target);
    at = a && b ? { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } : a ?? null;
  }
  if (!at) return false;
  flow.setCenter(at.x, at.y, { zoom: Math.max(flow.getZoom(), minZoom) });
  return true;
}

/**
 * Focuses the canvas item `key` and pans it clear of the overlays; an item outside the view is
 * first brought into it (see centreOnItem) and focused once React Flow has rendered it.
 */
export function focusItem(flow: ReturnType<typeof useReactFlow>, key: string, minZoom = READABLE_ZOOM) {
  // a time, not a number of frames: on a busy machine React Flow may take many frames to draw
  // the item it was centred on, and the keyboard must not be left on nothing
  const until = performance.now() + RENDER_WAIT_MS;
  let centred = false;
  const attempt = () => {
    const { canvas, el } = canvasItem(key);
    if (!canvas) return;
    if (!el) {
      if (!centred) centred = centreOnItem(flow, key, minZoom);
      if (performance.now() < until) requestAnimationFrame(attempt);
      return;
    }
    el.focus({ preventScroll: true });
    panIntoView(flow, canvas, el, minZoom);
  };
  attempt();
}

/** Gives the keyboard back to a canvas item (the card a panel was for, the "+" a picker was for). */
export function focusCanvasItem(key: string) {
  requestAnimationFrame(() => canvasItem(key).el?.focus({ preventScroll: true }));
}

/** Returns reveal(stepId): pans the card into the clear part of the canvas. */
export function useReveal() {
  const flow = useReactFlow();
  const store = useEditorStore();
  return useCallback((id: string, opts: RevealOptions = {}) => {
    if (opts.select) store.getState().select({ kind: 'step', id });
    // after React has rendered the card (a new step is laid out in the same commit) and the
    // side panel has taken its width; for up to RENDER_WAIT_MS
    let tries = 0;
    let centred = false;
    const until = performance.now() + RENDER_WAIT_MS;
    const attempt = () => {
      const { canvas, el } = canvasItem(nodeKey(id));
      if (!canvas) return;
      if (!panIntoView(flow, canvas, el, opts.keepZoom ? 0 : READABLE_ZOOM)) {
        // a card outside the view is not drawn: centre on it, then pan it clear once it is there
        if (tries++ >= 2 && !centred) centred = centreOnItem(flow, nodeKey(id), opts.keepZoom ? 0 : READABLE_ZOOM);
        if (performance.now() < until) requestAnimationFrame(attempt);
        return;
      }
      if (opts.focus) el?.focus({ preventScroll: true });
    };
    requestAnimationFrame(attempt);
  }, [flow, store]);
}
