// Edge labels and "+" buttons are HTML laid over the SVG edges, in React Flow's label layer.
// React Flow's own <EdgeLabelRenderer> finds that layer with a store selector that runs
// querySelector on every change of its store, for every edge: while panning, 400 edges made
// that 400 DOM queries a frame (the largest cost of a pan on 300 steps). The canvas finds the
// layer once and hands it down; EdgeLabels portals into it the same way.
import { createContext, useContext, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

/** React Flow's edge-label layer of the surrounding canvas (null until it is on the page). */
export const LabelLayer = createContext<HTMLElement | null>(null);

/** The canvas's label layer under the React Flow element `root`, or null. */
export function findLabelLayer(root: HTMLElement | null): HTMLElement | null {
  return root?.querySelector<HTMLElement>('.react-flow__edgelabel-renderer') ?? null;
}

/** Renders children in the canvas's edge-label layer, as <EdgeLabelRenderer> does. */
export function EdgeLabels({ children }: { children: ReactNode }) {
  const layer = useContext(LabelLayer);
  return layer ? createPortal(children, layer) : null;
}
