import { describe, expect, it } from 'vitest';
import type { Filter, FilterOp, Property, PropertyType } from '../../api/types';
import { FILTER_OPS } from '../../api/types';
import { convertValue, countRules, describeFilter, fromFilter, opsFor, OPS_BY_TYPE, parseList, toFilter, valueKind, type GroupNode, withAssociatedFields, withEventFields, optionsFor, propertyOptions, propertyType, ruleProblems } from './model';

describe('filter model', () => {
  it('round-trips groups, nesting, rules and expressions exactly', () => {
    const cases: Filter[] = [
      { all: [{ property: 'city', op: 'eq', value: 'Dublin' }] },
      { any: [{ all: [{ property: 'city', op: 'eq', value: 'Dublin' }, { property: 'lifecycle', op: 'in', value: ['lead', 'mql'] }] }, { property: 'tags', op: 'contains', value: 'vip' }] },
      { all: [{ property: 'email', op: 'is_known' }, { expr: 'record.age > 30' }] },
      { all: [{ any: [{ all: [{ property: 'a', op: 'gt', value: 1 }] }] }] },
      { all: [{ list: 'customers', op: 'not_member' as FilterOp }, { list: 'vip', op: 'member' as FilterOp }, { property: 'city', op: 'eq', value: 'Cork' }] },
    ];
    for (const f of cases) expect(toFilter(fromFilter(f))).toEqual(f);
  });

  it('wraps a bare rule in an all group and treats no filter as empty', () => {
    expect(fromFilter({ property: 'x', op: 'eq', value: 1 })).toEqual({ kind: 'group', mode: 'all', children: [{ kind: 'rule', property: 'x', op: 'eq', value: 1 }] });
    expect(fromFilter(undefined)).toEqual({ kind: 'group', mode: 'all', children: [] });
    expect(toFilter(fromFilter(undefined))).toBeUndefined();
  });

  it('drops empty nested groups and the value of is_known / is_unknown', () => {
    const g: GroupNode = {
      kind: 'group', mode: 'any', children: [
        { kind: 'group', mode: 'all', children: [] },
        { kind: 'rule', property: 'email', op: 'is_unknown', value: 'stale' },
      ],
    };
    expect(toFilter(g)).toEqual({ any: [{ property: 'email', op: 'is_unknown' }] });
  });

  it('serialises every operator with the right value shape', () => {
    const value: Record<FilterOp, unknown> = {
      eq: 'a', neq: 'a', gt: 1, gte: 1, lt: 1, lte: 1, in: ['a', 'b'], not_in: ['a'], contains: 'x', not_contains: 'x',
      starts_with: 'x', ends_with: 'x', is_known: undefined, is_unknown: undefined, before: '2026-01-31', after: '2026-01-31', within_last: '3d',
    };
    for (const op of FILTER_OPS) {
      const g: GroupNode = { kind: 'group', mode: 'all', children: [{ kind: 'rule', property: 'p', op, value: value[op] }] };
      const rule: Filter = { property: 'p', op };
      if (value[op] !== undefined) rule.value = value[op];
      expect(toFilter(g), op).toEqual({ all: [rule] });
    }
  });

  it('offers the operators the backend allows per type', () => {
    expect(opsFor('number')).toEqual(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'is_known', 'is_unknown']);
    expect(opsFor('bool')).toEqual(['eq', 'neq', 'is_known', 'is_unknown']);
    expect(opsFor('date')).toContain('within_last');
    expect(opsFor('string')).not.toContain('gt');
    expect(opsFor('multi')).not.toContain('starts_with');
    expect(opsFor(undefined)).toEqual(FILTER_OPS);
    for (const t of Object.keys(OPS_BY_TYPE) as PropertyType[]) for (const op of opsFor(t)) expect(FILTER_OPS).toContain(op);
  });

  it('picks a value input per operator and type', () => {
    expect(valueKind('is_known', 'string')).toBe('none');
    expect(valueKind('in', 'number')).toBe('list');
    expect(valueKind('eq', 'number')).toBe('number');
    expect(valueKind('eq', 'bool')).toBe('bool');
    expect(valueKind('eq', 'date')).toBe('date');
    expect(valueKind('before', undefined)).toBe('date');
    expect(valueKind('within_last', 'date')).toBe('duration');
    expect(valueKind('gte', undefined)).toBe('number');
    expect(valueKind('contains', 'multi')).toBe('text');
    expect(valueKind('eq', 'string')).toBe('text');
  });

  it('converts values when the operator changes', () => {
    expect(convertValue('lead', 'list')).toEqual(['lead']);
    expect(convertValue(['lead', 'mql'], 'text')).toBe('lead');
    expect(convertValue('42', 'number')).toBe(42);
    expect(convertValue('x', 'number')).toBeUndefined();
    expect(convertValue('x', 'none')).toBeUndefined();
    expect(convertValue(undefined, 'duration')).toBe('7d');
    expect(convertValue(undefined, 'bool')).toBe(true);
    expect(parseList('1, 2, x', 'number')).toEqual([1, 2, 'x']);
    expect(parseList('lead, ,mql', 'string')).toEqual(['lead', 'mql']);
  });

  it('counts and describes', () => {
    const f: Filter = { any: [{ all: [{ property: 'city', op: 'eq', value: 'Dublin' }, { property: 'lifecycle', op: 'in', value: ['lead', 'mql'] }] }, { property: 'tags', op: 'contains', value: 'vip' }] };
    expect(countRules(f)).toBe(3);
    expect(describeFilter(f)).toBe('(city is Dublin and lifecycle is any of lead, mql) or tags contains vip');
  });
});

describe('workflow goal rules', () => {
  it('round-trip exactly and read as a sentence', () => {
    const f = { all: [{ workflow: 'onboarding', op: 'goal_reached' as const }, { any: [{ workflow: 'trial', op: 'not_goal_reached' as const }, { property: 'city', op: 'eq' as const, value: 'Cork' }] }] };
    expect(toFilter(fromFilter(f))).toEqual(f);
    expect(describeFilter(f)).toBe('reached the goal of onboarding and (has not reached the goal of trial or city is Cork)');
  });

  it('describes list rules in words', () => {
    expect(describeFilter({ all: [{ list: 'vip', op: 'member' as FilterOp }, { list: 'customers', op: 'not_member' as FilterOp }] })).toBe('in list vip and not in list customers');
  });
});

describe('event fields and declared options', () => {
  const props: Property[] = [
    { object: 'contact', name: 'plan', type: 'enum', label: 'Plan', options: ['free', 'pro'] },
    { object: 'contact', name: 'tags', type: 'multi', label: 'Tags', options: ['vip', 'beta'] },
  ];
  it('adds the event fields as typed event.* properties, lists of objects left out', () => {
    const all = withEventFields(props, [
      { path: 'subscriber.watch_pct', type: 'number', description: 'watched' },
      { path: 'created_at', type: 'date', description: 'when' },
      { path: 'items[].sku', type: 'string', description: 'sku' },
    ]);
    expect(all.map((p) => `${p.name}:${p.type}`)).toEqual(['plan:enum', 'tags:multi', 'event.subscriber.watch_pct:number', 'event.created_at:datetime']);
    expect(propertyType(all, 'event.subscriber.watch_pct')).toBe('number');
    expect(opsFor(propertyType(all, 'event.subscriber.watch_pct'))).toContain('gte');
    expect(withEventFields(props, undefined)).toBe(props);
  });
  it('adds the associated types\' properties as company.* pseudo-properties, the record\'s own name winning', () => {
    const own: Property[] = [...props, { object: 'contact', name: 'company.size', type: 'string', label: 'Company size (own)' }];
    const everything: Property[] = [
      ...own,
      { object: 'company', name: 'industry', type: 'enum', label: 'Industry', options: ['software', 'retail'] },
      { object: 'company', name: 'size', type: 'number', label: '' },
      { object: 'deal', name: 'amount', type: 'number', label: 'Amount' },
      { object: 'ticket', name: 'priority', type: 'string', label: 'Priority' },
    ];
    const all = withAssociatedFields(own, everything, ['deal', 'company']);
    expect(all.map((p) => `${p.name}:${p.type}:${p.label}`)).toEqual([
      'plan:enum:Plan', 'tags:multi:Tags', 'company.size:string:Company size (own)',
      'company.industry:enum:Company: Industry', 'deal.amount:number:Deal: Amount',
    ]);
    expect(propertyType(all, 'company.industry')).toBe('enum');
    expect(propertyOptions(all, 'company.industry')).toEqual(['software', 'retail']);
    expect(withAssociatedFields(own, everything, [])).toBe(own);
  });
  it('offers the options of enum and multi properties for the operators that take them', () => {
    expect(propertyOptions(props, 'tags')).toEqual(['vip', 'beta']);
    expect(propertyOptions(props, 'record.plan')).toEqual(['free', 'pro']);
    expect(optionsFor('eq', 'enum')).toBe(true);
    expect(optionsFor('in', 'multi')).toBe(true);
    expect(optionsFor('contains', 'multi')).toBe(true);
    expect(optionsFor('contains', 'enum')).toBe(false);
    expect(optionsFor('eq', 'string')).toBe(false);
  });
});

describe('ruleProblems', () => {
  it('names the chosen operator in the editor\'s words', () => {
    expect(ruleProblems({ all: [{ property: 'score', op: 'gte' }] })).toEqual(['"score is at least" needs a value.']);
    expect(ruleProblems({ any: [{ property: 'lifecycle', op: 'in', value: [] }] })).toEqual(['"lifecycle is any of" needs at least one value.']);
    expect(ruleProblems({ all: [{ property: '', op: 'eq', value: '' }] })).toEqual(['A condition has no property yet.']);
  });
  it('has nothing to say about complete rules, known/unknown, lists and expressions', () => {
    expect(ruleProblems({ all: [{ property: 'score', op: 'gte', value: 10 }, { property: 'city', op: 'is_known' }, { list: 'vip', op: 'member' as never }, { expr: 'record.x > 1' }] })).toEqual([]);
  });
});
