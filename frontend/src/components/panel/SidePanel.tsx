import { useEffect, useState } from 'react';
import stringify from 'fast-json-stable-stringify';
import { findStep, goToSources } from '../../lib/definition';
import { durationFieldProblem } from '../../lib/duration';
import { PendingEdit } from '../../lib/pending-edit';
import { nodeConfig, stepTitle } from '../../nodes';
import { Glyph } from '../../nodes/glyphs';
import { panels } from '../../nodes/panels';
import { useEditor, useEditorStore } from '../../store/context';
import type { EditorState } from '../../store/editor-store';
import { CommitOnPause, useFieldText, useLeave } from './fields';
import { nodeKey } from '../canvas/flow-focus';
import { focusCanvasItem } from '../canvas/reveal';
import { TRIGGER_ID } from '../../lib/definition';
import { SettingsPanel } from './SettingsPanel';
import { TriggerPanel } from './TriggerPanel';

/** The right-hand panel: the form of the selected step, the triggers, or workflow settings. */
export function SidePanel() {
  const selection = useEditor((s) => s.selection);
  const store = useEditorStore();
  if (!selection) return null;
  return (
    <aside className="side-panel" aria-label="Properties"
      onKeyDown={(e) => {
        // Escape, even in a field, closes the panel and gives the keyboard back to its card
        if (e.key !== 'Escape' || e.defaultPrevented) return;
        e.preventDefault();
        e.stopPropagation();
        store.getState().select(null);
        focusCanvasItem(nodeKey(selection.kind === 'step' ? selection.id : TRIGGER_ID));
      }}>
      <CommitOnPause.Provider value={true}>
        {selection.kind === 'step' && <StepPanel id={selection.id} />}
        {selection.kind === 'trigger' && <TriggerPanel />}
        {selection.kind === 'settings' && <SettingsPanel />}
      </CommitOnPause.Provider>
    </aside>
  );
}

function StepPanel({ id }: { id: string }) {
  const store = useEditorStore();
  const step = useEditor((s) => findStep(s.definition, id));
  const problems = useEditor((s) => s.problems);
  // the server's answer is about the step as it was checked: once the step changed, its
  // messages may name a choice the user already undid ("eq" after "is at least" was picked),
  // so until the next answer the panel shows the browser's own checks instead
  const fresh = useEditor((s) => {
    const was = s.checked && findStep(s.checked, id);
    const now = findStep(s.definition, id);
    return !!was && (was === now || stringify(was) === stringify(now));
  });
  const stepIds = useEditor((s) => s.definition.steps);
  const untouched = useEditor((s) => !!s.untouched['step:' + id]);
  const leave = useLeave(() => store.getState().touch(['step:' + id]));
  if (!step) return null;
  const cfg = nodeConfig(step.type);
  const Panel = (panels as Record<string, (typeof panels)['delay'] | undefined>)[step.type];
  const mine = fresh && !untouched ? problems.filter((p) => p.step === id) : [];
  // a delay's length is explained under its field; the list above the form does not repeat it
  const byField = step.type === 'delay' && !step.until && !step.event && durationFieldProblem(step.duration) !== null;
  const local = mine.length || untouched || byField ? [] : cfg.checkValid(step, { stepIds: new Set(stepIds.map((s) => s.id)) });
  const update = (patch: Parameters<ReturnType<typeof store.getState>['updateStep']>[1]) => store.getState().updateStep(id, patch);
  return (
    <div className="panel-inner" key={id}>
      <header className="panel-head" style={{ ['--accent' as string]: cfg.colour }}>
        <span className="step-glyph"><Glyph name={cfg.glyph} colour={cfg.colour} /></span>
        <div className="grow">
          <div className="panel-kicker">{cfg.label}</div>
          <StepNameInput value={step.name ?? ''} placeholder={cfg.summary(step)} onChange={(v) => update({ name: v || undefined })} />
        </div>
        <button type="button" className="icon-btn" title="Close" onClick={() => store.getState().select(null)}>×</button>
      </header>
      <div className="panel-body" {...leave}>
        <StepIdField id={id} />
        {Panel ? <Panel step={step} update={update} /> : <div className="hint">No form for "{step.type}".</div>}
      </div>
      {/* below the form, outside its scrolling: problems that come and go while typing shorten
          the form from the bottom instead of pushing the field being typed in */}
      <div className="panel-problems" role="status" aria-live="polite">
        {(mine.length > 0 || local.length > 0) && (
          <ul className="problems-inline" data-testid="step-problems">
            {mine.filter((p) => !(byField && p.field === 'duration')).map((p, i) => <li key={'s' + i} className={p.severity === 'warning' ? 'warning' : undefined}>{p.message}</li>)}
            {local.map((m, i) => <li key={'l' + i} className="local">{m}</li>)}
          </ul>
        )}
      </div>
      <footer className="panel-foot">
        <button type="button" className="btn" onClick={() => store.getState().copy(id)}>Copy</button>
        <button type="button" className="btn danger" onClick={() => deleteStepAsking(store.getState(), id)}>
          {step.type === 'branch' ? 'Delete branch and its paths' : 'Delete step'}
        </button>
      </footer>
    </div>
  );
}

/**
 * Deletes a step, first asking when go-to steps jump to it: they would be left without a
 * target, and nothing on the card being deleted shows that they point at it.
 */
export function deleteStepAsking(s: Pick<EditorState, 'definition' | 'deleteStep'>, id: string) {
  const sources = goToSources(s.definition, id);
  const step = findStep(s.definition, id);
  if (sources.length && step) {
    const names = sources.map((g) => `“${stepTitle(g)}”`).join(', ');
    const ok = window.confirm(`${sources.length === 1 ? 'The go-to step' : 'The go-to steps'} ${names} ${sources.length === 1 ? 'jumps' : 'jump'} to “${stepTitle(step)}”. Delete it anyway? ${sources.length === 1 ? 'That go-to' : 'Those go-tos'} will need a new step to jump to (Undo brings it back).`);
    if (!ok) return;
  }
  s.deleteStep(id);
}

function StepNameInput(props: { value: string; placeholder: string; onChange(v: string): void }) {
  const f = useFieldText(props.value, props.onChange);
  return <input className="panel-title" aria-label="Step name" title={f.text || props.placeholder} value={f.text} placeholder={props.placeholder} onChange={(e) => f.change(e.target.value)} onBlur={f.flush} />;
}

function StepIdField({ id }: { id: string }) {
  const store = useEditorStore();
  const [draft, setDraft] = useState(id);
  const [err, setErr] = useState('');
  // a typed id is renamed on Enter, on leaving the field, or when something flushes pending
  // edits (save, undo, leaving): never mid-typing, since a rename re-keys the panel
  const [edit] = useState(() => new PendingEdit<string>(undefined, Infinity));
  const rename = (typed: string) => {
    const v = typed.trim();
    if (v === id) return;
    if (!v) {
      setErr('An id cannot be empty.');
      return;
    }
    if (!store.getState().renameStep(id, v)) setErr(`Another step is already called "${v}".`);
    else setErr('');
  };
  useEffect(() => () => edit.flush(), [edit]);
  const leave = (e: React.FocusEvent<HTMLInputElement>) => {
    // Tab to the next control: the rename re-keys the panel, so give that control its focus back
    const panel = e.currentTarget.closest('.side-panel');
    const to = panel && e.relatedTarget instanceof HTMLElement && panel.contains(e.relatedTarget) ? focusables(panel).indexOf(e.relatedTarget) : -1;
    edit.flush();
    if (to < 0) return;
    requestAnimationFrame(() => {
      const now = document.querySelector('.side-panel');
      if (now && !now.contains(document.activeElement)) focusables(now)[to]?.focus();
    });
  };
  return (
    <div className="field">
      <label htmlFor="step-id">Step id</label>
      <input id="step-id" className="mono" value={draft} onChange={(e) => { setDraft(e.target.value); edit.change(e.target.value, rename); }} onBlur={leave}
        onKeyDown={(e) => e.key === 'Enter' && edit.flush()} />
      {err ? <div className="hint error">{err}</div> : <div className="hint">Shown in history and validation messages.</div>}
    </div>
  );
}

/** The controls of a panel that take focus, in tab order. */
function focusables(root: Element): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>('input, select, textarea, button, [tabindex]')].filter((el) => el.tabIndex >= 0 && !(el as HTMLInputElement).disabled);
}
