import { WorkflowPicker } from '../../components/WorkflowPicker';
import { useEditor } from '../../store/context';
import type { PanelProps } from '../types';

export function EnrollPanel({ step, update }: PanelProps) {
  // a workflow not saved yet has no id of its own to refuse
  const self = useEditor((s) => (s.workflowId ?? s.definition.id) || undefined);
  const object = useEditor((s) => s.definition.object) || 'contact';
  return (
    <>
      <WorkflowPicker label="Workflow" value={step.workflow} onChange={(v) => update({ workflow: v })} object={object} self={self} />
      <div className="hint">Only {object} workflows. A record already enrolled there is logged, not an error.</div>
    </>
  );
}
