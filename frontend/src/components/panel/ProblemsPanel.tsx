import { stepById } from '../../lib/lookup';
import { nodeConfig } from '../../nodes';
import { errorsOf, problemsLabel } from '../../lib/problems';
import { useEditor, useEditorStore } from '../../store/context';

/** The list of validation problems, errors before warnings; clicking one selects what it concerns. */
export function ProblemsPanel({ onClose }: { onClose(): void }) {
  const problems = useEditor((s) => s.problems);
  const steps = useEditor((s) => s.definition.steps);
  const stepName = (id: string) => {
    const st = stepById(steps, id);
    return st ? st.name || nodeConfig(st.type).summary(st) : id;
  };
  const store = useEditorStore();
  const errors = errorsOf(problems);
  const ordered = [...errors, ...problems.filter((p) => !errors.includes(p))];
  return (
    <div className="problems-panel" role="region" aria-label="Problems">
      <div className="problems-head">
        <strong>{problemsLabel(errors.length, problems.length - errors.length)}</strong>
        <button type="button" className="icon-btn" title="Close" onClick={onClose}>×</button>
      </div>
      {errors.length > 0 && <p className="problems-note">Problems keep the workflow from being switched on. While it is off you can save it with them, as a draft.</p>}
      <ul>
        {ordered.map((p, i) => (
          <li key={i} className={p.severity === 'warning' ? 'warning' : 'error'} data-severity={p.severity ?? 'error'}>
            <button type="button" onClick={() => {
              if (p.step) store.getState().select({ kind: 'step', id: p.step });
              else if (p.trigger || p.field?.startsWith('reenroll')) store.getState().select({ kind: 'trigger' });
              else store.getState().select({ kind: 'settings' });
            }}>
              <span className="where">{p.severity === 'warning' ? 'Warning · ' : ''}{p.step ? `Step: ${stepName(p.step)}` : p.trigger ? `Trigger ${p.trigger}` : 'Workflow'}</span>
              {p.message}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
