import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import type { FlowEdge } from '../../lib/graph';
import { useEditorStore } from '../../store/context';

/** A path edge with its label (branch name, Else, Event happened, Timed out) and a "+" button. */
function InsertEdgeInner(props: EdgeProps<FlowEdge>) {
  const { sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, markerEnd } = props;
  const store = useEditorStore();
  const [path, cx, cy] = getSmoothStepPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, borderRadius: 10, offset: 16 });
  // The label and the "+" sit on the last vertical stretch, just above the target; when several
  // paths join at one step they go mid-edge instead so they do not cover each other.
  const x = data?.merge ? cx : targetX;
  const plusY = data?.merge ? cy + 14 : targetY - 22;
  const labelY = data?.merge ? cy - 14 : targetY - 50;
  const open = (e: React.MouseEvent) => {
    e.stopPropagation();
    if (data) store.getState().openPalette({ source: data.source, port: data.port });
  };
  return (
    <>
      <BaseEdge path={path} markerEnd={markerEnd} style={{ stroke: '#94a3b8', strokeWidth: 1.5 }} />
      <EdgeLabelRenderer>
        {data?.label && (
          <div className="edge-label nodrag nopan" style={{ transform: `translate(-50%, -50%) translate(${x}px, ${labelY}px)` }}>
            {data.label}
          </div>
        )}
        <button type="button" className="edge-plus nodrag nopan" aria-label="Add a step here" title="Add a step here" data-slot={data ? `${data.source}:${data.port}` : undefined}
          style={{ transform: `translate(-50%, -50%) translate(${x}px, ${plusY}px)` }} onClick={open}>
          +
        </button>
      </EdgeLabelRenderer>
    </>
  );
}

export const InsertEdge = memo(InsertEdgeInner);
