import { stepById } from '../../lib/lookup';
import { nodeConfig } from '../../nodes';
import { useEditor, useEditorStore } from '../../store/context';

/** The list of validation problems; clicking one selects what it concerns. */
export function ProblemsPanel({ onClose }: { onClose(): void }) {
  const problems = useEditor((s) => s.problems);
  const steps = useEditor((s) => s.definition.steps);
  const stepName = (id: string) => {
    const st = stepById(steps, id);
    return st ? st.name || nodeConfig(st.type).summary(st) : id;
  };
  const store = useEditorStore();
  return (
    <div className="problems-panel" role="region" aria-label="Problems">
      <div className="problems-head">
        <strong>{problems.length ? `${problems.length} problem${problems.length > 1 ? 's' : ''}` : 'No problems'}</strong>
        <button type="button" className="icon-btn" title="Close" onClick={onClose}>×</button>
      </div>
      <ul>
        {problems.map((p, i) => (
          <li key={i}>
            <button type="button" onClick={() => {
              if (p.step) store.getState().select({ kind: 'step', id: p.step });
              else if (p.trigger || p.field?.startsWith('reenroll')) store.getState().select({ kind: 'trigger' });
              else store.getState().select({ kind: 'settings' });
            }}>
              <span className="where">{p.step ? `Step: ${stepName(p.step)}` : p.trigger ? `Trigger ${p.trigger}` : 'Workflow'}</span>
              {p.message}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
