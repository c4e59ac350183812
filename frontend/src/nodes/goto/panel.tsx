import type { Step } from '../../api/types';
import { nodeConfig } from '..';
import { useEditor } from '../../store/context';
import type { PanelProps } from '../types';

export function GotoPanel({ step, update }: PanelProps) {
  const steps = useEditor((s) => s.definition.steps);
  // steps by name (the card's title); a name two steps share gets the step type to tell them apart
  const title = (s: Step) => s.name || nodeConfig(s.type).summary(s);
  const count = new Map<string, number>();
  for (const s of steps) count.set(title(s), (count.get(title(s)) ?? 0) + 1);
  const label = (s: Step) => ((count.get(title(s)) ?? 0) > 1 ? `${title(s)} · ${nodeConfig(s.type).label} (${s.id})` : title(s));
  return (
    <div className="field">
      <label htmlFor="goto-target">Go to step</label>
      <select id="goto-target" value={step.target ?? ''} onChange={(e) => update({ target: e.target.value })}>
        <option value="">Choose a step…</option>
        {steps.filter((s) => s.id !== step.id).map((s) => <option key={s.id} value={s.id}>{label(s)}</option>)}
      </select>
      <div className="hint">A loop back must pass through a delay, and each enrollment has a step budget.</div>
    </div>
  );
}
