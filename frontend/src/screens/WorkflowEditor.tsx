import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { api, ApiError, type Definition, type Published, type SavedWorkflow } from '../api';
import { Canvas, useFitView } from '../components/canvas/Canvas';
import { userZone } from '../lib/datetime';
import { Dialog } from '../components/common';
import { EnrollRecordsDialog } from '../components/Enroll';
import { ReviewDialog } from '../components/Review';
import { ProblemsPanel } from '../components/panel/ProblemsPanel';
import { SidePanel } from '../components/panel/SidePanel';
import { TestPanel } from '../components/TestPanel';
import { VersionView } from '../components/VersionView';
import { VersionsPanel, type Viewing } from '../components/VersionsPanel';
import { canonical } from '../lib/canonical';
import { stepById } from '../lib/lookup';
import { stepTitle } from '../nodes';
import { errorsOf, plural, problemsLabel, refusalText } from '../lib/problems';
import { clearDraft, peekDraft } from '../lib/templates';
import { takeRestored } from '../lib/versions';
import { outcomeTotals } from '../lib/outcome';
import { flushPendingEdits, hasPendingEdits, subscribePendingEdits } from '../lib/pending-edit';
import { navigate } from '../router';
import { EditorProvider, useEditor, useEditorStore, useObjectProperties } from '../store/context';
import { blankDefinition, createEditorStore, type EditorStore } from '../store/editor-store';
import { useShortcuts, useStats, useUnsavedGuard, useValidation } from './useEditorEffects';

/** A banner above the canvas. */
type Notice = { kind: 'error' | 'warn' | 'ok' | 'conflict'; text: string };

/** Loads a workflow (or starts a new one for id "new") and shows the editor. */
export function WorkflowEditorScreen({ id, at }: { id: string; at?: string }) {
  const [state, setState] = useState<{ store: EditorStore; key: string; notice: Notice | null } | { error: string } | null>(null);
  // the store on screen, read by the loader: a new workflow's first save moves the route from
  // "new" to its id, and that is the same editor (canvas, viewport, undo history), not a reload
  const current = useRef<EditorStore | null>(null);
  useEffect(() => {
    if (current.current?.getState().workflowId === id) return;
    let live = true;
    const schema = api.schema().catch(() => null);
    const load = async () => {
      if (current.current) {
        // another workflow: the one on screen goes while this one loads
        current.current = null;
        setState(null);
      }
      try {
        let store: EditorStore;
        let restoredNotice: Notice | null = null;
        if (id === 'new') {
          // no id: the server makes it from the name at the first save (unless the user types one);
          // its days and times are the user's own, not UTC's, until they pick another zone
          store = createEditorStore({ definition: peekDraft() ?? { ...blankDefinition(''), timezone: userZone() } });
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
          openAt(store, at);
        }
        store.getState().setSchema(await schema);
        if (live) {
          if (id === 'new') clearDraft();
          current.current = store;
          setState({ store, key: id + ':' + Date.now(), notice: restoredNotice });
        }
      } catch (e) {
        if (live) setState({ error: e instanceof Error ? e.message : String(e) });
      }
    };
    load();
    return () => {
      live = false;
    };
    // the route's "at" is read once, when the workflow opens
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);
  if (!state) return <div className="screen-message">Loading…</div>;
  if ('error' in state) return <div className="screen-message error">Could not open the workflow: {state.error} <a href="#/workflows">Back to workflows</a></div>;
  return (
    <EditorProvider store={state.store} key={state.key}>
      <ReactFlowProvider>
        <Editor notice={state.notice} openProblems={at !== undefined} />
      </ReactFlowProvider>
    </EditorProvider>
  );
}

/** Selects what a link into the editor points at: "step:<id>", "trigger" or "settings". */
function openAt(store: EditorStore, at: string | undefined) {
  if (!at) return;
  if (at.startsWith('step:')) store.getState().select({ kind: 'step', id: at.slice(5) });
  else if (at === 'trigger') store.getState().select({ kind: 'trigger' });
  else store.getState().select({ kind: 'settings' });
}

function Editor({ notice, openProblems }: { notice: Notice | null; openProblems: boolean }) {
  const store = useEditorStore();
  const workflowId = useEditor((s) => s.workflowId);
  const enabled = useEditor((s) => s.enabled);
  const typing = useSyncExternalStore(subscribePendingEdits, hasPendingEdits);
  const dirty = useEditor((s) => s.dirty) || typing; // typed but not committed yet is unsaved too
  const name = useEditor((s) => s.definition.name);
  const problems = useEditor((s) => errorsOf(s.problems).length);
  const warnings = useEditor((s) => s.problems.length - errorsOf(s.problems).length);
  const canUndo = useEditor((s) => s.past.length > 0) || typing;
  const canRedo = useEditor((s) => s.future.length > 0);
  const enrollmentStats = useEditor((s) => s.stats?.enrollments);
  const retrying = useEditor((s) => s.stats?.retrying ?? 0);
  const openFailed = useEditor((s) => s.stats?.open_with_failed_steps ?? 0);
  const totals = useMemo(() => (enrollmentStats ? outcomeTotals(enrollmentStats, retrying, openFailed) : null), [enrollmentStats, retrying, openFailed]);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<Notice | null>(notice);
  const [showProblems, setShowProblems] = useState(openProblems || notice?.kind === 'warn');
  const [testing, setTestingOpen] = useState(false);
  // the versions panel, and the version the canvas shows instead of the draft (read-only)
  const [versionsOpen, setVersionsOpen] = useState(false);
  const [viewing, setViewingState] = useState<Viewing | null>(null);
  const [askRestore, setAskRestore] = useState<number | null>(null);
  const setViewing = useCallback((v: Viewing | null) => {
    if (v) store.getState().select(null); // nothing of the draft stays selected behind a version
    setViewingState(v);
  }, [store]);
  const toggleTesting = () => {
    if (!testing) {
      setVersionsOpen(false);
      setViewingState(null);
    }
    setTestingOpen(!testing);
  };
  const toggleVersions = () => {
    if (versionsOpen) setViewingState(null);
    else setTestingOpen(false);
    setVersionsOpen(!versionsOpen);
  };
  const fitView = useFitView();

  useEffect(() => {
    if (message?.kind !== 'ok') return;
    const t = setTimeout(() => setMessage((m) => (m === message ? null : m)), 1800);
    return () => clearTimeout(t);
  }, [message]);

  // a refusal is about the workflow as it was: the next change (an edit, an undo) retires it, so
  // it never contradicts the toolbar's count for the workflow as it is now
  useEffect(() => {
    if (message?.kind !== 'error') return;
    return store.subscribe((s, prev) => {
      if (s.definition !== prev.definition) setMessage((m) => (m === message ? null : m));
    });
  }, [message, store]);

  const { unchecked, settle } = useValidation(store);
  useStats(store, workflowId, enabled);
  useUnsavedGuard(store);

  // what goes live passes the review first; with errors known here, the server's refusal says why
  const [reviewing, setReviewing] = useState<{ definition?: Definition } | null>(null);
  const busy = useRef(false);
  const save = useCallback(async () => {
    flushPendingEdits(); // what was just typed is part of what is saved
    if (busy.current) return;
    busy.current = true;
    store.getState().touch(); // a save attempt shows every problem, touched or not
    setSaving(true);
    setMessage(null);
    try {
      // decide on the problems of what is on screen: a change may still be "Checking…"
      await settle();
      const s = store.getState();
      if (s.workflowId !== null && s.enabled && !errorsOf(s.problems).length) {
        setReviewing({ definition: s.definition });
        return;
      }
      const sent = canonical(s.definition);
      const w: SavedWorkflow = s.workflowId === null
        ? await api.createWorkflow(s.definition)
        : await api.updateWorkflow(s.workflowId, s.definition, s.revision);
      store.getState().loaded(w, sent);
      const errors = errorsOf(w.problems).length;
      const done: Notice = errors
        ? { kind: 'warn', text: `Saved as a draft with ${plural(errors, 'problem')}. Fix ${errors > 1 ? 'them' : 'it'} before you switch the workflow on.` }
        : { kind: 'ok', text: 'Saved' };
      setMessage(done);
      setShowProblems(errors > 0);
      // the route moves to the new id; the screen keeps this editor (see WorkflowEditorScreen)
      if (s.workflowId === null) navigate('#/workflows/' + encodeURIComponent(w.id), true, true);
    } catch (e) {
      if (e instanceof ApiError && e.isConflict) {
        setMessage({ kind: 'conflict', text: 'This workflow was changed elsewhere since you opened it. Reload to get the latest version (your changes here will be lost).' });
      } else if (e instanceof ApiError && e.problems.length) {
        store.getState().setProblems(e.problems);
        setShowProblems(true);
        setMessage({ kind: 'error', text: refusalText(e.message, 'Not saved', store.getState().problems, titleIn(store)) });
      } else {
        setMessage({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
      }
    } finally {
      busy.current = false;
      setSaving(false);
    }
  }, [store, settle]);
  useShortcuts(store, save);

  // "Restore as new revision": the version becomes the draft (one undo step) and is saved, through
  // the review when the workflow is on; unsaved changes are not dropped without asking
  const restoreVersion = async (version: number, confirmed = false) => {
    flushPendingEdits();
    const s = store.getState();
    if (!s.workflowId) return;
    if (s.dirty && !confirmed) {
      setAskRestore(version);
      return;
    }
    setAskRestore(null);
    try {
      const got = await api.getVersion(s.workflowId, version);
      setViewingState(null);
      store.getState().commit(structuredClone(got.definition));
      await save();
    } catch (e) {
      setMessage({ kind: 'error', text: `Version ${version} was not restored: ${e instanceof Error ? e.message : String(e)}` });
    }
  };

  const [askDisable, setAskDisable] = useState(false);
  const toggleEnabled = async (cancel?: boolean) => {
    flushPendingEdits();
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
        setMessage({ kind: 'error', text: refusalText(e.message, 'Not switched on', store.getState().problems, titleIn(store)) });
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
      <div className="toolbar" data-testid="editor-toolbar">
        <a className="crumb" href="#/workflows" aria-label="Back to the workflow list" title="Back to the workflow list">
          <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true"><path d="M15 18l-6-6 6-6" /></svg>
        </a>
        <button type="button" className="wf-name" title={`${name || 'Untitled'}: workflow settings`} onClick={() => store.getState().select({ kind: 'settings' })}>{name || 'Untitled'}</button>
        <span className={`status${dirty ? ' dirty' : ''}`} data-testid="save-state">{status}</span>
        <div className="grow" />
        {enabled && totals && workflowId && (
          <a className="totals" title="Open the enrollment history" href={'#/workflows/' + encodeURIComponent(workflowId) + '/enrollments'}>
            <span className="c active" title={`${totals.active} running now, ${totals.waiting} waiting`}>{totals.active + totals.waiting}</span> in workflow · <span className="c completed" title="Completed with every step done">{totals.done}</span> done ·{' '}
            <span className={`c failed${totals.failed ? ' has' : ''}`} title={totals.failedTitle} data-testid="toolbar-failed">{totals.failed}</span> failed
            {totals.retrying > 0 && <> · <span className="c retrying" title={totals.retryingTitle} data-testid="toolbar-retrying">{totals.retrying}</span> retrying</>}
          </a>
        )}
        <div className="tool-group" role="group" aria-label="Edit and view">
          <IconButton label="Undo" title="Undo (Ctrl+Z)" disabled={!canUndo} onClick={() => store.getState().undo()} path="M9 14 4 9l5-5 M4 9h10.5a5.5 5.5 0 0 1 0 11H11" />
          <IconButton label="Redo" title="Redo (Ctrl+Shift+Z)" disabled={!canRedo} onClick={() => store.getState().redo()} path="m15 14 5-5-5-5 M20 9H9.5a5.5 5.5 0 0 0 0 11H13" />
          <IconButton label="Zoom to fit" title="Zoom to fit" onClick={fitView} path="M4 9V4h5 M15 4h5v5 M20 15v5h-5 M9 20H4v-5" />
          <IconButton label="Settings" title="Workflow settings" onClick={() => store.getState().select({ kind: 'settings' })} path={GEAR} />
          {workflowId && (
            <button type="button" className={`btn ghost icon${versionsOpen ? ' on' : ''}`} aria-label="Versions" aria-pressed={versionsOpen} title="Versions: view, compare and restore" onClick={toggleVersions}>
              <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true"><path d="M3 12a9 9 0 1 0 3-6.7L3 8 M3 3v5h5 M12 7v5l3 2" /></svg>
            </button>
          )}
          {workflowId && (
            <a className="btn ghost icon" aria-label="Performance" title="Performance: enrollments, runs and paths over time" href={'#/workflows/' + encodeURIComponent(workflowId) + '/performance'}>
              <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true"><path d="M3 3v18h18 M7 15l4-4 3 3 5-6" /></svg>
            </a>
          )}
        </div>
        <button type="button" className={`btn ghost${problems ? ' danger-text' : warnings ? ' warn' : ''}`} onClick={() => setShowProblems((v) => !v)} data-testid="problems-button" aria-expanded={showProblems && problems + warnings > 0}
          disabled={problems + warnings === 0}
          title={problems ? 'Problems keep the workflow from being switched on' : warnings ? 'Warnings do not stop the workflow' : undefined}>
          {/* never "No problems" about changes not checked yet */}
          {unchecked && !problems && !warnings ? 'Checking…' : problemsLabel(problems, warnings)}
        </button>
        <button type="button" className={`btn ghost${testing ? ' on' : ''}`} aria-pressed={testing} onClick={toggleTesting} title="Run one record through this workflow over virtual time (nothing is sent)">Test</button>
        {workflowId && !(enabled && totals) && <a className="btn ghost" href={'#/workflows/' + encodeURIComponent(workflowId) + '/enrollments'}>Enrollments</a>}
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
        {viewing && workflowId ? (
          <section className="canvas-column versions-main viewing" aria-label={`Version ${viewing.version}`}>
            <div className="banner warn viewing-bar" role="status" data-testid="viewing-bar">
              {viewing.compare ? `Comparing version ${viewing.version} with the current draft — read only` : `Viewing version ${viewing.version} — read only`}
              {viewing.compare && dirty && <span className="sub"> (the saved draft: unsaved changes are not in it)</span>}
              <button type="button" className="btn" onClick={() => setViewing(null)}>Back to the draft</button>
            </div>
            <VersionView key={`${viewing.version}:${viewing.compare}`} id={workflowId} version={viewing.compare ? 'draft' : viewing.version} against={viewing.compare ? viewing.version : undefined} />
          </section>
        ) : (
          <div className="canvas-column">
            <Canvas besidePanel={testing || versionsOpen} search />
            {/* the list never opens to say "No problems": it closes with the last one */}
            {showProblems && problems + warnings > 0 && <ProblemsPanel onClose={() => setShowProblems(false)} />}
          </div>
        )}
        {testing && <TestPanel onClose={() => setTestingOpen(false)} />}
        {versionsOpen && <VersionsPanel viewing={viewing} onView={setViewing} onRestore={(v) => restoreVersion(v)} onClose={() => {
          setVersionsOpen(false);
          setViewingState(null);
        }} />}
        {!viewing && <SidePanel />}
      </div>
      {reviewing && workflowId && (
        <ReviewDialog workflowId={workflowId} definition={reviewing.definition} revision={store.getState().revision}
          inWorkflow={enabled && totals ? totals.active + totals.waiting : undefined}
          onClose={() => setReviewing(null)}
          onPublished={(p) => published(p, canonical(reviewing.definition ?? store.getState().definition))}
          onProblems={(p) => {
            store.getState().setProblems(p);
            setShowProblems(true);
          }} />
      )}
      {askRestore !== null && (
        <Dialog title={`Restore version ${askRestore}?`} onClose={() => setAskRestore(null)}>
          <p>The draft has unsaved changes. Restoring version {askRestore} replaces them with the version and saves it as a new revision (Undo brings your changes back).</p>
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setAskRestore(null)}>Back</button>
            <button type="button" className="btn primary" onClick={() => restoreVersion(askRestore, true)}>Replace my changes and restore</button>
          </div>
        </Dialog>
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

/** A toolbar button shown as an icon, named for screen readers and in its tooltip. */
function IconButton({ label, title, path, disabled, onClick }: { label: string; title: string; path: string; disabled?: boolean; onClick(): void }) {
  return (
    <button type="button" className="btn ghost icon" aria-label={label} title={title} disabled={disabled} onClick={onClick}>
      <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true"><path d={path} /></svg>
    </button>
  );
}

const GEAR = 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z';


/** A step's title in the editor's definition, by id. */
function titleIn(store: EditorStore): (step: string) => string | undefined {
  return (id) => {
    const st = stepById(store.getState().definition.steps, id);
    return st && stepTitle(st);
  };
}
