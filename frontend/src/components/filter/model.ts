// The filter editor's model and its exact mapping to the backend Filter JSON. Pure.
import type { Filter, FilterOp, Property, PropertyType, WorkflowOp } from '../../api/types';
import { FILTER_OPS } from '../../api/types';
import type { CatalogueField } from '../../api/templates';
import { filterTypeOf } from '../../lib/catalogue';

export interface RuleNode {
  kind: 'rule';
  property: string;
  op: FilterOp;
  value?: unknown;
}
export interface ExprNode {
  kind: 'expr';
  expr: string;
}
/** A list membership rule: the record is (member) or is not (not_member) in the list. */
export interface ListNode {
  kind: 'list';
  list: string;
  op: 'member' | 'not_member';
}
/** "Has (not) reached the goal of workflow X" (HubSpot's workflow-status criteria). */
export interface WorkflowNode {
  kind: 'workflow';
  workflow: string;
  op: WorkflowOp;
}
export interface GroupNode {
  kind: 'group';
  mode: 'all' | 'any';
  children: FilterNode[];
}
export type FilterNode = RuleNode | ExprNode | ListNode | WorkflowNode | GroupNode;

/** Operators allowed per property type (mirrors backend/condition/check.go). */
export const OPS_BY_TYPE: Record<PropertyType, FilterOp[]> = {
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'is_known', 'is_unknown'],
  string: ['eq', 'neq', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'ends_with', 'is_known', 'is_unknown'],
  enum: ['eq', 'neq', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'ends_with', 'is_known', 'is_unknown'],
  bool: ['eq', 'neq', 'is_known', 'is_unknown'],
  date: ['eq', 'neq', 'before', 'after', 'within_last', 'gt', 'gte', 'lt', 'lte', 'is_known', 'is_unknown'],
  multi: ['eq', 'neq', 'contains', 'not_contains', 'in', 'not_in', 'is_known', 'is_unknown'],
  integer: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'is_known', 'is_unknown'],
  datetime: ['eq', 'neq', 'before', 'after', 'within_last', 'gt', 'gte', 'lt', 'lte', 'is_known', 'is_unknown'],
  email: ['eq', 'neq', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'ends_with', 'is_known', 'is_unknown'],
  phone: ['eq', 'neq', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'ends_with', 'is_known', 'is_unknown'],
  url: ['eq', 'neq', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'ends_with', 'is_known', 'is_unknown'],
};

export const OP_LABELS: Record<FilterOp, string> = {
  eq: 'is', neq: 'is not', gt: 'is greater than', gte: 'is at least', lt: 'is less than', lte: 'is at most',
  in: 'is any of', not_in: 'is none of', contains: 'contains', not_contains: 'does not contain',
  starts_with: 'starts with', ends_with: 'ends with', is_known: 'is known', is_unknown: 'is unknown',
  before: 'is before', after: 'is after', within_last: 'is within the last',
};

/** Operators for a property type; every operator when the type is unknown (event.*, undeclared). */
export function opsFor(type: PropertyType | undefined): FilterOp[] {
  return type ? OPS_BY_TYPE[type] : FILTER_OPS;
}

export type ValueKind = 'none' | 'list' | 'number' | 'bool' | 'date' | 'duration' | 'text';

/** What kind of value input an operator on a property type needs. */
export function valueKind(op: FilterOp, type: PropertyType | undefined): ValueKind {
  switch (op) {
    case 'is_known':
    case 'is_unknown':
      return 'none';
    case 'in':
    case 'not_in':
      return 'list';
    case 'within_last':
      return 'duration';
    case 'before':
    case 'after':
      return 'date';
    case 'contains':
    case 'not_contains':
    case 'starts_with':
    case 'ends_with':
      return 'text';
  }
  if (type === 'number' || type === 'integer') return 'number';
  if (type === 'bool') return 'bool';
  if (type === 'date' || type === 'datetime') return 'date';
  if (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') return 'number';
  return 'text';
}

/** The property's type in the schema (properties of one object), if declared. */
export function propertyType(props: Property[], name: string): PropertyType | undefined {
  const bare = name.startsWith('record.') ? name.slice(7) : name;
  return props.find((p) => p.name === bare)?.type;
}

/** The allowed values of an enum or multi-value property (empty for other types or no options). */
export function propertyOptions(props: Property[], name: string): string[] {
  const bare = name.startsWith('record.') ? name.slice(7) : name;
  const p = props.find((x) => x.name === bare);
  return p?.type === 'enum' || p?.type === 'multi' ? p.options ?? [] : [];
}

/** Whether an operator on a property type takes one or more of the declared options as value. */
export function optionsFor(op: FilterOp, type: PropertyType | undefined): boolean {
  if (type !== 'enum' && type !== 'multi') return false;
  return op === 'eq' || op === 'neq' || op === 'in' || op === 'not_in' || (type === 'multi' && (op === 'contains' || op === 'not_contains'));
}

/**
 * The object's properties followed by an event's fields as pseudo-properties named
 * "event.<path>" (object "event"), so that the property picker offers them and the operator and
 * value inputs follow their types. Fields that are lists of objects ("items[].sku") are left
 * out: a filter reads one value.
 */
export function withEventFields(props: Property[], fields: CatalogueField[] | undefined): Property[] {
  if (!fields?.length) return props;
  const extra: Property[] = fields.filter((f) => !f.path.includes('[]')).map((f) => {
    const type = filterTypeOf(f.type);
    return { object: 'event', name: 'event.' + f.path, type: type ?? 'string', label: f.description || f.path };
  });
  return [...props, ...extra];
}

/**
 * The object's properties followed by those of the record types it may be associated with, as
 * pseudo-properties named "<type>.<property>" ("company.industry"), which every filter reads as
 * the associated records' values (the rule matches when any of them does). A property of the
 * object literally named so wins, as in the backend.
 */
export function withAssociatedFields(props: Property[], all: Property[], types: string[]): Property[] {
  const own = new Set(props.map((p) => p.name));
  const extra: Property[] = [];
  for (const t of [...types].sort()) {
    for (const p of all) {
      const name = `${t}.${p.name}`;
      if (p.object !== t || own.has(name)) continue;
      extra.push({ ...p, name, label: `${t[0].toUpperCase()}${t.slice(1)}: ${p.label || p.name}` });
    }
  }
  return extra.length ? [...props, ...extra] : props;
}

/** A sensible value for an operator, keeping what fits from the previous value. */
export function convertValue(prev: unknown, kind: ValueKind): unknown {
  switch (kind) {
    case 'none':
      return undefined;
    case 'list': {
      if (Array.isArray(prev)) return prev;
      if (prev === undefined || prev === '' || prev === null) return [];
      return [prev];
    }
    case 'number': {
      const one = Array.isArray(prev) ? prev[0] : prev;
      if (typeof one === 'number') return one;
      const n = Number(one);
      return one !== undefined && one !== '' && !Number.isNaN(n) ? n : undefined;
    }
    case 'bool': {
      const one = Array.isArray(prev) ? prev[0] : prev;
      return typeof one === 'boolean' ? one : true;
    }
    case 'duration':
      return typeof prev === 'string' && /^\d/.test(prev) ? prev : '7d';
    default: {
      const one = Array.isArray(prev) ? prev[0] : prev;
      return one === undefined || one === null ? '' : typeof one === 'string' ? one : String(one);
    }
  }
}

/** Parses list text ("lead, mql") into values, as numbers for number properties. */
export function parseList(text: string, type: PropertyType | undefined): unknown[] {
  const parts = text.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (type === 'number' || type === 'integer') return parts.map((x) => (Number.isNaN(Number(x)) ? x : Number(x)));
  return parts;
}

/** Backend Filter JSON -> editor model. The top level is always a group. */
export function fromFilter(f: Filter | undefined): GroupNode {
  if (!f) return { kind: 'group', mode: 'all', children: [] };
  const n = toNode(f);
  return n.kind === 'group' ? n : { kind: 'group', mode: 'all', children: [n] };
}

function toNode(f: Filter): FilterNode {
  if (f.all) return { kind: 'group', mode: 'all', children: f.all.map(toNode) };
  if (f.any) return { kind: 'group', mode: 'any', children: f.any.map(toNode) };
  if (f.expr !== undefined && f.property === undefined) return { kind: 'expr', expr: f.expr };
  if (f.list !== undefined) return { kind: 'list', list: f.list, op: (f.op as string) === 'not_member' ? 'not_member' : 'member' };
  if (f.workflow !== undefined) return { kind: 'workflow', workflow: f.workflow, op: f.op === 'not_goal_reached' ? 'not_goal_reached' : 'goal_reached' };
  const r: RuleNode = { kind: 'rule', property: f.property ?? '', op: (f.op ?? 'eq') as FilterOp };
  if (f.value !== undefined) r.value = f.value;
  return r;
}

/** Editor model -> backend Filter JSON; undefined when the filter is empty. */
export function toFilter(g: GroupNode): Filter | undefined {
  const out = nodeToFilter(g);
  return out;
}

function nodeToFilter(n: FilterNode): Filter | undefined {
  switch (n.kind) {
    case 'expr':
      return { expr: n.expr };
    case 'list':
      return { list: n.list, op: n.op as unknown as FilterOp };
    case 'workflow':
      return { workflow: n.workflow, op: n.op };
    case 'rule': {
      const f: Filter = { property: n.property, op: n.op };
      if (valueKind(n.op, undefined) !== 'none' && n.value !== undefined) f.value = n.value;
      return f;
    }
    case 'group': {
      const kids = n.children.map(nodeToFilter).filter((x): x is Filter => x !== undefined);
      if (kids.length === 0) return undefined;
      return n.mode === 'all' ? { all: kids } : { any: kids };
    }
  }
}

/**
 * The rules of a filter that cannot run yet, in the editor's words ("score is at least" needs a
 * value), checked in the browser at once: the server's check comes after a pause and must not
 * be the only answer while the user is still choosing.
 */
export function ruleProblems(f: Filter | undefined): string[] {
  if (!f) return [];
  if (f.all || f.any) return (f.all ?? f.any)!.flatMap(ruleProblems);
  if (f.expr !== undefined || f.list !== undefined || f.workflow !== undefined) return [];
  if (!f.property) return ['A condition has no property yet.'];
  const op = f.op as FilterOp;
  const said = `"${f.property} ${OP_LABELS[op] ?? op}"`;
  if (valueKind(op, undefined) === 'none') return [];
  if (f.value === undefined || f.value === null) return [`${said} needs a value.`];
  if (Array.isArray(f.value) && f.value.length === 0) return [`${said} needs at least one value.`];
  return [];
}

/** Counts the rules in a filter (the backend allows at most 250). */
export function countRules(f: Filter | undefined): number {
  if (!f) return 0;
  if (f.all) return f.all.reduce((a, x) => a + countRules(x), 0);
  if (f.any) return f.any.reduce((a, x) => a + countRules(x), 0);
  return 1;
}

function valueText(v: unknown): string {
  if (Array.isArray(v)) return v.map(valueText).join(', ');
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  return JSON.stringify(v);
}

/** A short sentence for a filter, for node cards ("watch_pct is at least 50"). */
export function describeFilter(f: Filter | undefined): string {
  if (!f) return 'no conditions';
  if (f.all || f.any) {
    const kids = (f.all ?? f.any)!;
    if (kids.length === 0) return 'no conditions';
    const parts = kids.map((k) => (k.all || k.any ? `(${describeFilter(k)})` : describeFilter(k)));
    return parts.join(f.all ? ' and ' : ' or ');
  }
  if (f.expr !== undefined) return f.expr;
  if (f.workflow !== undefined) return `${f.op === 'not_goal_reached' ? 'has not reached' : 'reached'} the goal of ${f.workflow || '?'}`;
  if (f.list !== undefined) return `${(f.op as string) === 'not_member' ? 'not in' : 'in'} list ${f.list || '?'}`;
  const op = f.op ? OP_LABELS[f.op as FilterOp] ?? f.op : '?';
  const v = valueText(f.value);
  return `${f.property || '?'} ${op}${v ? ' ' + v : ''}`;
}
