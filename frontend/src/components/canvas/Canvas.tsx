import {
  Background, BackgroundVariant, Controls, MarkerType, MiniMap, ReactFlow, useReactFlow,
  type EdgeTypes, type NodeTypes,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useRef } from 'react';
import { TRIGGER_ID } from '../../lib/definition';
import type { FlowNode } from '../../lib/graph';
import { nodeConfig } from '../../nodes';
import { useEditor, useEditorStore, useFlowGraph } from '../../store/context';
import { EndNodeView } from './EndNodeView';
import { GotoEdge } from './GotoEdge';
import { InsertEdge } from './InsertEdge';
import { Palette } from './Palette';
import { StepNodeView } from './StepNodeView';
import { TriggerNodeView } from './TriggerNodeView';

const nodeTypes: NodeTypes = { step: StepNodeView, trigger: TriggerNodeView, end: EndNodeView };
const edgeTypes: EdgeTypes = { insert: InsertEdge, goto: GotoEdge };

/** The workflow canvas; needs a surrounding <ReactFlowProvider>. */
export function Canvas() {
  const graph = useFlowGraph();
  const selection = useEditor((s) => s.selection);
  const store = useEditorStore();
  const flow = useReactFlow();
  const selectedId = selection?.kind === 'step' ? selection.id : selection?.kind === 'trigger' ? TRIGGER_ID : null;
  const nodes = useMemo(() => graph.nodes.map((n) => (n.id === selectedId ? { ...n, selected: true } : n)), [graph.nodes, selectedId]);
  const edges = useMemo(() => graph.edges.map((e) => ({
    ...e,
    markerEnd: { type: MarkerType.ArrowClosed, width: 14, height: 14, color: e.type === 'goto' ? '#6366f1' : '#94a3b8' },
  })), [graph.edges]);

  // fit once the first graph is on screen
  const fitted = useRef(false);
  useEffect(() => {
    if (fitted.current || nodes.length === 0) return;
    fitted.current = true;
    requestAnimationFrame(() => flow.fitView({ padding: 0.15, maxZoom: 1 }));
  }, [nodes.length, flow]);

  return (
    <div className="canvas" data-testid="canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        deleteKeyCode={null}
        selectionKeyCode={null}
        multiSelectionKeyCode={null}
        minZoom={0.2}
        maxZoom={1.5}
        proOptions={{ hideAttribution: true }}
        onNodeClick={(_, n: FlowNode) => {
          if (n.type === 'step') store.getState().select({ kind: 'step', id: n.id });
          else if (n.type === 'trigger') store.getState().select({ kind: 'trigger' });
          else if (n.type === 'end') store.getState().openPalette({ source: n.data.source, port: n.data.port });
        }}
        onPaneClick={() => store.getState().select(null)}
      >
        <Background variant={BackgroundVariant.Dots} gap={22} size={1} color="#e2e8f0" />
        <MiniMap pannable zoomable nodeColor={(n) => (n.type === 'step' ? nodeConfig((n as FlowNode & { type: 'step' }).data.step.type).colour : n.type === 'trigger' ? '#f59e0b' : '#cbd5e1')} nodeStrokeWidth={0} maskColor="rgba(241,245,249,0.7)" />
        <Controls showInteractive={false} />
      </ReactFlow>
      <Palette />
    </div>
  );
}

/** Fits the graph into view (the "zoom to fit" button lives in the editor's toolbar). */
export function useFitView() {
  const flow = useReactFlow();
  return () => flow.fitView({ padding: 0.15, maxZoom: 1, duration: 200 });
}
