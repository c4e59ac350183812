import { describe, expect, it } from 'vitest';
import type { Definition } from '../api/types';
import { examples } from '../test/fixtures';
import { TRIGGER_ID, deleteStep, findStep, getLink, goToSources, insertStep, newStepId, pasteStep, reachable, renameStep, serialise } from './definition';

const web = () => structuredClone(examples['webinar-follow-up']);

describe('insertStep', () => {
  it('inserts between a step and its next', () => {
    const d = insertStep(web(), { source: 'wait-2h', port: 'next' }, { id: 'n', type: 'add_to_list', list: 'x' });
    expect(findStep(d, 'wait-2h')!.next).toBe('n');
    expect(findStep(d, 'n')!.next).toBe('watched?');
  });
  it('inserts at the start', () => {
    const d = insertStep(web(), { source: TRIGGER_ID, port: 'start' }, { id: 'n', type: 'delay', duration: '1h' });
    expect(d.start).toBe('n');
    expect(findStep(d, 'n')!.next).toBe('wait-2h');
  });
  it('inserts on a branch path and on a timeout path', () => {
    let d = insertStep(web(), { source: 'watched?', port: 'branch:0' }, { id: 'n', type: 'clear_property', property: 'x' });
    expect(findStep(d, 'watched?')!.branches![0].next).toBe('n');
    expect(findStep(d, 'n')!.next).toBe('tag-viewer');
    d = insertStep(d, { source: 'wait-for-replay', port: 'timeout' }, { id: 'm', type: 'clear_property', property: 'x' });
    expect(findStep(d, 'wait-for-replay')!.event!.timeout_next).toBe('m');
    expect(findStep(d, 'm')!.next).toBe('tell-owner');
  });
  it('inserts at a path end', () => {
    const d = insertStep(web(), { source: 'thank-you-mail', port: 'next' }, { id: 'n', type: 'clear_property', property: 'x' });
    expect(findStep(d, 'thank-you-mail')!.next).toBe('n');
    expect(findStep(d, 'n')!.next).toBeUndefined();
  });
  it('a new branch takes the continuation on Else; a goto jumps to it', () => {
    let d = insertStep(web(), { source: 'wait-2h', port: 'next' }, { id: 'b', type: 'branch', branches: [{ name: 'A' }] });
    expect(findStep(d, 'b')).toMatchObject({ else: 'watched?' });
    expect(findStep(d, 'b')!.next).toBeUndefined();
    d = insertStep(web(), { source: 'replay-mail', port: 'next' }, { id: 'g', type: 'goto' });
    expect(findStep(d, 'g')!.target).toBe('wait-for-replay');
    expect(reachable(d).has('wait-for-replay')).toBe(true);
  });
});

describe('deleteStep', () => {
  it('reconnects the parent to the next step', () => {
    const d = deleteStep(web(), 'replay-mail');
    expect(findStep(d, 'replay-needed')!.next).toBe('wait-for-replay');
    expect(d.steps).toHaveLength(web().steps.length - 1);
  });
  it('moves the start when the first step goes', () => {
    const d = deleteStep(web(), 'wait-2h');
    expect(d.start).toBe('watched?');
  });
  it('deleting a branch deletes its exclusive subtree and ends the parent path', () => {
    const d = deleteStep(web(), 'watched?');
    expect(findStep(d, 'wait-2h')!.next).toBeUndefined();
    expect(d.steps.map((s) => s.id)).toEqual(['wait-2h']);
  });
  it('keeps steps that are still reachable another way', () => {
    // tag-viewer is reachable from the branch and from wait-for-replay
    const d = deleteStep(web(), 'replay-needed');
    expect(findStep(d, 'watched?')!.else).toBe('replay-mail');
    expect(findStep(d, 'tag-viewer')).toBeDefined();
  });
  it('deleting a delay-until-event keeps the event path and drops the timeout path', () => {
    const d = deleteStep(web(), 'wait-for-replay');
    expect(findStep(d, 'replay-mail')!.next).toBe('tag-viewer');
    expect(findStep(d, 'tell-owner')).toBeUndefined();
  });
  it('a go-to to the deleted step loses its target; what only it reached stays; orphans stay', () => {
    const def: Definition = {
      ...web(), start: 'a',
      steps: [
        { id: 'a', type: 'delay', duration: '1d', next: 'b' },
        { id: 'b', type: 'add_to_list', list: 'x', next: 'c' },
        { id: 'c', type: 'goto', target: 'b' },
        { id: 'orphan', type: 'clear_property', property: 'x' },
      ],
    };
    const d = deleteStep(def, 'b');
    expect(findStep(d, 'a')!.next).toBe('c');
    expect(findStep(d, 'c')!.target).toBeUndefined(); // not itself, not a silent loop
    expect(findStep(d, 'orphan')).toBeDefined();

    // the new user's repro: email -> delay -> go to (the email); delete the email
    const loop: Definition = {
      ...web(), start: 'mail',
      steps: [
        { id: 'mail', type: 'internal_email', to: ['a@example.com'], next: 'wait' },
        { id: 'wait', type: 'delay', duration: '1d', next: 'jump' },
        { id: 'jump', type: 'goto', target: 'mail' },
      ],
    };
    const l = deleteStep(loop, 'mail');
    expect(l.start).toBe('wait');
    expect(findStep(l, 'jump')!.target).toBeUndefined();

    // a chain only the go-to reached (y -> z) keeps z when y goes
    const side: Definition = {
      ...web(), start: 'a',
      steps: [
        { id: 'a', type: 'goto', target: 'y' },
        { id: 'y', type: 'delay', duration: '1d', next: 'z' },
        { id: 'z', type: 'add_to_list', list: 'x' },
      ],
    };
    const s2 = deleteStep(side, 'y');
    expect(findStep(s2, 'a')!.target).toBeUndefined();
    expect(findStep(s2, 'z')).toBeDefined();
    // another go-to that already pointed at the continuation keeps it
    const two: Definition = { ...side, steps: [...side.steps, { id: 'b', type: 'goto', target: 'z' }], start: 'a' };
    expect(findStep(deleteStep(two, 'y'), 'b')!.target).toBe('z');
  });
});

describe('ids, paste, rename, serialise', () => {
  it('makes ids from the type', () => {
    expect(newStepId(web(), 'send_email')).toBe('send-email-1');
    const d = insertStep(web(), { source: 'wait-2h', port: 'next' }, { id: 'send-email-1', type: 'send_email' });
    expect(newStepId(d, 'send_email')).toBe('send-email-2');
  });
  it('pastes a copy with a new id and no old links', () => {
    const src = findStep(web(), 'watched?')!;
    const { def, id } = pasteStep(web(), { source: 'thank-you-mail', port: 'next' }, src);
    expect(id).toBe('branch-1');
    const p = findStep(def, id)!;
    expect(p.branches![0].next).toBeUndefined();
    expect(p.branches![0].filter).toEqual(src.branches![0].filter);
    expect(p.branches![0].filter).not.toBe(src.branches![0].filter);
    expect(getLink(def, { source: 'thank-you-mail', port: 'next' })).toBe(id);
  });
  it('renames a step everywhere', () => {
    const d = renameStep(web(), 'tag-viewer', 'tag');
    expect(findStep(d, 'watched?')!.branches![0].next).toBe('tag');
    expect(findStep(d, 'wait-for-replay')!.next).toBe('tag');
    expect(renameStep(d, 'tag', 'wait-2h')).toBe(d);
  });
  it('serialises without undefined or empty keys', () => {
    const d = insertStep(web(), { source: 'wait-2h', port: 'next' }, { id: 'n', type: 'send_email', template: '', subject: 'Hi' });
    const s = serialise(d);
    expect(findStep(s, 'n')).toEqual({ id: 'n', type: 'send_email', subject: 'Hi', next: 'watched?' });
    expect(JSON.stringify(s)).not.toContain('undefined');
  });
});

describe('removeBranch', () => {
  it('removes the branch and the steps only it reached', async () => {
    const { removeBranch } = await import('./definition');
    const d = removeBranch(web(), 'watched?', 0);
    expect(findStep(d, 'watched?')!.branches).toEqual([]);
    // tag-viewer is still reached from wait-for-replay
    expect(findStep(d, 'tag-viewer')).toBeDefined();
    const d2 = removeBranch(deleteStep(web(), 'wait-for-replay'), 'watched?', 0);
    expect(findStep(d2, 'tag-viewer')).toBeDefined(); // replay-mail -> tag-viewer after the delete
    const lone: Definition = { ...web(), start: 'b', steps: [{ id: 'b', type: 'branch', branches: [{ name: 'A', expr: 'true', next: 'x' }, { name: 'B', expr: 'true' }] }, { id: 'x', type: 'add_to_list', list: 'l' }] };
    expect(removeBranch(lone, 'b', 0).steps.map((s) => s.id)).toEqual(['b']);
  });
});

describe('goToSources', () => {
  const def = {
    id: 'g', name: 'G', object: 'contact', triggers: [], start: 'mail',
    steps: [
      { id: 'mail', type: 'send_email', template: 't', next: 'wait' },
      { id: 'wait', type: 'delay', duration: '1d', next: 'back' },
      { id: 'back', type: 'goto', target: 'mail' },
      { id: 'again', type: 'goto', target: 'mail' },
      { id: 'self', type: 'goto', target: 'self' },
    ],
  } as unknown as Definition;
  it('lists the go-tos that jump to a step, and none for a step nothing jumps to', () => {
    expect(goToSources(def, 'mail').map((s) => s.id)).toEqual(['back', 'again']);
    expect(goToSources(def, 'wait')).toEqual([]);
    expect(goToSources(def, 'self')).toEqual([]);
  });
});
