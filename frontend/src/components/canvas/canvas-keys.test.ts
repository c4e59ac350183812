import { describe, expect, it } from 'vitest';
import type { Definition } from '../../api/types';
import { definitionToGraph } from '../../lib/graph';
import { bench300, examples } from '../../test/fixtures';
import { openingViewport } from './Canvas';
import { arrowTarget, flowOrder, nodeKey, plusKey } from './flow-focus';
import { isTyping } from './keys';
import { READABLE_ZOOM, viewportToReveal } from './reveal';

const merging: Definition = {
  id: 'm', name: 'm', object: 'contact', triggers: [], reenroll: { enabled: false, triggers: [] }, start: 'temp',
  steps: [
    { id: 'temp', type: 'branch', branches: [{ name: 'Hot', expr: 'true', next: 'hot' }, { name: 'Warm', expr: 'true', next: 'warm' }], else: 'cold' },
    { id: 'merge', type: 'set_property', property: 'stage', value: 'x' },
    { id: 'cold', type: 'add_to_list', list: 'c', next: 'merge' },
    { id: 'warm', type: 'add_to_list', list: 'w', next: 'merge' },
    { id: 'hot', type: 'add_to_list', list: 'h', next: 'merge' },
  ],
};

describe('tab order of the canvas', () => {
  it('walks each path to its end before the next, left to right; a merge after all its paths', () => {
    expect(flowOrder(definitionToGraph(merging))).toEqual([
      nodeKey('__trigger'), plusKey('e:__trigger:start'),
      nodeKey('temp'),
      plusKey('e:temp:branch:0'), nodeKey('hot'), plusKey('e:hot:next'),
      plusKey('e:temp:branch:1'), nodeKey('warm'), plusKey('e:warm:next'),
      plusKey('e:temp:else'), nodeKey('cold'), plusKey('e:cold:next'),
      nodeKey('merge'), plusKey('e:merge:next'),
    ]);
  });

  it('follows the layout: top to bottom, the paths of a branch left to right, Else last', () => {
    const ifThen: Definition = {
      ...merging, start: 'delay',
      steps: [
        { id: 'delay', type: 'delay', duration: '1d', next: 'if' },
        { id: 'if', type: 'branch', branches: [{ name: 'Amsterdam', expr: 'true', next: 'a1' }], else: 'e1' },
        { id: 'e1', type: 'add_to_list', list: 'e' },
        { id: 'a1', type: 'add_to_list', list: 'a', next: 'a2' },
        { id: 'a2', type: 'set_property', property: 'p', value: 'v' },
      ],
    };
    const g = definitionToGraph(ifThen);
    const order = flowOrder(g);
    const cards = order.filter((k) => k.startsWith('node:')).map((k) => k.slice(5));
    expect(cards).toEqual(['__trigger', 'delay', 'if', 'a1', 'a2', 'e1']);
    // the Else path's "+" belongs to the Else path: after the whole If path
    expect(order.indexOf(plusKey('e:if:else'))).toBeGreaterThan(order.indexOf(plusKey('e:a2:next')));
    expect(order.indexOf(plusKey('e:if:else'))).toBe(order.indexOf(nodeKey('e1')) - 1);
    const pos = new Map(g.nodes.map((n) => [n.id, n.position]));
    // each card is below the one before it on its path, and the If path is left of Else
    for (const [a, b] of [['__trigger', 'delay'], ['delay', 'if'], ['if', 'a1'], ['a1', 'a2'], ['if', 'e1']]) expect(pos.get(a)!.y).toBeLessThan(pos.get(b)!.y);
    expect(pos.get('a1')!.x).toBeLessThan(pos.get('e1')!.x);
  });

  it('lists every card and every "+" once, never an edge or End marker', () => {
    const g = definitionToGraph(bench300);
    const order = flowOrder(g);
    expect(new Set(order).size).toBe(order.length);
    expect(order.filter((k) => k.startsWith('node:'))).toHaveLength(301);
    expect(order.filter((k) => k.startsWith('plus:'))).toHaveLength(g.edges.length);
    expect(order.some((k) => k.includes('__end'))).toBe(false);
    expect(order[0]).toBe(nodeKey('__trigger'));
  });

  it('puts steps no path reaches last', () => {
    const def = { ...examples['lead-nurture'], steps: [...examples['lead-nurture'].steps, { id: 'orphan', type: 'add_to_list' as const, list: 'x' }] };
    const order = flowOrder(definitionToGraph(def));
    expect(order.indexOf(nodeKey('orphan'))).toBeGreaterThan(order.indexOf(nodeKey('nurture-list')));
  });
});

describe('keys inside fields', () => {
  const el = (tagName: string, extra: Record<string, unknown> = {}) => ({ tagName, isContentEditable: false, ...extra }) as unknown as EventTarget;
  it('leaves text fields their own keys (Ctrl+Z included)', () => {
    expect(isTyping(el('INPUT', { type: 'text' }))).toBe(true);
    expect(isTyping(el('INPUT', { type: 'number' }))).toBe(true);
    expect(isTyping(el('TEXTAREA'))).toBe(true);
    expect(isTyping(el('DIV', { isContentEditable: true }))).toBe(true);
    expect(isTyping(el('INPUT', { type: 'checkbox' }))).toBe(false);
    expect(isTyping(el('DIV'))).toBe(false);
    expect(isTyping(null)).toBe(false);
  });
});

describe('views', () => {
  const pane = { w: 1000, h: 700 };
  it('opens a long workflow at a readable zoom with the trigger at the top', () => {
    const g = definitionToGraph(bench300);
    const vp = openingViewport(g, pane);
    expect(vp.zoom).toBeGreaterThanOrEqual(0.75);
    const t = g.nodes.find((n) => n.id === '__trigger')!;
    const sx = t.position.x * vp.zoom + vp.x;
    const sy = t.position.y * vp.zoom + vp.y;
    expect(sx).toBeGreaterThan(0);
    expect(sx + t.width! * vp.zoom).toBeLessThan(pane.w);
    expect(sy).toBeGreaterThanOrEqual(0);
    expect(sy).toBeLessThan(pane.h / 2);
  });

  it('fits a short workflow when that is readable', () => {
    const vp = openingViewport(definitionToGraph(merging), { w: 1400, h: 1000 });
    expect(vp.zoom).toBeGreaterThanOrEqual(READABLE_ZOOM);
    expect(vp.zoom).toBeLessThanOrEqual(1);
  });

  it('pans a card clear of what covers it, and leaves a visible one alone', () => {
    const vp = { x: 0, y: 0, zoom: 1 };
    const minimap = { x: 800, y: 550, w: 200, h: 150 };
    expect(viewportToReveal({ x: 100, y: 100, w: 260, h: 76 }, vp, pane, [minimap])).toBeNull();
    const moved = viewportToReveal({ x: 780, y: 580, w: 260, h: 76 }, vp, pane, [minimap])!;
    const sx = 780 * moved.zoom + moved.x;
    const sy = 580 * moved.zoom + moved.y;
    const under = sx < minimap.x + minimap.w && minimap.x < sx + 260 && sy < minimap.y + minimap.h && minimap.y < sy + 76;
    expect(under).toBe(false);
    // never left below the readable zoom
    expect(viewportToReveal({ x: 100, y: 100, w: 260, h: 76 }, { x: 0, y: 0, zoom: 0.3 }, pane, [])!.zoom).toBe(READABLE_ZOOM);
    // a clicked card keeps the user's zoom
    expect(viewportToReveal({ x: 100, y: 100, w: 260, h: 76 }, { x: 0, y: 0, zoom: 0.3 }, pane, [], 0)).toBeNull();
  });
});

describe('arrow keys on the canvas', () => {
  const g = definitionToGraph(merging);
  const go = (from: string, arrow: 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight') => arrowTarget(g, from, arrow);
  it('go down and up the rows, to the card closest under or over', () => {
    expect(go(nodeKey('__trigger'), 'ArrowDown')).toBe(nodeKey('temp'));
    expect(go(nodeKey('temp'), 'ArrowDown')).toBe(nodeKey('warm'));
    expect(go(nodeKey('hot'), 'ArrowDown')).toBe(nodeKey('merge'));
    expect(go(nodeKey('merge'), 'ArrowUp')).toBe(nodeKey('warm'));
    expect(go(nodeKey('temp'), 'ArrowUp')).toBe(nodeKey('__trigger'));
    expect(go(nodeKey('__trigger'), 'ArrowUp')).toBeNull();
    expect(go(nodeKey('merge'), 'ArrowDown')).toBeNull();
  });
  it('go down a path only: a go-to has nothing below it, even with a card on the next row', () => {
    const jumps = definitionToGraph({
      id: 'j', name: 'j', object: 'contact', triggers: [], reenroll: { enabled: false, triggers: [] }, start: 'b',
      steps: [
        { id: 'b', type: 'branch', branches: [{ name: 'Hot', expr: 'true', next: 'h1' }], else: 'g' },
        { id: 'h1', type: 'add_to_list', list: 'h', next: 'h2' },
        { id: 'h2', type: 'add_to_list', list: 'h' },
        { id: 'g', type: 'goto', target: 'h2' },
      ],
    } as Definition);
    expect(arrowTarget(jumps, nodeKey('g'), 'ArrowDown')).toBeNull();
    expect(arrowTarget(jumps, nodeKey('h1'), 'ArrowDown')).toBe(nodeKey('h2'));
    expect(arrowTarget(jumps, nodeKey('g'), 'ArrowUp')).toBe(nodeKey('b'));
    expect(arrowTarget(jumps, nodeKey('h2'), 'ArrowUp')).toBe(nodeKey('h1'));
  });
  it('go left and right along a row, in the order the paths are drawn', () => {
    expect(go(nodeKey('hot'), 'ArrowRight')).toBe(nodeKey('warm'));
    expect(go(nodeKey('warm'), 'ArrowRight')).toBe(nodeKey('cold'));
    expect(go(nodeKey('cold'), 'ArrowLeft')).toBe(nodeKey('warm'));
    expect(go(nodeKey('hot'), 'ArrowLeft')).toBeNull();
    expect(go(nodeKey('temp'), 'ArrowRight')).toBeNull();
  });
  it('from a "+", up to the card its path leaves and down to the card it leads to', () => {
    expect(go(plusKey('e:temp:branch:0'), 'ArrowUp')).toBe(nodeKey('temp'));
    expect(go(plusKey('e:temp:branch:0'), 'ArrowDown')).toBe(nodeKey('hot'));
    expect(go(plusKey('e:merge:next'), 'ArrowDown')).toBeNull();
    expect(go(plusKey('e:temp:branch:0'), 'ArrowLeft')).toBeNull();
  });
});
