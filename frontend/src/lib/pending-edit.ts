// Text typed into the editor's side panel is committed to the workflow when the typing pauses,
// not on every key: a commit re-derives every card's view of the definition (300 cards on a big
// workflow) and costs far more than drawing one character. A field keeps what was typed as a
// PendingEdit until then; anything that reads the definition for real (save, undo, leaving,
// the unsaved-changes question) calls flushPendingEdits() first, so nothing typed is ever lost
// or left out. Pure apart from the timer, which tests replace.

/** How long typing must pause before the text is committed. */
export const COMMIT_PAUSE_MS = 250;

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

const waiting = new Set<PendingEdit<unknown>>();
const listeners = new Set<() => void>();

function setWaiting(p: PendingEdit<unknown>, on: boolean): void {
  const before = waiting.size > 0;
  waiting.delete(p);
  if (on) waiting.add(p);
  if (before !== waiting.size > 0) for (const l of [...listeners]) l();
}

/** Commits every edit still waiting for its pause, in the order they were typed. */
export function flushPendingEdits(): void {
  for (const p of [...waiting]) p.flush();
}

/** Whether any field holds text not committed yet. */
export function hasPendingEdits(): boolean {
  return waiting.size > 0;
}

/**
 * Calls fn whenever hasPendingEdits() changes (for useSyncExternalStore: the toolbar says
 * "Unsaved changes" and offers Undo from the first key, not from the commit).
 */
export function subscribePendingEdits(fn: () => void): () => void {
  listeners.add(fn);
  return () => void listeners.delete(fn);
}

/** One field's uncommitted value. */
export class PendingEdit<T> {
  private value: T | undefined;
  private has = false;
  private handle: unknown = null;

  constructor(
    private commit: (v: T) => void = () => undefined,
    private readonly pause = COMMIT_PAUSE_MS,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Holds v and (re)starts the pause; the latest value wins, committed by `commit` when given. */
  change(v: T, commit?: (v: T) => void): void {
    if (commit) this.commit = commit;
    this.value = v;
    this.has = true;
    setWaiting(this as PendingEdit<unknown>, true);
    if (this.handle !== null) this.timers.clear(this.handle);
    // an endless pause (Infinity) waits for a flush: for a field whose commit must not happen
    // mid-typing (renaming a step re-keys its panel)
    this.handle = Number.isFinite(this.pause) ? this.timers.set(() => this.flush(), this.pause) : null;
  }

  /** Commits the held value now, if there is one. */
  flush(): void {
    if (this.handle !== null) this.timers.clear(this.handle);
    this.handle = null;
    if (!this.has) return;
    const v = this.value as T;
    this.has = false;
    this.value = undefined;
    try {
      this.commit(v);
    } finally {
      setWaiting(this as PendingEdit<unknown>, false); // after the commit: "dirty" takes over
    }
  }

  /** Whether a value waits for its pause. */
  get pending(): boolean {
    return this.has;
  }
}
