import {
  Background, BackgroundVariant, ControlButton, Controls, MarkerType, MiniMap, ReactFlow, useReactFlow,
  type EdgeTypes, type NodeTypes,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { TRIGGER_ID } from '../../lib/definition';
import type { FlowGraph, FlowNode } from '../../lib/graph';
import { nodeConfig } from '../../nodes';
import { useEditor, useEditorStore, useFlowGraph } from '../../store/context';
import { EndNodeView } from './EndNodeView';
import { StepSearch } from './StepSearch';
import { arrowTarget, createRoveStore, flowOrder, nodeKey, RoveContext, type Arrow } from './flow-focus';
import { findLabelLayer, LabelLayer } from './label-layer';
import { InsertEdge } from './InsertEdge';
import { Palette } from './Palette';
import { focusItem, READABLE_ZOOM, useReveal } from './reveal';
import { ShortcutSheet } from './ShortcutSheet';
import { StepNodeView } from './StepNodeView';
import { TriggerNodeView } from './TriggerNodeView';

const nodeTypes: NodeTypes = { step: StepNodeView, trigger: TriggerNodeView, end: EndNodeView };
const edgeTypes: EdgeTypes = { insert: InsertEdge };
const marker = { type: MarkerType.ArrowClosed, width: 14, height: 14, color: '#94a3b8' };
const minimapColour = (n: FlowNode) => (n.type === 'step' ? nodeConfig(n.data.type).colour : n.type === 'trigger' ? '#f59e0b' : '#cbd5e1');

/**
 * The viewport a workflow opens at: the whole flow when it fits at a readable zoom, otherwise
 * the readable zoom with the trigger card centred at the top.
 */
export function openingViewport(graph: FlowGraph, pane: { w: number; h: number }) {
  const pad = 48;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const n of graph.nodes) {
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x + (n.width ?? 0));
    maxY = Math.max(maxY, n.position.y + (n.height ?? 0));
  }
  const fit = Math.min(1, (pane.w - 2 * pad) / (maxX - minX), (pane.h - 2 * pad) / (maxY - minY));
  if (fit >= READABLE_ZOOM) {
    return { zoom: fit, x: (pane.w - (maxX - minX) * fit) / 2 - minX * fit, y: (pane.h - (maxY - minY) * fit) / 2 - minY * fit };
  }
  const trigger = graph.nodes.find((n) => n.id === TRIGGER_ID)!;
  const zoom = READABLE_ZOOM;
  return { zoom, x: pane.w / 2 - (trigger.position.x + (trigger.width ?? 0) / 2) * zoom, y: pad - trigger.position.y * zoom };
}

/** The workflow canvas; needs a surrounding <ReactFlowProvider>. */
/** The workflow on the canvas; besidePanel says a panel other than the side panel (the Test
 * panel) narrows it; search adds "Find a step" to the zoom controls (the editor's canvas, not a
 * version's). */
export function Canvas({ besidePanel = false, search = false }: { besidePanel?: boolean; search?: boolean }) {
  const graph = useFlowGraph();
  const selection = useEditor((s) => s.selection);
  const panelOpen = selection !== null;
  const store = useEditorStore();
  const flow = useReactFlow();
  const reveal = useReveal();
  const ref = useRef<HTMLDivElement>(null);
  const [showMap, setShowMap] = useState(true);
  // React Flow's edge-label layer, found once it is on the page (see label-layer.tsx)
  const [labelLayer, setLabelLayer] = useState<HTMLElement | null>(null);
  // after every render until found: React Flow adds the layer in a later commit of its own, so
  // no dependency list can say when (the effect does nothing once the layer is known)
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useLayoutEffect(() => {
    if (!labelLayer) setLabelLayer(findLabelLayer(ref.current));
  });
  const rove = useMemo(() => createRoveStore(), []);
  const order = useMemo(() => flowOrder(graph), [graph]);
  const selectedId = selection?.kind === 'step' ? selection.id : selection?.kind === 'trigger' ? TRIGGER_ID : null;
  const nodes = useMemo(() => graph.nodes.map((n) => (n.id === selectedId ? { ...n, selected: true } : n)), [graph.nodes, selectedId]);
  const edges = useMemo(() => graph.edges.map((e) => ({ ...e, markerEnd: marker })), [graph.edges]);

  // open at a readable zoom with the trigger in view, once the first graph is on screen
  const opened = useRef(false);
  useEffect(() => {
    if (opened.current || graph.nodes.length === 0 || !ref.current) return;
    opened.current = true;
    const r = ref.current.getBoundingClientRect();
    flow.setViewport(openingViewport(graph, { w: r.width, h: r.height }));
  }, [graph, flow]);

  // a selected card (new, pasted, picked in the problems list, jumped to) is brought into view
  // at a readable zoom; one the user clicked is only panned clear of the overlays
  const clicked = useRef<string | null>(null);
  useEffect(() => {
    if (selection?.kind === 'step') reveal(selection.id, { keepZoom: clicked.current === selection.id });
    clicked.current = null;
  }, [selection, reveal]);

  // the tab stop must be an item that exists
  useEffect(() => {
    if (!order.includes(rove.getState().current)) rove.setState({ current: nodeKey(TRIGGER_ID) });
  }, [order, rove]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    if (e.key.startsWith('Arrow') && !e.shiftKey) {
      // the arrow keys move between cards as they are laid out (flow-focus.ts, arrowTarget)
      const from = (e.target as HTMLElement).dataset?.focusKey;
      const to = from ? arrowTarget(graph, from, e.key as Arrow) : null;
      if (!from) return;
      e.preventDefault();
      if (!to) return;
      rove.setState({ current: to });
      focusItem(flow, to);
      return;
    }
    if (e.key !== 'Tab') return;
    const key = (e.target as HTMLElement).dataset?.focusKey;
    const i = key ? order.indexOf(key) : -1;
    if (i < 0) return;
    const j = i + (e.shiftKey ? -1 : 1);
    if (j < 0 || j >= order.length) return; // leave the canvas the browser's way
    e.preventDefault();
    rove.setState({ current: order[j] });
    focusItem(flow, order[j]);
  };

  const visibleOnly = graph.nodes.length > VISIBLE_ONLY_FROM;
  return (
    <RoveContext.Provider value={rove}>
      <LabelLayer.Provider value={labelLayer}>
        <div className="canvas" data-testid="canvas" ref={ref} onKeyDown={onKeyDown}
          onFocus={(e) => {
            const key = (e.target as HTMLElement).dataset?.focusKey;
            if (key && rove.getState().current !== key) rove.setState({ current: key });
          }}>
          {/* when only what is in view is drawn, the canvas's tab stop may be off the page after
              a pan: Tab from the toolbar lands here and goes on to it (brought into view) */}
          {visibleOnly && <span className="canvas-entry" tabIndex={0} data-testid="canvas-entry" aria-label="Workflow canvas"
            onFocus={(e) => {
              if (ref.current?.contains(e.relatedTarget as Node | null)) {
                // Shift+Tab out of the canvas: on past this stop, to what comes before it
                const prev = previousTabbable(e.currentTarget);
                if (prev) prev.focus();
                return;
              }
              focusItem(flow, rove.getState().current);
            }} />}
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            // on a big workflow only what is in view is drawn: on 300 steps this took the pan/zoom
            // frame rate from 33 to 57 fps on a loaded machine (docs/performance.md); the keyboard
            // and reveal() bring an item outside the view into it first (reveal.ts). A small one
            // is drawn whole, so all of it stays on the page (find in page, screen readers)
            onlyRenderVisibleElements={visibleOnly}
            nodesDraggable={false}
            nodesConnectable={false}
            nodesFocusable={false}
            edgesFocusable={false}
            elementsSelectable
            deleteKeyCode={null}
            selectionKeyCode={null}
            multiSelectionKeyCode={null}
            // the wheel moves the canvas, as HubSpot's and n8n's editors do; Ctrl+wheel (and a
            // trackpad's pinch, which the browser reports as one) zooms
            panOnScroll
            minZoom={MIN_ZOOM}
            maxZoom={1.5}
            proOptions={{ hideAttribution: true }}
            onNodeClick={(_, n: FlowNode) => {
              clicked.current = n.id;
              if (n.type === 'step') store.getState().select({ kind: 'step', id: n.id });
              else if (n.type === 'trigger') store.getState().select({ kind: 'trigger' });
              else if (n.type === 'end') store.getState().openPalette({ source: n.data.source, port: n.data.port });
            }}
            onPaneClick={() => store.getState().select(null)}
          >
            <Background variant={BackgroundVariant.Dots} gap={22} size={1} color="#e2e8f0" />
            {/* the map would cover the cards of the last path next to an open panel (the side
                panel, or the Test panel beside the canvas), so it steps aside then */}
            {showMap && !panelOpen && !besidePanel && <MiniMap pannable zoomable nodeColor={minimapColour} nodeStrokeWidth={0} maskColor="rgba(241,245,249,0.7)" ariaLabel="Map of the workflow" />}
            <Controls showInteractive={false} aria-label="Zoom controls">
              <ControlButton onClick={() => setShowMap((v) => !v)} title={showMap ? 'Hide the map' : 'Show the map'} aria-label={showMap ? 'Hide the map' : 'Show the map'} aria-pressed={showMap}>
                <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true"><path d="M1 3l4.5-1.5 5 1.5L15 1.5v11.5l-4.5 1.5-5-1.5L1 14.5z M5.5 1.5v11.5 M10.5 3v11.5" fill="none" stroke="currentColor" strokeWidth="1.3" /></svg>
              </ControlButton>
              {search && <StepSearch />}
            </Controls>
          </ReactFlow>
          <Palette />
          <ShortcutSheet />
        </div>
      </LabelLayer.Provider>
    </RoveContext.Provider>
  );
}

/** From this many cards on, the canvas draws only the items in view. */
const VISIBLE_ONLY_FROM = 60;

/** The element the browser's Shift+Tab would reach before `el`. */
function previousTabbable(el: HTMLElement): HTMLElement | null {
  const all = [...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, [tabindex]')]
    .filter((x) => x.tabIndex >= 0 && !(x as HTMLButtonElement).disabled && x.getClientRects().length > 0);
  const i = all.indexOf(el);
  return i > 0 ? all[i - 1] : null;
}

/**
 * The smallest zoom: low enough that "Zoom to fit" shows a 300-step workflow whole (about
 * 27,000 px tall; at 0.2 it showed a seventh of it, centred on the middle).
 */
const MIN_ZOOM = 0.02;

/** Fits the graph into view (the "zoom to fit" button lives in the editor's toolbar). */
export function useFitView() {
  const flow = useReactFlow();
  return () => flow.fitView({ padding: 0.15, maxZoom: 1, minZoom: MIN_ZOOM, duration: 200 });
}

