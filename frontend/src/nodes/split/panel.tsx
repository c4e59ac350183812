import type { SplitPath } from '../../api/types';
import { removePath as removePathOp } from '../../lib/definition';
import { useEditorStore } from '../../store/context';
import type { PanelProps } from '../types';
import { splitTotal } from './default';

export function SplitPanel({ step, update }: PanelProps) {
  const store = useEditorStore();
  const paths = step.paths ?? [];
  const setPath = (i: number, patch: Partial<SplitPath>) => update({ paths: paths.map((p, j) => (j === i ? { ...p, ...patch } : p)) });
  const removePath = (i: number) => {
    const st = store.getState();
    st.commit(removePathOp(st.definition, step.id, i));
  };
  const addPath = () => {
    const name = String.fromCharCode(65 + (paths.length % 26));
    update({ paths: [...paths, { name, percent: 0 }] });
  };
  const total = splitTotal(step);
  return (
    <>
      <div className="hint">Each record takes one path, chosen by a stable hash of the record and this step: the same record always takes the same path here.</div>
      {paths.map((p, i) => (
        <div className="card-section" key={i}>
          <div className="section-head">
            <input className="branch-name" aria-label={`Path ${i + 1} name`} value={p.name} onChange={(e) => setPath(i, { name: e.target.value })} />
            <button type="button" className="icon-btn" title="Remove path" aria-label={`Remove path ${p.name || i + 1}`} disabled={paths.length <= 2} onClick={() => removePath(i)}>×</button>
          </div>
          <div className="field">
            <label htmlFor={`split-${step.id}-${i}`}>Share of records (%)</label>
            <input id={`split-${step.id}-${i}`} type="number" min={1} max={100} step={1} value={Number.isFinite(p.percent) ? p.percent : ''}
              onChange={(e) => setPath(i, { percent: e.target.value === '' ? 0 : Math.trunc(Number(e.target.value)) })} />
          </div>
        </div>
      ))}
      <div className={total === 100 ? 'hint' : 'hint error'} role="status">Total: {total}%{total === 100 ? '' : ' (must be 100%)'}</div>
      <button type="button" className="btn" onClick={addPath}>Add path</button>
    </>
  );
}
