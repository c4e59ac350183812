import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import type { FlowEdge } from '../../lib/graph';

/** A dashed "go to" jump from a goto step's right side to its target's right side. */
function GotoEdgeInner(props: EdgeProps<FlowEdge>) {
  const { sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, markerEnd, target } = props;
  const [path, lx, ly] = getSmoothStepPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, borderRadius: 12, offset: 36 });
  return (
    <>
      <BaseEdge path={path} markerEnd={markerEnd} style={{ stroke: '#6366f1', strokeWidth: 1.5, strokeDasharray: '6 5' }} />
      <EdgeLabelRenderer>
        <div className="edge-label goto nodrag nopan" style={{ transform: `translate(-50%, -50%) translate(${lx}px, ${ly}px)` }}>Go to {target}</div>
      </EdgeLabelRenderer>
    </>
  );
}

export const GotoEdge = memo(GotoEdgeInner);
