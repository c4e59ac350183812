import { useEffect, useMemo, useRef, useState } from 'react';
import { STEP_TYPES, type StepType } from '../../api/types';
import { nodesConfig } from '../../nodes';
import { Glyph } from '../../nodes/glyphs';
import { GROUPS } from '../../nodes/types';
import { useEditor, useEditorStore } from '../../store/context';
import { plusKey } from './flow-focus';
import { focusCanvasItem } from './reveal';

/** The step picker opened by a "+" on an edge. */
export function Palette() {
  const slot = useEditor((s) => s.palette);
  const clipboard = useEditor((s) => s.clipboard);
  const store = useEditorStore();
  const [q, setQ] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (slot) input.current?.focus();
  }, [slot]);
  const matches = useMemo(() => {
    const t = q.trim().toLowerCase();
    return STEP_TYPES.filter((type) => !t || nodesConfig[type].label.toLowerCase().includes(t) || type.includes(t) || nodesConfig[type].description.toLowerCase().includes(t));
  }, [q]);
  if (!slot) return null;
  const close = () => {
    setQ('');
    store.getState().openPalette(null);
  };
  const pick = (type: StepType) => {
    setQ('');
    store.getState().insertStep(slot, type);
  };
  return (
    <div className="palette-backdrop" onMouseDown={close}>
      <div className="palette" role="dialog" aria-label="Choose a step" data-slot={`${slot.source}:${slot.port}`} onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            close();
            focusCanvasItem(plusKey(`e:${slot.source}:${slot.port}`)); // back to the "+" it came from
          }
          if (e.key === 'Enter' && matches[0]) pick(matches[0]);
        }}>
        <div className="palette-head">
          <input ref={input} placeholder="Search actions" value={q} onChange={(e) => setQ(e.target.value)} />
          {clipboard && (
            <button type="button" className="btn" onClick={() => { setQ(''); store.getState().paste(slot); }}>
              Paste {nodesConfig[clipboard.type]?.label ?? clipboard.type}
            </button>
          )}
        </div>
        <div className="palette-body">
          {GROUPS.map((g) => {
            const items = matches.filter((t) => nodesConfig[t].group === g);
            if (!items.length) return null;
            return (
              <div key={g} className="palette-group">
                <div className="palette-group-title">{g}</div>
                {items.map((t) => (
                  <button type="button" key={t} className="palette-item" onClick={() => pick(t)} data-type={t}>
                    <span className="step-glyph"><Glyph name={nodesConfig[t].glyph} colour={nodesConfig[t].colour} /></span>
                    <span>
                      <span className="palette-label">{nodesConfig[t].label}</span>
                      <span className="palette-desc">{nodesConfig[t].description}</span>
                    </span>
                  </button>
                ))}
              </div>
            );
          })}
          {matches.length === 0 && <div className="hint">No action matches "{q}".</div>}
        </div>
      </div>
    </div>
  );
}
