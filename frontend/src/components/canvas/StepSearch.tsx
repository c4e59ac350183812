// "Find a step", a button among the canvas's zoom controls: on a big workflow a marketer looks
// for "the replay mail" by name, not by panning. Picking a hit selects the step, which brings
// its card into view and opens its panel, and focuses the card.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { findSteps } from '../../lib/step-search';
import { nodeConfig, stepTitle } from '../../nodes';
import { useReactFlow } from '@xyflow/react';
import { useEditor, useEditorStore } from '../../store/context';
import { nodeKey } from './flow-focus';
import { focusItem } from './reveal';
import { useKeyOutsideFields } from './keys';

export function StepSearch() {
  const store = useEditorStore();
  const flow = useReactFlow();
  const steps = useEditor((s) => s.definition.steps);
  const pop = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const listId = useId();
  // where the popover shows: beside the button, on the page (the zoom controls clip what they hold)
  const [open, setOpenAt] = useState<{ left: number; bottom: number } | null>(null);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const hits = useMemo(() => findSteps(steps, query, stepTitle, (s) => nodeConfig(s.type).label), [steps, query]);
  // each opening starts empty, so closing has nothing to reset
  const openSearch = () => {
    const r = button.current?.getBoundingClientRect();
    if (!r) return;
    setQuery('');
    setActive(0);
    setOpenAt({ left: r.right + 10, bottom: window.innerHeight - r.bottom });
  };
  const close = (refocus = false) => {
    setOpenAt(null);
    if (refocus) button.current?.focus();
  };
  // selected (the canvas brings a selected card into view) and focused: the keyboard on the
  // card, not in its panel, so the arrow keys go on from there and Enter goes into the panel
  const choose = (id: string) => {
    close();
    store.getState().select({ kind: 'step', id });
    focusItem(flow, nodeKey(id));
  };

  // "/" outside a text field opens it, as in many web apps
  useKeyOutsideFields('/', openSearch);
  const isOpen = open !== null;
  useEffect(() => {
    if (isOpen) input.current?.focus();
  }, [isOpen]);
  // a press anywhere else closes it (capture: the canvas stops the event from bubbling)
  useEffect(() => {
    if (!isOpen) return;
    const down = (e: PointerEvent) => {
      const t = e.target as Node;
      if (!pop.current?.contains(t) && !button.current?.contains(t)) setOpenAt(null);
    };
    window.addEventListener('pointerdown', down, true);
    return () => window.removeEventListener('pointerdown', down, true);
  }, [isOpen]);

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, Math.max(hits.length - 1, 0)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && hits[active]) {
      e.preventDefault();
      choose(hits[active].id);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    }
  };

  return (
    <>
      <button ref={button} type="button" className="react-flow__controls-button" aria-label="Find a step" title="Find a step (/)" aria-expanded={!!open}
        onClick={() => (open ? close() : openSearch())}>
        <svg width="13" height="13" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true"><path d="M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z M20 20l-4-4" /></svg>
      </button>
      {open && createPortal(
        <div className="step-search-pop" ref={pop} role="search" data-testid="step-search" style={{ left: open.left, bottom: open.bottom }}>
          <input ref={input} role="combobox" aria-label="Find a step" aria-expanded={hits.length > 0} aria-controls={listId} aria-autocomplete="list"
            aria-activedescendant={hits[active] ? `${listId}-${active}` : undefined}
            placeholder={`Name, kind or id of one of ${steps.length} steps`} value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setActive(0);
            }} onKeyDown={onKey} />
          {query.trim() !== '' && (
            <ul id={listId} role="listbox" aria-label="Steps found">
              {hits.map((h, i) => (
                <li key={h.id} id={`${listId}-${i}`} role="option" aria-selected={i === active} data-step={h.id}
                  onMouseEnter={() => setActive(i)} onMouseDown={(e) => e.preventDefault()} onClick={() => choose(h.id)}>
                  <span className="title">{h.title}</span>
                  <span className="sub">{h.kind}</span>
                </li>
              ))}
              {hits.length === 0 && <li className="empty" role="presentation">No step matches “{query.trim()}”.</li>}
            </ul>
          )}
        </div>,
        document.body,
      )}
    </>
  );
}
