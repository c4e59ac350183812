// Side effects of an open editor: debounced validation, live counters, keyboard shortcuts and
// the unsaved-changes guard.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api';
import { isTyping } from '../components/canvas/keys';
import { deleteStepAsking } from '../components/panel/SidePanel';
import { flushPendingEdits } from '../lib/pending-edit';
import { setLeaveGuard } from '../router';
import type { EditorStore } from '../store/editor-store';

/** The pause after a change before validating: short for clicks, longer while typing in a field. */
const VALIDATE_MS = 400;
const TYPING_PAUSE_MS = 1500;
/** A change this soon after a key typed into a text field is that typing. */
const TYPED_WITHIN_MS = 100;

/**
 * Validates the definition on the server after a change: 400 ms after a click-made change (a
 * new step, a select), but a change typed into a text field only when the user leaves the
 * field or pauses for 1.5 s, so a half-typed value ("webinar.regis") is not reported as a
 * problem at every key. Returns whether a change is not checked yet (the editor must not say
 * "No problems" about a definition nobody has checked) and `settle`, which checks what is on
 * screen now, if that is not done, and resolves once the store holds its problems: a save
 * pressed while "Checking…" decides on those, not on the ones from before the change.
 */
export function useValidation(store: EditorStore): { unchecked: boolean; settle(): Promise<void> } {
  const [unchecked, setUnchecked] = useState(true);
  const settleRef = useRef<() => Promise<void>>(() => Promise.resolve());
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pending = false;
    let typedAt = -Infinity;
    let ctrl: AbortController | undefined;
    let inflight: Promise<void> | null = null;
    const run = () => {
      clearTimeout(timer);
      pending = false;
      ctrl?.abort();
      ctrl = new AbortController();
      const c = ctrl;
      const def = store.getState().definition;
      const p: Promise<void> = api.validateWorkflow(def, c.signal).then(
        (r) => {
          if (c.signal.aborted) return;
          store.getState().setProblems(r.problems, def);
          if (!pending) setUnchecked(false);
        },
        (e: unknown) => {
          if (c.signal.aborted) return;
          if (e instanceof ApiError) store.getState().setProblems([{ message: e.message, field: (e.details as { field?: string } | undefined)?.field }], def);
          if (!pending) setUnchecked(false);
        },
      ).finally(() => {
        if (inflight === p) inflight = null;
      });
      inflight = p;
    };
    settleRef.current = async () => {
      // a change made while waiting (or a newer run replacing this one) is checked too
      while (pending || inflight) {
        if (pending) run();
        await inflight;
      }
    };
    run();
    const unsub = store.subscribe((s, prev) => {
      if (s.definition === prev.definition) return;
      clearTimeout(timer);
      pending = true;
      setUnchecked(true);
      const typing = performance.now() - typedAt < TYPED_WITHIN_MS;
      timer = setTimeout(run, typing ? TYPING_PAUSE_MS : VALIDATE_MS);
    });
    const typed = (e: Event) => {
      if (isTextEntry(e.target)) typedAt = performance.now();
    };
    const left = (e: FocusEvent) => {
      if (pending && isTextEntry(e.target)) run();
    };
    document.addEventListener('input', typed, true);
    document.addEventListener('focusout', left, true);
    return () => {
      unsub();
      document.removeEventListener('input', typed, true);
      document.removeEventListener('focusout', left, true);
      clearTimeout(timer);
      ctrl?.abort();
      settleRef.current = () => Promise.resolve();
    };
  }, [store]);
  const settle = useCallback(() => settleRef.current(), []);
  return { unchecked, settle };
}

/** A field the user types into (a select's choice is made at once, and validated at once). */
function isTextEntry(t: EventTarget | null): boolean {
  return isTyping(t) && (t as HTMLElement).tagName !== 'SELECT';
}

/** Polls the per-step counters every 2 s while the workflow is enabled. */
export function useStats(store: EditorStore, id: string | null, enabled: boolean) {
  useEffect(() => {
    if (!id || !enabled) {
      store.getState().setStats(null);
      return;
    }
    let ctrl: AbortController | undefined;
    const poll = () => {
      ctrl?.abort();
      ctrl = new AbortController();
      api.workflowStats(id, ctrl.signal).then((s) => store.getState().setStats(s), () => undefined);
    };
    poll();
    const t = setInterval(poll, 2000);
    return () => {
      clearInterval(t);
      ctrl?.abort();
    };
  }, [store, id, enabled]);
}

/** Delete, undo/redo, copy/paste and save shortcuts. */
export function useShortcuts(store: EditorStore, save: () => void) {
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 's') {
        e.preventDefault();
        save();
        return;
      }
      if (isTyping(e.target)) return;
      flushPendingEdits(); // an undo or a paste acts on everything typed so far
      const s = store.getState();
      if ((e.key === 'Delete' || e.key === 'Backspace') && s.selection?.kind === 'step') {
        e.preventDefault();
        deleteStepAsking(s, s.selection.id);
      } else if (mod && key === 'z' && !e.shiftKey) {
        e.preventDefault();
        s.undo();
      } else if (mod && ((key === 'z' && e.shiftKey) || key === 'y')) {
        e.preventDefault();
        s.redo();
      } else if (mod && key === 'c') {
        if (s.copy()) e.preventDefault();
      } else if (mod && key === 'v') {
        if (s.paste()) e.preventDefault();
      } else if (e.key === 'Escape') {
        if (s.palette) s.openPalette(null);
        else s.select(null);
      }
    };
    // a click anywhere (a toolbar button that keeps the field's focus included) acts on what
    // was typed so far
    const press = () => flushPendingEdits();
    window.addEventListener('keydown', on);
    window.addEventListener('pointerdown', press, true);
    return () => {
      window.removeEventListener('keydown', on);
      window.removeEventListener('pointerdown', press, true);
    };
  }, [store, save]);
}

/** Asks before leaving with unsaved changes (window close/reload and in-app navigation). */
export function useUnsavedGuard(store: EditorStore) {
  useEffect(() => {
    const before = (e: BeforeUnloadEvent) => {
      flushPendingEdits();
      if (!store.getState().dirty) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', before);
    const remove = setLeaveGuard(() => {
      flushPendingEdits();
      return !store.getState().dirty || window.confirm('This workflow has unsaved changes. Leave without saving?');
    });
    return () => {
      window.removeEventListener('beforeunload', before);
      remove();
    };
  }, [store]);
}
