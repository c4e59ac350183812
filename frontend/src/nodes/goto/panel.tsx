import { useEditor } from '../../store/context';
import type { PanelProps } from '../types';

export function GotoPanel({ step, update }: PanelProps) {
  const steps = useEditor((s) => s.definition.steps);
  return (
    <div className="field">
      <label htmlFor="goto-target">Go to step</label>
      <select id="goto-target" value={step.target ?? ''} onChange={(e) => update({ target: e.target.value })}>
        <option value="">Choose a step…</option>
        {steps.filter((s) => s.id !== step.id).map((s) => <option key={s.id} value={s.id}>{s.name ? `${s.name} (${s.id})` : s.id}</option>)}
      </select>
      <div className="hint">A loop back must pass through a delay, and each enrollment has a step budget.</div>
    </div>
  );
}
