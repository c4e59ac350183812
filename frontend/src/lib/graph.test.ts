import { describe, expect, it } from 'vitest';
import type { Definition } from '../api/types';
import { STEP_TYPES } from '../api/types';
import { everyStepType, examples } from '../test/fixtures';
import { TRIGGER_ID, serialise } from './definition';
import { definitionToGraph, edgeId, endId, graphToDefinition, type FlowGraph } from './graph';

function roundTrip(def: Definition): Definition {
  const g = definitionToGraph(def);
  const { steps: _s, start: _st, ...meta } = def;
  return graphToDefinition(g, meta);
}

function node(g: FlowGraph, id: string) {
  const n = g.nodes.find((x) => x.id === id);
  if (!n) throw new Error('no node ' + id);
  return n;
}

describe('definitionToGraph / graphToDefinition', () => {
  it('round-trips every example workflow', () => {
    for (const [name, def] of Object.entries(examples)) {
      expect(serialise(roundTrip(def)), name).toEqual(serialise(def));
    }
  });

  it('round-trips a workflow with every step type', () => {
    const def = everyStepType();
    expect(new Set(def.steps.map((s) => s.type))).toEqual(new Set(STEP_TYPES));
    expect(serialise(roundTrip(def))).toEqual(serialise(def));
  });

  it('round-trips each step type on its own', () => {
    for (const s of everyStepType().steps) {
      const def: Definition = { ...everyStepType(), start: s.id, steps: [{ ...s, next: undefined, else: undefined, branches: s.branches?.map((b) => ({ ...b, next: undefined })), target: s.type === 'goto' ? s.id : undefined, event: s.event ? { ...s.event, timeout_next: undefined } : undefined }] };
      expect(serialise(roundTrip(def)), s.type).toEqual(serialise(def));
    }
  });

  it('puts the trigger card on top and one node per step', () => {
    const def = examples['webinar-follow-up'];
    const g = definitionToGraph(def);
    const steps = g.nodes.filter((n) => n.type === 'step');
    expect(steps).toHaveLength(def.steps.length);
    const trig = node(g, TRIGGER_ID);
    for (const n of g.nodes) if (n.id !== TRIGGER_ID) expect(n.position.y).toBeGreaterThan(trig.position.y);
    expect(g.edges.find((e) => e.id === edgeId(TRIGGER_ID, 'start'))?.target).toBe('wait-2h');
  });

  it('lays branch paths side by side, one labelled edge per branch plus Else', () => {
    const g = definitionToGraph(examples['webinar-follow-up']);
    const out = g.edges.filter((e) => e.source === 'watched?');
    expect(out.map((e) => e.data?.label)).toEqual(['Watched', 'Else']);
    const yes = node(g, 'tag-viewer');
    const no = node(g, 'replay-needed');
    const br = node(g, 'watched?');
    expect(yes.position.y).toBeGreaterThan(br.position.y);
    expect(no.position.y).toBeGreaterThan(br.position.y);
    // tag-viewer is also reached from wait-for-replay, so only side by side is promised here
    expect(Math.abs(yes.position.x - no.position.x)).toBeGreaterThanOrEqual(260);
    const g2 = definitionToGraph(examples['lead-nurture']);
    const kids = g2.edges.filter((e) => e.source === 'hot?').map((e) => node(g2, e.target).position.x);
    expect(kids[0]).toBeLessThan(kids[1]);
  });

  it('gives a three-way branch three children on one row', () => {
    const def: Definition = {
      ...examples['webinar-follow-up'], start: 'b',
      steps: [
        { id: 'b', type: 'branch', branches: [{ name: 'A', expr: 'true', next: 'a' }, { name: 'B', expr: 'true', next: 'c' }], else: 'd' },
        { id: 'a', type: 'add_to_list', list: 'a' }, { id: 'c', type: 'add_to_list', list: 'c' }, { id: 'd', type: 'add_to_list', list: 'd' },
      ],
    };
    const g = definitionToGraph(def);
    const ys = ['a', 'c', 'd'].map((id) => node(g, id).position.y);
    expect(new Set(ys).size).toBe(1);
    const xs = ['a', 'c', 'd'].map((id) => node(g, id).position.x);
    expect(new Set(xs).size).toBe(3);
    expect(xs[0]).toBeLessThan(xs[1]);
    expect(xs[1]).toBeLessThan(xs[2]);
    const sorted = [...xs].sort((p, q) => p - q);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(260);
  });

  it('draws delay-until-event as two paths: Event happened and Timed out', () => {
    const g = definitionToGraph(examples['webinar-follow-up']);
    const out = g.edges.filter((e) => e.source === 'wait-for-replay');
    expect(out.map((e) => [e.data?.port, e.data?.label, e.target])).toEqual([
      ['next', 'Event happened', 'tag-viewer'],
      ['timeout', 'Timed out', 'tell-owner'],
    ]);
  });

  it('draws goto as a dashed goto edge to its target, not a path edge', () => {
    const g = definitionToGraph(examples['re-engage-loop']);
    const gotoStep = examples['re-engage-loop'].steps.find((s) => s.type === 'goto')!;
    const e = g.edges.filter((x) => x.source === gotoStep.id);
    expect(e).toHaveLength(1);
    expect(e[0].type).toBe('goto');
    expect(e[0].target).toBe(gotoStep.target);
    expect(e[0].sourceHandle).toBe('goto-out');
    // and the target is above the goto (it is a loop back)
    expect(node(g, gotoStep.target!).position.y).toBeLessThan(node(g, gotoStep.id).position.y);
  });

  it('puts an end marker where a path ends and every path edge is an insert edge', () => {
    const g = definitionToGraph(examples['webinar-follow-up']);
    expect(g.nodes.some((n) => n.id === endId('thank-you-mail', 'next'))).toBe(true);
    expect(g.nodes.some((n) => n.id === endId('tell-owner', 'next'))).toBe(true);
    for (const e of g.edges) expect(['insert', 'goto']).toContain(e.type);
    expect(g.edges.filter((e) => e.type === 'insert' && e.data?.toEnd)).toHaveLength(2);
  });

  it('shows an empty workflow as trigger -> end with an insert edge', () => {
    const g = definitionToGraph({ id: 'x', name: 'x', object: 'contact', triggers: [], reenroll: { enabled: false, triggers: [] }, start: '', steps: [] });
    expect(g.nodes.map((n) => n.type)).toEqual(['trigger', 'end']);
    expect(g.edges).toHaveLength(1);
    expect(g.edges[0].data).toMatchObject({ source: TRIGGER_ID, port: 'start', toEnd: true });
  });

  it('keeps nodes from overlapping', () => {
    const g = definitionToGraph(everyStepType());
    const boxes = g.nodes.map((n) => ({ x: n.position.x, y: n.position.y, w: n.width!, h: n.height! }));
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `${g.nodes[i].id} / ${g.nodes[j].id}`).toBe(false);
      }
  });
});
