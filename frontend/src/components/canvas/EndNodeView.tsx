import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import type { EndNode } from '../../lib/graph';
import { findStep } from '../../lib/definition';
import { useEditor } from '../../store/context';

function EndNodeViewInner({ data }: NodeProps<EndNode>) {
  // an A/B split's path that ends at once is said (amber, with its share): records sent down it
  // do nothing, which is a control group only when meant (the validator warns too)
  const path = useEditor((s) => {
    if (!data.port.startsWith('path:')) return null;
    const p = findStep(s.definition, data.source)?.paths?.[Number(data.port.slice(5))];
    return p ? `${p.name || 'This path'}|${p.percent}` : null;
  });
  const [name, percent] = path ? path.split('|') : [];
  return (
    <div className={`end-marker${path ? ' warn' : ''}`} title={path ? `Path ${name} has no steps: the ${percent}% of records sent down it leave the workflow here` : 'The workflow ends here for records on this path'}>
      <Handle type="target" position={Position.Top} id="in" className="handle" isConnectable={false} />
      {path ? `${name} ends` : 'End'}
    </div>
  );
}

export const EndNodeView = memo(EndNodeViewInner);
