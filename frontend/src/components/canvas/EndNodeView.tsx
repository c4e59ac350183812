import { Handle, Position } from '@xyflow/react';
import { memo } from 'react';

function EndNodeViewInner() {
  return (
    <div className="end-marker">
      <Handle type="target" position={Position.Top} id="in" className="handle" isConnectable={false} />
      End
    </div>
  );
}

export const EndNodeView = memo(EndNodeViewInner);
