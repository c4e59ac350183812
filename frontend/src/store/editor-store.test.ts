import { describe, expect, it } from 'vitest';
import { canonical, sameDefinition } from '../lib/canonical';
import { TRIGGER_ID, findStep } from '../lib/definition';
import { examples } from '../test/fixtures';
import type { Definition, SavedWorkflow, Step, Workflow } from '../api/types';
import { errorsOf } from '../lib/problems';
import { COALESCE_MS, blankDefinition, createEditorStore, createGraphSelector, problemsIndex } from './editor-store';

function setup() {
  let t = 1000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const store = createEditorStore({ definition: structuredClone(examples['webinar-follow-up']), workflowId: 'webinar-follow-up', revision: 3, now: clock.now });
  return { store, s: () => store.getState(), clock };
}

describe('editor store', () => {
  it('starts clean and becomes dirty on an edit, clean again on undo', () => {
    const { s } = setup();
    expect(s().dirty).toBe(false);
    s().updateStep('wait-2h', { duration: '3h' });
    expect(s().dirty).toBe(true);
    s().undo();
    expect(s().dirty).toBe(false);
    expect(findStep(s().definition, 'wait-2h')!.duration).toBe('2h');
  });

  it('inserts a step with registry defaults and selects it', () => {
    const { s } = setup();
    const id = s().insertStep({ source: 'wait-2h', port: 'next' }, 'delay');
    expect(id).toBe('delay-1');
    expect(findStep(s().definition, id)).toMatchObject({ type: 'delay', duration: '1d', next: 'watched?' });
    expect(s().selection).toEqual({ kind: 'step', id });
  });

  it('deletes, undoes and redoes', () => {
    const { s } = setup();
    const before = s().definition;
    s().deleteStep('watched?');
    expect(s().definition.steps).toHaveLength(1);
    s().undo();
    expect(s().definition).toBe(before);
    s().redo();
    expect(s().definition.steps).toHaveLength(1);
    expect(s().future).toHaveLength(0);
  });

  it('a new edit clears the redo stack', () => {
    const { s } = setup();
    s().deleteStep('tell-owner');
    s().undo();
    expect(s().future).toHaveLength(1);
    s().setMeta({ name: 'X' });
    expect(s().future).toHaveLength(0);
  });

  it('coalesces rapid edits of one field into one undo step', () => {
    const { s, clock } = setup();
    s().updateStep('wait-2h', { duration: '3' });
    clock.advance(200);
    s().updateStep('wait-2h', { duration: '3h' });
    clock.advance(200);
    s().updateStep('wait-2h', { duration: '36h' });
    expect(s().past).toHaveLength(1);
    clock.advance(COALESCE_MS + 1);
    s().updateStep('wait-2h', { duration: '4h' });
    expect(s().past).toHaveLength(2);
    s().undo();
    expect(findStep(s().definition, 'wait-2h')!.duration).toBe('36h');
    s().undo();
    expect(findStep(s().definition, 'wait-2h')!.duration).toBe('2h');
  });

  it('does not coalesce edits of different fields or steps', () => {
    const { s } = setup();
    s().updateStep('wait-2h', { duration: '3h' });
    s().updateStep('wait-2h', { name: 'x' });
    s().updateStep('tag-viewer', { mode: 'replace' });
    expect(s().past).toHaveLength(3);
  });

  it('copies and pastes a step after the selected one with a new id', () => {
    const { s } = setup();
    s().select({ kind: 'step', id: 'replay-mail' });
    expect(s().copy()).toBe(true);
    s().select({ kind: 'step', id: 'thank-you-mail' });
    const id = s().paste();
    expect(id).toBe('send-email-1');
    expect(findStep(s().definition, 'thank-you-mail')!.next).toBe(id);
    expect(findStep(s().definition, id!)).toMatchObject({ type: 'send_email', template: 'webinar-replay' });
    expect(findStep(s().definition, id!)!.next).toBeUndefined();
    // paste into an explicit slot too
    const id2 = s().paste({ source: TRIGGER_ID, port: 'start' });
    expect(s().definition.start).toBe(id2);
    expect(findStep(s().definition, id2!)!.next).toBe('wait-2h');
  });

  it('paste needs something copied and a place', () => {
    const { s } = setup();
    expect(s().paste()).toBeNull();
    s().copy('wait-2h');
    expect(s().paste()).toBeNull();
  });

  it('clears the selection when the selected step is deleted', () => {
    const { s } = setup();
    s().select({ kind: 'step', id: 'tell-owner' });
    s().deleteStep('tell-owner');
    expect(s().selection).toBeNull();
  });

  it('adds, edits and removes triggers, keeping reenroll ids consistent', () => {
    const { s } = setup();
    s().addTrigger('webhook');
    expect(s().definition.triggers[1]).toEqual({ id: 'trigger-2', type: 'webhook', hook: '' });
    s().setReenroll({ enabled: true, triggers: ['trigger-2'] });
    s().updateTrigger(1, { hook: 'optin' });
    expect(s().definition.triggers[1].hook).toBe('optin');
    s().removeTrigger(1);
    expect(s().definition.reenroll.triggers).toEqual([]);
  });

  it('renames a step and follows the selection', () => {
    const { s } = setup();
    s().select({ kind: 'step', id: 'tag-viewer' });
    expect(s().renameStep('tag-viewer', 'tag')).toBe(true);
    expect(s().selection).toEqual({ kind: 'step', id: 'tag' });
    expect(s().renameStep('tag', 'wait-2h')).toBe(false);
  });

  it('marks saved state after a save and keeps history', () => {
    const { s } = setup();
    s().updateStep('wait-2h', { duration: '3h' });
    const sent = canonical(s().definition);
    const saved: Workflow = { id: 'webinar-follow-up', name: 'W', object: 'contact', definition: s().definition, revision: 4, enabled: false, created_at: '', updated_at: '' };
    s().loaded(saved, sent);
    expect(s().dirty).toBe(false);
    expect(s().revision).toBe(4);
    expect(s().past).toHaveLength(1);
  });

  it('an untouched new workflow has no unsaved changes; an edit makes some', () => {
    const store = createEditorStore({ definition: examples['sales-handoff'] });
    expect(store.getState().dirty).toBe(false);
    expect(store.getState().workflowId).toBeNull();
    store.getState().setMeta({ name: 'Mine' });
    expect(store.getState().dirty).toBe(true);
  });

  it('derives the graph from the definition, laid out again only on structural change', () => {
    const { s } = setup();
    const sel = createGraphSelector();
    const g1 = sel(s());
    expect(sel(s())).toBe(g1);
    // a field edit keeps the graph (and so every card's props) as it was
    s().updateStep('wait-2h', { duration: '3h', name: 'Wait a bit' });
    expect(sel(s())).toBe(g1);
    // an insert changes the structure
    const id = s().insertStep({ source: 'wait-2h', port: 'next' }, 'add_to_list');
    const g2 = sel(s());
    expect(g2).not.toBe(g1);
    expect(g2.nodes.find((n) => n.id === id)?.type).toBe('step');
    s().undo();
    expect(sel(s()).nodes.some((n) => n.id === id)).toBe(false);
  });

  it('indexes problems by step and trigger', () => {
    const idx = problemsIndex([{ step: 'a', message: '1' }, { trigger: 't', message: '2' }, { message: '3' }, { step: 'a', message: '4' }]);
    expect(idx.steps.a).toHaveLength(2);
    expect(idx.triggers.t).toHaveLength(1);
    expect(idx.workflow).toHaveLength(1);
  });
});

/** The server's copy of a definition: Go writes a step's fields in struct order (id, type, next, ...). */
function asServer(def: Definition): Definition {
  const order = ['id', 'type', 'name', 'next'];
  const steps = def.steps.map((st) => {
    const out: Record<string, unknown> = {};
    for (const k of order) if (k in st) out[k] = (st as unknown as Record<string, unknown>)[k];
    for (const [k, v] of Object.entries(st)) if (!(k in out)) out[k] = v;
    return out as unknown as Step;
  });
  const rest = Object.fromEntries(Object.entries(def).filter(([k]) => k !== 'steps').reverse());
  return JSON.parse(JSON.stringify({ steps, ...rest })); // other keys in another order, undefined ones gone
}

function answer(def: Definition, over: Partial<SavedWorkflow> = {}): SavedWorkflow {
  return { id: def.id || 'my-flow', name: def.name, object: def.object, definition: def, revision: 1, enabled: false, created_at: '', updated_at: '', problems: [], ...over };
}

describe('canonical form and the saving model', () => {
  it('ignores key order, undefined keys and object identity', () => {
    const a: Definition = { id: 'w', name: 'W', object: 'contact', triggers: [], reenroll: { enabled: false, triggers: [] }, start: 'd', steps: [{ id: 'd', type: 'delay', duration: '1d', next: undefined }] };
    const b = JSON.parse('{"steps":[{"duration":"1d","type":"delay","id":"d"}],"start":"d","reenroll":{"triggers":[],"enabled":false},"triggers":[],"object":"contact","name":"W","id":"w"}');
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    expect(canonical(a)).toBe(canonical(b));
    expect(sameDefinition(a, b)).toBe(true);
    expect(sameDefinition(a, { ...a, name: 'Other' })).toBe(false);
    // keys come out sorted at every level
    expect(canonical(a).startsWith('{"id":"w","name":"W","object":"contact","reenroll":{"enabled":false,"triggers":[]},"start":"d","steps":[{"duration":"1d","id":"d","type":"delay"}]')).toBe(true);
  });

  it('is not dirty after the first save of a new workflow built with "+" (the server puts next first)', () => {
    const store = createEditorStore({ definition: blankDefinition('') });
    const s = () => store.getState();
    s().addTrigger('event');
    s().updateTrigger(0, { event: 'webinar.registered' });
    const delay = s().insertStep({ source: TRIGGER_ID, port: 'start' }, 'delay');
    const list = s().insertStep({ source: delay, port: 'next' }, 'add_to_list');
    s().updateStep(list, { list: 'viewers' });
    expect(s().dirty).toBe(true);
    // insert put `next` after the delay's own fields; the server's JSON has it right after type
    const local = findStep(s().definition, delay)!;
    expect(Object.keys(local).indexOf('next')).toBeGreaterThan(Object.keys(local).indexOf('duration'));
    const sent = canonical(s().definition);
    const server = asServer({ ...s().definition, id: 'new-workflow' });
    expect(JSON.stringify(server)).not.toBe(JSON.stringify({ ...s().definition, id: 'new-workflow' }));
    s().loaded(answer(server, { id: 'new-workflow' }), sent);
    expect(s().dirty).toBe(false);
    expect(s().workflowId).toBe('new-workflow');
    expect(s().definition).toBe(server); // what a reload shows
    expect(s().past.length).toBeGreaterThan(0); // undo survives the save
    s().undo();
    expect(s().dirty).toBe(true);
    s().redo();
    expect(s().dirty).toBe(false);
  });

  it('is not dirty after inserting into an existing workflow and saving', () => {
    const { s } = setup();
    const id = s().insertStep({ source: 'wait-2h', port: 'next' }, 'add_to_list');
    s().updateStep(id, { list: 'webinar' });
    const sent = canonical(s().definition);
    s().loaded(answer(asServer(s().definition), { id: 'webinar-follow-up', revision: 4 }), sent);
    expect(s().dirty).toBe(false);
    expect(s().revision).toBe(4);
    // the same definition in new objects is still not a change
    s().commit(structuredClone(s().definition));
    expect(s().dirty).toBe(false);
  });

  it('keeps edits made while a save was in flight, and they stay unsaved', () => {
    const { s } = setup();
    s().updateStep('wait-2h', { duration: '3h' });
    const sent = canonical(s().definition);
    const server = asServer(s().definition);
    s().updateStep('wait-2h', { duration: '4h' }); // typed while the save was on its way
    s().loaded(answer(server, { id: 'webinar-follow-up', revision: 4 }), sent);
    expect(findStep(s().definition, 'wait-2h')!.duration).toBe('4h');
    expect(s().dirty).toBe(true);
    expect(s().baseline).toBe(canonical(server));
    s().updateStep('wait-2h', { duration: '3h' });
    expect(s().dirty).toBe(false); // back to exactly what was saved
  });

  it('a save is an undo boundary: typing on in the same field after it undoes back to the saved state', () => {
    const { s, clock } = setup();
    s().updateStep('wait-2h', { duration: '3h' });
    s().loaded(answer(asServer(s().definition), { id: 'webinar-follow-up', revision: 4 }), canonical(s().definition));
    clock.advance(100); // well within the coalescing window
    s().updateStep('wait-2h', { duration: '' });
    expect(s().dirty).toBe(true);
    s().undo();
    expect(s().dirty).toBe(false);
    expect(findStep(s().definition, 'wait-2h')!.duration).toBe('3h');
  });

  it('takes the problems of a saved draft; warnings do not count as errors', () => {
    const { s } = setup();
    const problems = [
      { step: 'thank-you-mail', field: 'template', message: 'missing', severity: 'error' as const },
      { trigger: 'registered', field: 'event', message: 'nobody sends it', severity: 'warning' as const },
    ];
    s().loaded(answer(s().definition, { id: 'webinar-follow-up', problems }), canonical(s().definition));
    expect(s().problems).toEqual(problems);
    expect(errorsOf(s().problems)).toHaveLength(1);
  });
});

describe('untouched triggers and steps', () => {
  it('are untouched when added, touched by an edit, by leaving their panel or by a save attempt', () => {
    const store = createEditorStore({ definition: blankDefinition() });
    store.getState().addTrigger('event');
    const t = store.getState().definition.triggers[0].id;
    expect(store.getState().untouched['trigger:' + t]).toBe(true);
    store.getState().updateTrigger(0, { event: 'webinar.registered' });
    expect(store.getState().untouched['trigger:' + t]).toBeUndefined();

    const id = store.getState().insertStep({ source: TRIGGER_ID, port: 'start' }, 'delay');
    expect(store.getState().untouched['step:' + id]).toBe(true);
    store.getState().select(null); // leaving its panel
    expect(store.getState().untouched['step:' + id]).toBeUndefined();

    store.getState().addTrigger('webhook');
    expect(Object.keys(store.getState().untouched)).toHaveLength(1);
    store.getState().touch();
    expect(store.getState().untouched).toEqual({});
  });
});
