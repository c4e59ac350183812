// Side effects of an open editor: debounced validation, live counters, keyboard shortcuts and
// the unsaved-changes guard.
import { useEffect } from 'react';
import { api, ApiError } from '../api';
import { setLeaveGuard } from '../router';
import type { EditorStore } from '../store/editor-store';

/** Validates the definition on the server 400 ms after the last change. */
export function useValidation(store: EditorStore) {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ctrl: AbortController | undefined;
    const run = () => {
      ctrl?.abort();
      ctrl = new AbortController();
      const c = ctrl;
      api.validateWorkflow(store.getState().definition, c.signal).then(
        (r) => !c.signal.aborted && store.getState().setProblems(r.problems),
        (e: unknown) => {
          if (c.signal.aborted) return;
          if (e instanceof ApiError) store.getState().setProblems([{ message: e.message, field: (e.details as { field?: string } | undefined)?.field }]);
        },
      );
    };
    run();
    const unsub = store.subscribe((s, prev) => {
      if (s.definition === prev.definition) return;
      clearTimeout(timer);
      timer = setTimeout(run, 400);
    });
    return () => {
      unsub();
      clearTimeout(timer);
      ctrl?.abort();
    };
  }, [store]);
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

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el) return false;
  return el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable;
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
      const s = store.getState();
      if ((e.key === 'Delete' || e.key === 'Backspace') && s.selection?.kind === 'step') {
        e.preventDefault();
        s.deleteStep(s.selection.id);
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
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, [store, save]);
}

/** Asks before leaving with unsaved changes (window close/reload and in-app navigation). */
export function useUnsavedGuard(store: EditorStore) {
  useEffect(() => {
    const before = (e: BeforeUnloadEvent) => {
      if (!store.getState().dirty) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', before);
    const remove = setLeaveGuard(() => !store.getState().dirty || window.confirm('This workflow has unsaved changes. Leave without saving?'));
    return () => {
      window.removeEventListener('beforeunload', before);
      remove();
    };
  }, [store]);
}
