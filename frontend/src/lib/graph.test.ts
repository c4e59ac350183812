import { describe, expect, it } from 'vitest';
import type { Definition } from '../api/types';
import { STEP_TYPES } from '../api/types';
import { bench300, everyStepType, examples } from '../test/fixtures';
import { TRIGGER_ID, deleteStep, insertStep, serialise, type Port } from './definition';
import { definitionToGraph, edgeId, endId, graphToDefinition, portLabel, routeEdge, structureKey, type FlowGraph } from './graph';

function roundTrip(def: Definition): Definition {
  return graphToDefinition(definitionToGraph(def), def);
}

const label = (def: Definition, source: string, port: Port) => portLabel(def.steps.find((s) => s.id === source), port);

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
      const def: Definition = { ...everyStepType(), start: s.id, steps: [{ ...s, next: undefined, else: undefined, branches: s.branches?.map((b) => ({ ...b, next: undefined })), paths: s.paths?.map((p) => ({ ...p, next: undefined })), target: s.type === 'goto' ? s.id : undefined, event: s.event ? { ...s.event, timeout_next: undefined } : undefined }] };
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

  it('draws one labelled edge per split path, with its share, and keeps where each leads', () => {
    const def = everyStepType();
    const g = definitionToGraph(def);
    const out = g.edges.filter((e) => e.source === 'ab');
    expect(out.map((e) => label(def, 'ab', e.data!.port))).toEqual(['A · 60%', 'B · 40%']);
    expect(out.map((e) => e.target)).toEqual(['again', 'wait-pay']);
    expect(graphToDefinition(g, def).steps.find((s) => s.id === 'ab')?.paths).toEqual(def.steps.find((s) => s.id === 'ab')?.paths);
  });

  it('lays branch paths side by side, one labelled edge per branch plus Else', () => {
    const g = definitionToGraph(examples['webinar-follow-up']);
    const out = g.edges.filter((e) => e.source === 'watched?');
    expect(out.map((e) => label(examples['webinar-follow-up'], 'watched?', e.data!.port))).toEqual(['Watched', 'Else']);
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
    expect(out.map((e) => [e.data?.port, label(examples['webinar-follow-up'], 'wait-for-replay', e.data!.port), e.target])).toEqual([
      ['next', 'Event happened', 'tag-viewer'],
      ['timeout', 'Timed out', 'tell-owner'],
    ]);
  });

  it('draws no edge for a goto: the card names its target', () => {
    const def = examples['re-engage-loop'];
    const g = definitionToGraph(def);
    const gotoStep = def.steps.find((s) => s.type === 'goto')!;
    expect(g.edges.filter((x) => x.source === gotoStep.id || x.target === gotoStep.target && x.source === gotoStep.id)).toHaveLength(0);
    expect(g.edges.every((e) => e.type === 'insert')).toBe(true);
    expect(serialise(roundTrip(def)).steps.find((s) => s.id === gotoStep.id)?.target).toBe(gotoStep.target);
  });

  it('puts an end marker where a path ends and every path edge is an insert edge', () => {
    const g = definitionToGraph(examples['webinar-follow-up']);
    expect(g.nodes.some((n) => n.id === endId('thank-you-mail', 'next'))).toBe(true);
    expect(g.nodes.some((n) => n.id === endId('tell-owner', 'next'))).toBe(true);
    for (const e of g.edges) expect(e.type).toBe('insert');
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

// Hot | Warm | Else, each with its own steps, merging again into one step.
function merging(): Definition {
  return {
    id: 'm', name: 'm', object: 'contact', triggers: [], reenroll: { enabled: false, triggers: [] }, start: 'temp',
    steps: [
      { id: 'temp', type: 'branch', branches: [
        { name: 'Hot', expr: 'true', next: 'hot-1' },
        { name: 'Warm', expr: 'true', next: 'warm-1' },
      ], else: 'else-1' },
      { id: 'hot-1', type: 'add_to_list', list: 'hot', next: 'merge' },
      { id: 'warm-1', type: 'add_to_list', list: 'warm', next: 'warm-2' },
      { id: 'warm-2', type: 'add_to_list', list: 'warm2', next: 'merge' },
      { id: 'else-1', type: 'add_to_list', list: 'cold', next: 'merge' },
      { id: 'merge', type: 'set_property', property: 'stage', value: 'scored' },
    ],
  };
}

describe('layout keeps the defined path order', () => {
  const xOf = (g: FlowGraph, id: string) => node(g, id).position.x;
  const expectOrder = (def: Definition, firsts: string[]) => {
    const g = definitionToGraph(def);
    const xs = firsts.map((id) => xOf(g, id));
    for (let i = 1; i < xs.length; i++) expect(xs[i], `${firsts[i - 1]} left of ${firsts[i]}`).toBeGreaterThan(xs[i - 1]);
    return g;
  };

  it('lays a merging three-path branch out as Hot | Warm | Else', () => {
    const g = expectOrder(merging(), ['hot-1', 'warm-1', 'else-1']);
    // the merge step sits below every path
    for (const id of ['hot-1', 'warm-2', 'else-1']) expect(node(g, 'merge').position.y).toBeGreaterThan(node(g, id).position.y);
  });

  it('keeps Hot | Warm | Else when a step is inserted on any path or removed', () => {
    const step = (id: string) => ({ id, type: 'add_to_list' as const, list: id });
    const base = merging();
    for (const [source, port] of [['temp', 'branch:0'], ['temp', 'branch:1'], ['temp', 'else'], ['hot-1', 'next'], ['warm-2', 'next'], ['else-1', 'next']] as const) {
      const def = insertStep(base, { source, port }, step('new'));
      const firsts = ['branch:0', 'branch:1', 'else'].map((p) => (source === 'temp' && port === p ? 'new' : ({ 'branch:0': 'hot-1', 'branch:1': 'warm-1', else: 'else-1' } as Record<string, string>)[p]));
      expectOrder(def, firsts);
      // and after removing it again
      expectOrder(deleteStep(def, 'new'), ['hot-1', 'warm-1', 'else-1']);
    }
    for (const id of ['hot-1', 'warm-1', 'warm-2', 'else-1']) {
      const def = deleteStep(base, id);
      const g = definitionToGraph(def);
      const kids = g.edges.filter((e) => e.source === 'temp').map((e) => e.target);
      const xs = kids.map((k) => xOf(g, k));
      // paths that now lead straight to the merge step share its x; the others keep their order
      const distinct = kids.filter((k, i) => kids.indexOf(k) === i && k !== 'merge');
      const dx = distinct.map((k) => xs[kids.indexOf(k)]);
      for (let i = 1; i < dx.length; i++) expect(dx[i]).toBeGreaterThan(dx[i - 1]);
    }
  });

  it('keeps the order in the generated 300-step benchmark workflow', () => {
    const def = bench300;
    let g = definitionToGraph(def);
    const check = (gr: FlowGraph, k: number, hot = `h${k}-1`) => {
      const xs = [hot, `w${k}-1`, `e${k}-1`].map((id) => xOf(gr, id));
      expect(xs[0], `block ${k}`).toBeLessThan(xs[1]);
      expect(xs[1], `block ${k}`).toBeLessThan(xs[2]);
    };
    for (let k = 1; k <= 30; k++) check(g, k);
    // insert on a Hot path in the middle: every block keeps its order
    g = definitionToGraph(insertStep(def, { source: 'b15', port: 'branch:0' }, { id: 'new', type: 'add_to_list', list: 'x' }));
    for (let k = 1; k <= 30; k++) check(g, k, k === 15 ? 'new' : `h${k}-1`);
  });

  it('routes a path that skips ranks around the cards in between', () => {
    const def = merging();
    // Else goes straight to the merge step, past the two Warm ranks
    def.steps = def.steps.filter((s) => s.id !== 'else-1').map((s) => (s.id === 'temp' ? { ...s, else: 'merge' } : s));
    const g = definitionToGraph(def);
    const e = g.edges.find((x) => x.id === edgeId('temp', 'else'))!;
    expect(e.data?.via?.length).toBeGreaterThan(0);
    const cards = g.nodes.filter((n) => n.type === 'step' && n.id !== 'temp' && n.id !== 'merge');
    for (const p of e.data!.via!) {
      for (const c of cards) {
        const inside = p.x > c.position.x && p.x < c.position.x + c.width! && p.y > c.position.y && p.y < c.position.y + c.height!;
        expect(inside, `${c.id} at ${p.x},${p.y}`).toBe(false);
      }
    }
    const r = routeEdge(0, 0, 100, 300, [{ x: 200, y: 100 }, { x: 200, y: 200 }]);
    expect(r.path.startsWith('M 0 0')).toBe(true);
    expect(r.path.endsWith('L 100 300')).toBe(true);
    expect(r.plus.x).toBe(200);
  });

  it('changes its structure key only when the layout can change', () => {
    const def = merging();
    const k = structureKey(def);
    const renamed = { ...def, steps: def.steps.map((s) => (s.id === 'temp' ? { ...s, name: 'Temperature', branches: s.branches!.map((b) => ({ ...b, name: b.name + '!' })) } : s)) };
    expect(structureKey(renamed)).toBe(k);
    expect(structureKey(insertStep(def, { source: 'hot-1', port: 'next' }, { id: 'n', type: 'add_to_list', list: 'n' }))).not.toBe(k);
    expect(structureKey({ ...def, triggers: [{ id: 't', type: 'event', event: 'x' }] })).not.toBe(k);
  });
});

describe('the trigger card', () => {
  const base = examples[Object.keys(examples)[0]];
  it('grows by a line for the goal and one for the suppression lists, so they never overlap its foot', () => {
    const h = (d: Definition) => node(definitionToGraph(d), TRIGGER_ID).height as number;
    const plain = h({ ...base, goal: undefined, suppress: undefined });
    const withGoal = h({ ...base, goal: { all: [] }, suppress: undefined });
    const withBoth = h({ ...base, goal: { all: [] }, suppress: ['customers'] });
    expect(withGoal).toBeGreaterThan(plain);
    expect(withBoth - withGoal).toBe(withGoal - plain);
    expect(structureKey({ ...base, suppress: ['customers'] })).not.toBe(structureKey({ ...base, suppress: undefined }));
  });
});
