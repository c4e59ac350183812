import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo, useMemo } from 'react';
import type { StepStats } from '../../api/types';
import type { StepNode } from '../../lib/graph';
import { nodeConfig } from '../../nodes';
import { Glyph } from '../../nodes/glyphs';
import { hrefOf, navigate } from '../../router';
import { useEditor } from '../../store/context';

function StepNodeViewInner({ id, data, selected }: NodeProps<StepNode>) {
  const step = data.step;
  const cfg = nodeConfig(step.type);
  const serverProblems = useEditor((s) => s.problems.filter((p) => p.step === id).length);
  const steps = useEditor((s) => s.definition.steps);
  const local = useMemo(() => cfg.checkValid(step, { stepIds: new Set(steps.map((x) => x.id)) }), [cfg, step, steps]);
  const stats = useEditor((s) => (s.enabled ? s.stats?.steps[id] : undefined));
  const workflowId = useEditor((s) => s.workflowId);
  const count = serverProblems || local.length;
  return (
    <div className={`step-card${selected ? ' selected' : ''}${count ? ' has-problems' : ''}`} style={{ ['--accent' as string]: cfg.colour }} data-step={id}>
      <Handle type="target" position={Position.Top} id="in" className="handle" isConnectable={false} />
      <Handle type="target" position={Position.Right} id="goto-in" className="handle goto" isConnectable={false} />
      <div className="step-head">
        <span className="step-glyph"><Glyph name={cfg.glyph} size={15} colour={cfg.colour} /></span>
        <span className="step-type">{cfg.label}</span>
        {stats && <Counters stats={stats} href={workflowId ? hrefOf({ name: 'workflow-enrollments', id: workflowId, step: id }) : undefined} />}
        {count > 0 && <span className="problem-dot" title={serverProblems ? `${count} problem${count > 1 ? 's' : ''}` : local.join('\n')}>{count}</span>}
      </div>
      <div className="step-title" title={step.name || step.id}>{step.name || cfg.summary(step)}</div>
      {step.name && <div className="step-summary" title={cfg.summary(step)}>{cfg.summary(step)}</div>}
      {!step.name && <div className="step-summary id">{step.id}</div>}
      <Handle type="source" position={Position.Bottom} id="out" className="handle" isConnectable={false} />
      <Handle type="source" position={Position.Right} id="goto-out" className="handle goto" isConnectable={false} />
    </div>
  );
}

function Counters({ stats, href }: { stats: StepStats; href?: string }) {
  const open = (e: React.MouseEvent) => {
    e.stopPropagation();
    if (href) navigate(href);
  };
  return (
    <div className={`counters${href ? ' link nodrag' : ''}`} aria-label="Live counters" title={href ? 'Show the enrollments at this step' : undefined}
      role={href ? 'link' : undefined} onClick={open}>
      <span className="c active" title="Running now">{stats.active}</span>
      <span className="c waiting" title="Waiting here">{stats.waiting}</span>
      <span className="c completed" title="Completed this step">{stats.completed}</span>
      <span className={`c failed${stats.failed ? ' has' : ''}`} title={`Failed here ${stats.failed} time${stats.failed === 1 ? '' : 's'}`} data-testid="step-failed">{stats.failed}</span>
    </div>
  );
}

export const StepNodeView = memo(StepNodeViewInner);
