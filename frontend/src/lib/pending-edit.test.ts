import { describe, expect, it } from 'vitest';
import { flushPendingEdits, hasPendingEdits, PendingEdit, subscribePendingEdits, type Timers } from './pending-edit';

/** Timers run by hand: advance(ms) fires what is due. */
function manualTimers() {
  let now = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const timers: Timers = {
    set: (fn, ms) => {
      due.set(next, { at: now + ms, fn });
      return next++;
    },
    clear: (h) => void due.delete(h as number),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [h, t] of [...due]) if (t.at <= now) {
      due.delete(h);
      t.fn();
    }
  };
  return { timers, advance, scheduled: () => due.size };
}

describe('PendingEdit', () => {
  it('commits the latest value once typing pauses, not on every key', () => {
    const t = manualTimers();
    const got: string[] = [];
    const e = new PendingEdit<string>((v) => got.push(v), 250, t.timers);
    e.change('W');
    t.advance(100);
    e.change('We');
    t.advance(100);
    e.change('Web');
    t.advance(249);
    expect(got).toEqual([]);
    expect(e.pending).toBe(true);
    t.advance(1);
    expect(got).toEqual(['Web']);
    expect(e.pending).toBe(false);
    expect(t.scheduled()).toBe(0);
  });

  it('flushes at once when asked, and only what waits', () => {
    const t = manualTimers();
    const got: string[] = [];
    const e = new PendingEdit<string>((v) => got.push(v), 250, t.timers);
    e.flush();
    expect(got).toEqual([]);
    e.change('Hello');
    e.flush();
    expect(got).toEqual(['Hello']);
    t.advance(1000);
    expect(got).toEqual(['Hello']); // the pause's timer was cancelled
    e.change('');
    e.flush();
    expect(got).toEqual(['Hello', '']); // an emptied field is a value too
  });

  it('with an endless pause waits for a flush, and still counts as waiting', () => {
    const t = manualTimers();
    const got: string[] = [];
    const e = new PendingEdit<string>((v) => got.push(v), Infinity, t.timers);
    e.change('new-id');
    expect(t.scheduled()).toBe(0);
    t.advance(60_000);
    expect(got).toEqual([]);
    expect(hasPendingEdits()).toBe(true);
    flushPendingEdits();
    expect(got).toEqual(['new-id']);
    expect(hasPendingEdits()).toBe(false);
  });

  it('flushPendingEdits commits every waiting field in the order they were typed', () => {
    const t = manualTimers();
    const got: string[] = [];
    const a = new PendingEdit<string>((v) => got.push('a=' + v), 250, t.timers);
    const b = new PendingEdit<string>((v) => got.push('b=' + v), 250, t.timers);
    b.change('1');
    a.change('2');
    expect(hasPendingEdits()).toBe(true);
    flushPendingEdits();
    expect(got).toEqual(['b=1', 'a=2']);
    expect(hasPendingEdits()).toBe(false);
    flushPendingEdits();
    expect(got).toEqual(['b=1', 'a=2']);
  });

  it('tells subscribers when the first edit starts waiting and when the last one is committed', () => {
    const t = manualTimers();
    const seen: boolean[] = [];
    const off = subscribePendingEdits(() => seen.push(hasPendingEdits()));
    let committedWhileWaiting: boolean | null = null;
    const a = new PendingEdit<string>(() => (committedWhileWaiting = hasPendingEdits()), 250, t.timers);
    const b = new PendingEdit<string>(() => undefined, 250, t.timers);
    a.change('x');
    a.change('xy'); // already waiting: no news
    b.change('1');
    expect(seen).toEqual([true]);
    t.advance(250);
    expect(seen).toEqual([true, false]);
    // alone, the edit still counts as waiting while it commits: "nothing waits" comes after
    committedWhileWaiting = null;
    a.change('solo');
    a.flush();
    expect(committedWhileWaiting).toBe(true);
    expect(hasPendingEdits()).toBe(false);
    off();
    a.change('z');
    a.flush();
    expect(seen).toEqual([true, false, true, false]);
  });
});
