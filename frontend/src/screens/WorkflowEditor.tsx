import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, ApiError, type Definition, type Problem, type Published, type SavedWorkflow } from '../api';
import { Canvas } from '../components/canvas/Canvas';
import { Dialog } from '../components/common';
import { EnrollRecordsDialog } from '../components/Enroll';
import { ReviewDialog } from '../components/Review';
import { ProblemsPanel } from '../components/panel/ProblemsPanel';
import { SidePanel } from '../components/panel/SidePanel';
import { TestPanel } from '../components/TestPanel';
import { canonical } from '../lib/canonical';
import { errorsOf, problemsLabel } from '../lib/problems';
import { clearDraft, peekDraft } from '../lib/templates';
import { takeRestored } from '../lib/versions';
import { outcomeTotals } from '../lib/outcome';
import { navigate } from '../router';
import { EditorProvider, useEditor, useEditorStore, useObjectProperties } from '../store/context';
import { blankDefinition, createEditorStore, type EditorStore } from '../store/editor-store';
import { useShortcuts, useStats, useUnsavedGuard, useValidation } from './useEditorEffects';

/** A banner above the canvas. */
type Notice = { kind: 'error' | 'warn' | 'ok' | 'conflict'; text: string };

/**
 * The editor of a workflow just created, handed from the "new" route to the route of its id:
 * it already is that workflow (with its undo history, selection and the save's notice), so it
 * is not loaded again.
 */
let handoff: { store: EditorStore; notice: Notice | null } | null = null;

/** Loads a workflow (or starts a new one for id "new") and shows the editor. */
export function WorkflowEditorScreen({ id }: { id: string }) {
  const [state, setState] = useState<{ store: EditorStore; key: string; notice: Notice | null } | { error: string } | null>(null);
  useEffect(() => {
    let live = true;
    const schema = api.schema().catch(() => null);
    const load = async () => {
      try {
        let store: EditorStore;
        let restoredNotice: Notice | null = null;
        const handed = handoff?.store.getState().workflowId === id ? handoff : null;
        if (handed) {
          store = handed.store;
        } else if (id === 'new') {
          // no id: the server makes it from the name at the first save (unless the user types one)
          store = createEditorStore({ definition: peekDraft() ?? blankDefinition('') });
          store.getState().select({ kind: 'settings' });
        } else {
          const w = await api.getWorkflow(id);
          store = createEditorStore({ definition: w.definition, workflowId: w.id, revision: w.revision, enabled: w.enabled });
          const r = takeRestored(id);
          if (r) {
            // a restored version is an edit of the draft: saving makes it a new revision
            store.getState().commit(r.definition);
            restoredNotice = { kind: 'warn', text: `Version ${r.version} is in the editor as unsaved changes. Check the problems, if any, then save it as a new revision.` };
          }
        }
        store.getState().setSchema(await schema);
        if (live) {
          if (id === 'new') clearDraft();
          if (handed) handoff = null;
          setState({ store, key: id + ':' + Date.now(), notice: handed?.notice ?? restoredNotice });
        }
      } catch (e) {
        if (live) setState({ error: e instanceof Error ? e.message : String(e) });
      }
    };
    load();
    return () => {
      live = false;
    };
  }, [id]);
  if (!state) return <div className="screen-message">Loading…</div>;
  if ('error' in state) return <div className="screen-message error">Could not open the workflow: {state.error} <a href="#/workflows">Back to workflows</a></div>;
  return (
    <EditorProvider store={state.store} key={state.key}>
      <ReactFlowProvider>
        <Editor notice={state.notice} />
      </ReactFlowProvider>
    </EditorProvider>
  );
}

function Editor({ notice }: { notice: Notice | null }) {
  const store = useEditorStore();
  const workflowId = useEditor((s) => s.workflowId);
  const enabled = useEditor((s) => s.enabled);
  const dirty = useEditor((s) => s.dirty);
  const name = useEditor((s) => s.definition.name);
  const problems = useEditor((s) => errorsOf(s.problems).length);
  const warnings = useEditor((s) => s.problems.length - errorsOf(s.problems).length);
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  const enrollmentStats = useEditor((s) => s.stats?.enrollments);
  const totals = useMemo(() => (enrollmentStats ? outcomeTotals(enrollmentStats) : null), [enrollmentStats]);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<Notice | null>(notice);
  const [showProblems, setShowProblems] = useState(notice?.kind === 'warn');
  const [testing, setTesting] = useState(false);
  const flow = useReactFlow();

  useEffect(() => {
    if (message?.kind !== 'ok') return;
    const t = setTimeout(() => setMessage((m) => (m === message ? null : m)), 1800);
    return () => clearTimeout(t);
  }, [message]);

  useValidation(store);
  useStats(store, workflowId, enabled);
  useUnsavedGuard(store);

  // what goes live passes the review first; with errors known here, the server's refusal says why
  const [reviewing, setReviewing] = useState<{ definition?: Definition } | null>(null);
  const save = useCallback(async () => {
    const s = store.getState();
    if (saving) return;
    if (s.workflowId !== null && s.enabled && !errorsOf(s.problems).length) {
      setReviewing({ definition: s.definition });
      return;
    }
    setSaving(true);
    setMessage(null);
    const sent = canonical(s.definition);
    try {
      const w: SavedWorkflow = s.workflowId === null
        ? await api.createWorkflow(s.definition)
        : await api.updateWorkflow(s.workflowId, s.definition, s.revision);
      store.getState().loaded(w, sent);
      const errors = errorsOf(w.problems).length;
      const done: Notice = errors
        ? { kind: 'warn', text: `Saved as a draft with ${plural(errors, 'problem')}. Fix ${errors > 1 ? 'them' : 'it'} before you switch the workflow on.` }
        : { kind: 'ok', text: 'Saved' };
      if (s.workflowId === null) {
        // the route moves to the new id; this editor goes with it
        handoff = { store, notice: done };
        navigate('#/workflows/' + encodeURIComponent(w.id), true, true);
        return;
      }
      setMessage(done);
      setShowProblems(errors > 0);
    } catch (e) {
      if (e instanceof ApiError && e.isConflict) {
        setMessage({ kind: 'conflict', text: 'This workflow was changed elsewhere since you opened it. Reload to get the latest version (your changes here will be lost).' });
      } else if (e instanceof ApiError && e.problems.length) {
        s.setProblems(e.problems);
        setShowProblems(true);
        setMessage({ kind: 'error', text: refusal(e, 'Not saved') });
      } else {
        setMessage({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
      }
    } finally {
      setSaving(false);
    }
  }, [store, saving]);
  useShortcuts(store, save);

  const [askDisable, setAskDisable] = useState(false);
  const toggleEnabled = async (cancel?: boolean) => {
    const s = store.getState();
    if (!s.workflowId) return;
    if (s.dirty) {
      setMessage({ kind: 'error', text: 'Save your changes before turning the workflow on or off.' });
      return;
    }
    if (s.enabled && cancel === undefined) {
      setAskDisable(true);
      return;
    }
    setAskDisable(false);
    if (!s.enabled && !errorsOf(s.problems).length) {
      setReviewing({});
      return;
    }
    try {
      const w = s.enabled ? await api.disableWorkflow(s.workflowId, cancel) : await api.enableWorkflow(s.workflowId);
      store.setState({ enabled: w.enabled, revision: w.revision || s.revision });
      setMessage(null);
    } catch (e) {
      if (e instanceof ApiError && e.problems.length) {
        s.setProblems(e.problems);
        setShowProblems(true);
        setMessage({ kind: 'error', text: refusal(e, 'Not switched on') });
        return;
      }
      setMessage({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
    }
  };

  const published = (p: Published, sent: string) => {
    setReviewing(null);
    store.getState().loaded(p, sent);
    const more = p.enrolled ? ` and enrolled ${plural(p.enrolled, 'record')} that meet the triggers now` : '';
    setMessage({ kind: 'ok', text: `Published version ${p.active_version}${more}` });
  };

  const reload = () => {
    store.setState({ dirty: false }); // the user chose to drop their changes: no second question
    window.location.reload();
  };

  const status = useMemo(() => (saving ? 'Saving…' : dirty ? 'Unsaved changes' : workflowId ? 'All changes saved' : 'Not saved yet'), [saving, dirty, workflowId]);

  return (
    <div className="editor">
      <div className="toolbar">
        <a className="crumb" href="#/workflows">Workflows</a>
        <span className="crumb-sep">/</span>
        <button type="button" className="wf-name" title="Workflow settings" onClick={() => store.getState().select({ kind: 'settings' })}>{name || 'Untitled'}</button>
        <span className={`status${dirty ? ' dirty' : ''}`}>{status}</span>
        <div className="grow" />
        {enabled && totals && workflowId && (
          <a className="totals" title="Open the enrollment history" href={'#/workflows/' + encodeURIComponent(workflowId) + '/enrollments'}>
            <span className="c active">{totals.active}</span> active · <span className="c waiting">{totals.waiting}</span> waiting · <span className="c completed" title="Completed with every step done">{totals.done}</span> done ·{' '}
            <span className={`c failed${totals.failed ? ' has' : ''}`} title={totals.failedTitle} data-testid="toolbar-failed">{totals.failed}</span> failed
          </a>
        )}
        <button type="button" className="btn ghost" disabled={!canUndo} onClick={() => store.getState().undo()} title="Undo (Ctrl+Z)">Undo</button>
        <button type="button" className="btn ghost" disabled={!canRedo} onClick={() => store.getState().redo()} title="Redo (Ctrl+Shift+Z)">Redo</button>
        <button type="button" className="btn ghost" onClick={() => flow.fitView({ padding: 0.15, maxZoom: 1, duration: 200 })} title="Zoom to fit">Zoom to fit</button>
        <button type="button" className={`btn ghost${problems ? ' danger-text' : warnings ? ' warn' : ''}`} onClick={() => setShowProblems((v) => !v)} data-testid="problems-button"
          title={problems ? 'Problems keep the workflow from being switched on' : warnings ? 'Warnings do not stop the workflow' : undefined}>
          {problemsLabel(problems, warnings)}
        </button>
        <button type="button" className={`btn ghost${testing ? ' on' : ''}`} aria-pressed={testing} onClick={() => setTesting((v) => !v)} title="Run one record through this workflow over virtual time (nothing is sent)">Test</button>
        <button type="button" className="btn ghost" onClick={() => store.getState().select({ kind: 'settings' })}>Settings</button>
        {workflowId && <a className="btn ghost" href={'#/workflows/' + encodeURIComponent(workflowId) + '/enrollments'}>Enrollments</a>}
        {workflowId && <a className="btn ghost" href={'#/workflows/' + encodeURIComponent(workflowId) + '/versions'}>Versions</a>}
        {workflowId && <a className="btn ghost" href={'#/workflows/' + encodeURIComponent(workflowId) + '/performance'}>Performance</a>}
        {workflowId && <EnrollRecordsButton workflowId={workflowId} />}
        {workflowId && (
          <button type="button" className={`switch${enabled ? ' on' : ''}`} role="switch" aria-checked={enabled} onClick={() => toggleEnabled()}>
            <span className="knob" /> {enabled ? 'On' : 'Off'}
          </button>
        )}
        <button type="button" className="btn primary" disabled={saving || (!dirty && workflowId !== null)} onClick={save} title="Save (Ctrl+S)">Save</button>
      </div>
      {message && (
        <div className={`banner ${message.kind}`} role={message.kind === 'ok' ? 'status' : 'alert'}>
          {message.text}
          {message.kind === 'conflict' && <button type="button" className="btn" onClick={reload}>Reload</button>}
          <button type="button" className="icon-btn" onClick={() => setMessage(null)}>×</button>
        </div>
      )}
      <div className="editor-body">
        <div className="canvas-column">
          <Canvas />
          {showProblems && <ProblemsPanel onClose={() => setShowProblems(false)} />}
        </div>
        {testing && <TestPanel onClose={() => setTesting(false)} />}
        <SidePanel />
      </div>
      {reviewing && workflowId && (
        <ReviewDialog workflowId={workflowId} definition={reviewing.definition} revision={store.getState().revision}
          onClose={() => setReviewing(null)}
          onPublished={(p) => published(p, canonical(reviewing.definition ?? store.getState().definition))}
          onProblems={(p) => {
            store.getState().setProblems(p);
            setShowProblems(true);
          }} />
      )}
      {askDisable && (
        <Dialog title="Turn off this workflow?" onClose={() => setAskDisable(false)}>
          <p>No new records will enroll. What should happen to the records that are in the workflow now{totals ? ` (${totals.active + totals.waiting})` : ''}?</p>
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setAskDisable(false)}>Back</button>
            <button type="button" className="btn danger" onClick={() => toggleEnabled(true)}>Cancel their enrollments</button>
            <button type="button" className="btn primary" onClick={() => toggleEnabled(false)}>Let them finish</button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

/** "Enroll records…" in the toolbar and its dialog (the records of the saved, enabled workflow). */
function EnrollRecordsButton({ workflowId }: { workflowId: string }) {
  const [open, setOpen] = useState(false);
  const enabled = useEditor((s) => s.enabled);
  const name = useEditor((s) => s.definition.name);
  const object = useEditor((s) => s.definition.object);
  const properties = useObjectProperties();
  return (
    <>
      <button type="button" className="btn ghost" title={enabled ? 'Enroll records by hand' : 'Turn the workflow on to enroll records'} onClick={() => setOpen(true)}>Enroll records…</button>
      {open && <EnrollRecordsDialog workflowId={workflowId} name={name || workflowId} object={object} enabled={enabled} properties={properties} onClose={() => setOpen(false)} />}
    </>
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A refused save or switch-on in a sentence: what did not happen and the first problem. */
function refusal(e: ApiError, what: string): string {
  const errors: Problem[] = errorsOf(e.problems);
  const live = /This workflow is on/.test(e.message) ? ' because the workflow is on (switch it off to save a draft)' : '';
  if (!errors.length) return `${what}: ${e.message}`;
  const more = errors.length > 1 ? ` (and ${plural(errors.length - 1, 'more problem')})` : '';
  return `${what}${live}: ${errors[0].message}${more}`;
}
