import { describe, expect, it } from 'vitest';
import { TRIGGER_ID, findStep } from '../lib/definition';
import { examples } from '../test/fixtures';
import type { Workflow } from '../api/types';
import { COALESCE_MS, createEditorStore, createGraphSelector, problemsIndex } from './editor-store';

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
    const saved: Workflow = { id: 'webinar-follow-up', name: 'W', object: 'contact', definition: s().definition, revision: 4, enabled: false, created_at: '', updated_at: '' };
    s().loaded(saved, true);
    expect(s().dirty).toBe(false);
    expect(s().revision).toBe(4);
    expect(s().past).toHaveLength(1);
  });

  it('a new workflow is dirty until saved', () => {
    const store = createEditorStore({ definition: examples['sales-handoff'] });
    expect(store.getState().dirty).toBe(true);
    expect(store.getState().workflowId).toBeNull();
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
