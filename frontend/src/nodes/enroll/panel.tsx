import { useEffect, useState } from 'react';
import { api, type WorkflowSummary } from '../../api';
import { useEditor } from '../../store/context';
import type { PanelProps } from '../types';

export function EnrollPanel({ step, update }: PanelProps) {
  const [workflows, setWorkflows] = useState<WorkflowSummary[]>([]);
  const self = useEditor((s) => s.definition.id);
  const object = useEditor((s) => s.definition.object);
  useEffect(() => {
    let live = true;
    api.listWorkflows().then((w) => live && setWorkflows(w), () => undefined);
    return () => {
      live = false;
    };
  }, []);
  const options = workflows.filter((w) => w.id !== self && w.object === object);
  return (
    <div className="field">
      <label htmlFor="enroll-wf">Workflow</label>
      <select id="enroll-wf" value={step.workflow ?? ''} onChange={(e) => update({ workflow: e.target.value })}>
        <option value="">Choose a workflow…</option>
        {step.workflow && !options.some((w) => w.id === step.workflow) && <option value={step.workflow}>{step.workflow}</option>}
        {options.map((w) => <option key={w.id} value={w.id}>{w.name} ({w.id})</option>)}
      </select>
      <div className="hint">Only {object} workflows. A record already enrolled there is logged, not an error.</div>
    </div>
  );
}
