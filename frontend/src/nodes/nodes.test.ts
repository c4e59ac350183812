import { describe, expect, it } from 'vitest';
import { STEP_FIELDS } from '../api/step-schema';
import { STEP_TYPES, type Step, type StepType } from '../api/types';
import { everyStepType } from '../test/fixtures';
import { checkAll, createStep, nodeConfig, nodesConfig } from '.';
import { clip } from './util';

const ctx = (steps: Step[]) => ({ stepIds: new Set(steps.map((s) => s.id)) });

describe('node registry', () => {
  it('covers every step type', () => {
    expect(Object.keys(nodesConfig).sort()).toEqual([...STEP_TYPES].sort());
    for (const t of STEP_TYPES) expect(nodesConfig[t].type).toBe(t);
  });

  it('creates and fills in only the fields the Go validator allows for each type', () => {
    const allowed = (t: StepType) => ['id', 'type', 'name', ...STEP_FIELDS[t]];
    for (const t of STEP_TYPES) {
      for (const f of Object.keys(createStep(t, 'x'))) expect(allowed(t), `${t}: a new step sets ${f}`).toContain(f);
    }
    for (const s of everyStepType().steps) {
      for (const f of Object.keys(s)) expect(allowed(s.type), `${s.type}: the example sets ${f}`).toContain(f);
    }
  });

  it('accepts the filled-in example of every type', () => {
    const def = everyStepType();
    expect(checkAll(def.steps)).toEqual({});
  });

  it('flags a fresh default of every type except delay and split (A 50 %, B 50 %) as incomplete', () => {
    for (const t of STEP_TYPES) {
      const s = createStep(t, 'x');
      const p = nodesConfig[t].checkValid(s, ctx([s]));
      if (t === 'delay' || t === 'split') expect(p, t).toEqual([]);
      else expect(p.length, t).toBeGreaterThan(0);
    }
  });

  it('summarises steps for the cards', () => {
    const by = Object.fromEntries(everyStepType().steps.map((s) => [s.type === 'delay' && s.event ? 'delay-event' : s.type, nodeConfig(s.type).summary(s)]));
    expect(by.delay).toBe('Wait 2 hours');
    expect(by['delay-event']).toBe('Until payment.completed, at most 3 days');
    expect(by.set_property).toBe('Set tags (append) = viewer');
    expect(by.branch).toBe('If Big: score is at least 50');
    expect(by.goto).toBe('Jumps to another step');
    expect(by.increment_property).toBe('Increase score by 10');
  });

  it('checks delays', () => {
    const d = (x: Partial<Step>): Step => ({ id: 'd', type: 'delay', ...x });
    const c = (s: Step) => nodesConfig.delay.checkValid(s, ctx([s]));
    expect(c(d({ duration: '3x' }))).toHaveLength(1);
    expect(c(d({ duration: '0h' }))).toHaveLength(1);
    expect(c(d({ duration: '1d12h' }))).toEqual([]);
    expect(c(d({ duration: '2h', until: { weekdays: [], time: '11:00' } }))).toHaveLength(1);
    expect(c(d({ until: { weekdays: ['tue'], time: '25:00' } }))).toHaveLength(1);
    expect(c(d({ until: { weekdays: ['tue'], time: '11:00' } }))).toEqual([]);
    expect(c(d({ event: { type: '', timeout_next: 'x' } }))).toHaveLength(2);
  });

  it('checks branches, gotos and webhooks', () => {
    const b: Step = { id: 'b', type: 'branch', branches: [{ name: 'A', filter: { all: [] } }, { name: 'A', expr: 'true' }] };
    expect(nodesConfig.branch.checkValid(b, ctx([b]))).toEqual(['"A" has no conditions yet.', 'Two branches are called "A"; give each a unique name.']);
    const v: Step = { id: 'v', type: 'branch', property: 'lifecycle', branches: [{ name: 'Lead', value: 'lead' }] };
    expect(nodesConfig.branch.checkValid(v, ctx([v]))).toEqual([]);
    const g: Step = { id: 'g', type: 'goto', target: 'nope' };
    expect(nodesConfig.goto.checkValid(g, ctx([g]))).toEqual(['The step "nope" does not exist.']);
    const w: Step = { id: 'w', type: 'webhook', url: 'ftp://x' };
    expect(nodesConfig.webhook.checkValid(w, ctx([w]))).toEqual(['Enter the full http:// or https:// address.']);
  });
});

describe('card text', () => {
  it('reads tokens as the value they stand for, then shortens', () => {
    expect(clip('Email: Thanks for watching, {{contact.first_name | default "there"}}')).toBe('Email: Thanks for watching, [first_name]');
    expect(clip('Hi {{ event.data.webinar.title }} and {{contact.city}}')).toBe('Hi [title] and [city]');
    expect(clip('no tokens here')).toBe('no tokens here');
    expect(clip('x'.repeat(60))).toHaveLength(48);
  });
});
