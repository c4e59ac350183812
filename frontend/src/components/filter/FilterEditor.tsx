// The filter editor: AND/OR groups (nested), rules with a property picker, an operator limited
// by the property's type and a value input by type. Reads and writes backend Filter JSON.
import { useEffect, useId, useMemo, useState } from 'react';
import { api } from '../../api';
import type { CatalogueField } from '../../api/templates';
import type { Filter, FilterOp, Property, WorkflowSummary } from '../../api/types';
import {
  OP_LABELS, convertValue, fromFilter, optionsFor, opsFor, parseList, propertyOptions, propertyType, toFilter, valueKind, withAssociatedFields, withEventFields,
  type FilterNode, type GroupNode, type ListNode, type RuleNode, type WorkflowNode,
} from './model';
import { useLists } from '../ListPicker';

interface Props {
  value: Filter | undefined;
  onChange(f: Filter | undefined): void;
  properties: Property[];
  /** Offer event.* fields (event and webhook triggers, branches, wait-for-event). */
  allowEvent?: boolean;
  /** The chosen event's fields (catalogue and stored payloads), offered as event.<path> with their types. */
  eventFields?: CatalogueField[];
  /** How deep groups may nest (1 = one level of sub-groups). */
  maxDepth?: number;
  /** Offer list membership rules (not in an active list's own filter). */
  allowLists?: boolean;
  /** The record type filtered: its associated types' properties are offered as "company.industry". */
  object?: string;
}

export function FilterEditor({ value, onChange, properties: objectProps, allowEvent, eventFields, maxDepth = 2, allowLists = true, object }: Props) {
  const schema = useAssociationSchema(object);
  const properties = useMemo(
    () => withEventFields(schema ? withAssociatedFields(objectProps, schema.properties, schema.types) : objectProps, allowEvent ? eventFields : undefined),
    [objectProps, schema, allowEvent, eventFields]);
  // Keep the model locally so empty rules survive while being filled in; re-read when the
  // filter changes from outside (undo, another step selected).
  const [model, setModel] = useState<GroupNode>(() => fromFilter(value));
  const [lastOut, setLastOut] = useState<string>(JSON.stringify(value ?? null));
  const incoming = JSON.stringify(value ?? null);
  if (incoming !== lastOut) {
    setLastOut(incoming);
    setModel(fromFilter(value));
  }
  const listId = useId();
  const update = (g: GroupNode) => {
    setModel(g);
    const out = toFilter(g);
    setLastOut(JSON.stringify(out ?? null));
    onChange(out);
  };
  return (
    <div className="filter-editor">
      <datalist id={listId}>
        {properties.map((p) => <option key={p.name} value={p.name}>{p.object === 'event' ? 'Event: ' : ''}{p.label || p.name} ({p.type})</option>)}
        {allowEvent && <option value="event.">another event field</option>}
      </datalist>
      <GroupView group={model} onChange={update} properties={properties} listId={listId} depth={0} maxDepth={maxDepth} allowEvent={allowEvent} allowLists={allowLists} />
    </div>
  );
}

function GroupView(props: { group: GroupNode; onChange(g: GroupNode): void; onRemove?(): void; properties: Property[]; listId: string; depth: number; maxDepth: number; allowEvent?: boolean; allowLists?: boolean }) {
  const { group, onChange } = props;
  const setChild = (i: number, n: FilterNode | null) => {
    const children = n === null ? group.children.filter((_, j) => j !== i) : group.children.map((c, j) => (j === i ? n : c));
    onChange({ ...group, children });
  };
  const add = (n: FilterNode) => onChange({ ...group, children: [...group.children, n] });
  const joiner = group.mode === 'all' ? 'and' : 'or';
  return (
    <div className={`filter-group depth-${props.depth}`}>
      <div className="filter-group-head">
        <select aria-label="Match" value={group.mode} onChange={(e) => onChange({ ...group, mode: e.target.value as 'all' | 'any' })}>
          <option value="all">All of these match (AND)</option>
          <option value="any">Any of these match (OR)</option>
        </select>
        {props.onRemove && <button type="button" className="icon-btn" title="Remove group" onClick={props.onRemove}>×</button>}
      </div>
      {group.children.length === 0 && <div className="hint">No conditions yet.</div>}
      {group.children.map((c, i) => (
        <div key={i} className="filter-item">
          {i > 0 && <div className="joiner">{joiner}</div>}
          {c.kind === 'group' ? (
            <GroupView {...props} group={c} depth={props.depth + 1} onChange={(g) => setChild(i, g)} onRemove={() => setChild(i, null)} />
          ) : c.kind === 'list' ? (
            <ListRuleView rule={c} onChange={(r) => setChild(i, r)} onRemove={() => setChild(i, null)} />
          ) : c.kind === 'workflow' ? (
            <div className="filter-rule" data-testid="workflow-rule">
              <select className="op" aria-label="Goal" value={c.op} onChange={(e) => setChild(i, { ...c, op: e.target.value as WorkflowNode['op'] })}>
                <option value="goal_reached">has reached the goal of</option>
                <option value="not_goal_reached">has not reached the goal of</option>
              </select>
              <WorkflowSelect value={c.workflow} onChange={(w) => setChild(i, { ...c, workflow: w })} />
              <button type="button" className="icon-btn" title="Remove" onClick={() => setChild(i, null)}>×</button>
            </div>
          ) : c.kind === 'expr' ? (
            <div className="filter-rule">
              <input className="grow mono" aria-label="Expression" value={c.expr} placeholder="record.age > 30" onChange={(e) => setChild(i, { kind: 'expr', expr: e.target.value })} />
              <button type="button" className="icon-btn" title="Remove" onClick={() => setChild(i, null)}>×</button>
            </div>
          ) : (
            <RuleView rule={c} properties={props.properties} listId={props.listId} onChange={(r) => setChild(i, r)} onRemove={() => setChild(i, null)} />
          )}
        </div>
      ))}
      <div className="filter-actions">
        <button type="button" className="link-btn" onClick={() => add({ kind: 'rule', property: '', op: 'eq', value: '' })}>+ Condition</button>
        {props.depth < props.maxDepth - 1 && (
          <button type="button" className="link-btn" onClick={() => add({ kind: 'group', mode: group.mode === 'all' ? 'any' : 'all', children: [{ kind: 'rule', property: '', op: 'eq', value: '' }] })}>
            + Group
          </button>
        )}
        {props.allowLists && <button type="button" className="link-btn" onClick={() => add({ kind: 'list', list: '', op: 'member' })}>+ List membership</button>}
        {props.allowLists && <button type="button" className="link-btn" onClick={() => add({ kind: 'workflow', workflow: '', op: 'goal_reached' })}>+ Workflow goal</button>}
        <button type="button" className="link-btn" onClick={() => add({ kind: 'expr', expr: '' })}>+ Expression</button>
      </div>
    </div>
  );
}

// The association pairs and every type's properties, fetched once per page load, for the
// associated properties a filter may read ("company.industry").
let associationPromise: Promise<{ pairs: { from: string; to: string }[]; properties: Property[] }> | null = null;

function useAssociationSchema(object: string | undefined): { types: string[]; properties: Property[] } | null {
  const [data, setData] = useState<{ pairs: { from: string; to: string }[]; properties: Property[] } | null>(null);
  useEffect(() => {
    if (!object) return;
    let live = true;
    associationPromise ??= Promise.all([api.listAssociationTypes(), api.listProperties()])
      .then(([pairs, properties]) => ({ pairs, properties }))
      .catch(() => {
        associationPromise = null;
        return { pairs: [], properties: [] };
      });
    associationPromise.then((d) => live && setData(d));
    return () => {
      live = false;
    };
  }, [object]);
  return useMemo(() => {
    if (!object || !data) return null;
    const types = data.pairs.filter((p) => p.from === object).map((p) => p.to);
    return types.length ? { types, properties: data.properties } : null;
  }, [object, data]);
}

// The workflows, fetched once per page load, for "has reached the goal of workflow X".
let workflowsPromise: Promise<WorkflowSummary[]> | null = null;

function useWorkflowSummaries(): WorkflowSummary[] {
  const [wfs, setWfs] = useState<WorkflowSummary[]>([]);
  useEffect(() => {
    let live = true;
    workflowsPromise ??= api.listWorkflows().catch(() => {
      workflowsPromise = null;
      return [];
    });
    workflowsPromise.then((w) => live && setWfs(w));
    return () => {
      live = false;
    };
  }, []);
  return wfs;
}

/** Picks a workflow by name (its id is what the rule stores); a stored id that is gone stays visible. */
function WorkflowSelect({ value, onChange }: { value: string; onChange(id: string): void }) {
  const wfs = useWorkflowSummaries();
  const known = wfs.some((w) => w.id === value);
  return (
    <select className="value" aria-label="Workflow" value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">choose a workflow…</option>
      {value && !known && <option value={value}>{value} (not found)</option>}
      {wfs.map((w) => <option key={w.id} value={w.id}>{w.name}{w.enabled ? '' : ' (off)'}</option>)}
    </select>
  );
}

function ListRuleView({ rule, onChange, onRemove }: { rule: ListNode; onChange(r: ListNode): void; onRemove(): void }) {
  const lists = useLists();
  const known = lists.some((l) => l.id === rule.list);
  return (
    <div className="filter-rule">
      <span className="prop">Record</span>
      <select className="op" aria-label="Membership" value={rule.op} onChange={(e) => onChange({ ...rule, op: e.target.value as ListNode['op'] })}>
        <option value="member">is in list</option>
        <option value="not_member">is not in list</option>
      </select>
      <select className="value" aria-label="List" value={rule.list} onChange={(e) => onChange({ ...rule, list: e.target.value })}>
        <option value="">choose a list…</option>
        {rule.list && !known && <option value={rule.list}>{rule.list} (not found)</option>}
        {lists.map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
      </select>
      <button type="button" className="icon-btn" title="Remove condition" onClick={onRemove}>×</button>
    </div>
  );
}

function RuleView({ rule, properties, listId, onChange, onRemove }: { rule: RuleNode; properties: Property[]; listId: string; onChange(r: RuleNode): void; onRemove(): void }) {
  const type = propertyType(properties, rule.property);
  const ops = opsFor(type);
  const kind = valueKind(rule.op, type);
  const setProperty = (p: string) => {
    const t = propertyType(properties, p);
    const allowed = opsFor(t);
    const op = allowed.includes(rule.op) ? rule.op : allowed[0];
    onChange({ ...rule, property: p, op, value: convertValue(rule.value, valueKind(op, t)) });
  };
  const setOp = (op: FilterOp) => onChange({ ...rule, op, value: convertValue(rule.value, valueKind(op, type)) });
  return (
    <div className="filter-rule">
      <input className="prop" aria-label="Property" list={listId} value={rule.property} placeholder="property" onChange={(e) => setProperty(e.target.value)} />
      <select className="op" aria-label="Operator" value={rule.op} onChange={(e) => setOp(e.target.value as FilterOp)}>
        {!ops.includes(rule.op) && <option value={rule.op}>{OP_LABELS[rule.op] ?? rule.op} (not for this type)</option>}
        {ops.map((op) => <option key={op} value={op}>{OP_LABELS[op]}</option>)}
      </select>
      <ValueInput kind={kind} value={rule.value} type={type} options={optionsFor(rule.op, type) ? propertyOptions(properties, rule.property) : []} onChange={(v) => onChange({ ...rule, value: v })} />
      <button type="button" className="icon-btn" title="Remove condition" onClick={onRemove}>×</button>
      {optionsFor(rule.op, type) && propertyOptions(properties, rule.property).length === 0 && (
        <div className="hint rule-hint" data-testid="no-options-hint">
          {rule.property} is a choice property without declared options, so its value is typed. <a href="#/properties">Add its options in Properties</a> to pick from them here.
        </div>
      )}
    </div>
  );
}

function ValueInput({ kind, value, type, options, onChange }: { kind: ReturnType<typeof valueKind>; value: unknown; type: ReturnType<typeof propertyType>; options: string[]; onChange(v: unknown): void }) {
  const listText = useMemo(() => (Array.isArray(value) ? value.join(', ') : ''), [value]);
  const [draft, setDraft] = useState(listText);
  const [seen, setSeen] = useState(listText);
  if (listText !== seen) {
    setSeen(listText);
    if (parseList(draft, type).join(', ') !== listText) setDraft(listText);
  }
  switch (kind) {
    case 'none':
      return <span className="value none" />;
    case 'list':
      if (options.length > 0) {
        // Declared options: pick several (a stored value that is not one of them is kept).
        const cur = Array.isArray(value) ? value.map(String) : [];
        return (
          <select className="value" aria-label="Values" multiple size={Math.min(4, options.length + cur.filter((c) => !options.includes(c)).length)} value={cur}
            onChange={(e) => onChange([...e.target.selectedOptions].map((o) => o.value))}>
            {cur.filter((c) => !options.includes(c)).map((c) => <option key={c} value={c}>{c} (not an option)</option>)}
            {options.map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
        );
      }
      return <input className="value" aria-label="Values" placeholder="a, b, c" value={draft} onChange={(e) => { setDraft(e.target.value); onChange(parseList(e.target.value, type)); }} />;
    case 'number':
      return <input className="value" aria-label="Value" type="number" value={typeof value === 'number' ? value : ''} onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))} />;
    case 'bool':
      return (
        <select className="value" aria-label="Value" value={String(value === true)} onChange={(e) => onChange(e.target.value === 'true')}>
          <option value="true">yes</option>
          <option value="false">no</option>
        </select>
      );
    case 'date':
      return <input className="value" aria-label="Date" type="date" value={typeof value === 'string' ? value.slice(0, 10) : ''} onChange={(e) => onChange(e.target.value)} />;
    case 'duration':
      return <input className="value" aria-label="Length" placeholder="7d" value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value)} />;
    default:
      if (options.length > 0) {
        // An enum's declared options: a select, keeping a stored value that is not one of them.
        const cur = value === undefined || value === null ? '' : String(value);
        return (
          <select className="value" aria-label="Value" value={cur} onChange={(e) => onChange(e.target.value)}>
            <option value="">choose…</option>
            {cur !== '' && !options.includes(cur) && <option value={cur}>{cur} (not an option)</option>}
            {options.map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
        );
      }
      return <input className="value" aria-label="Value" value={value === undefined || value === null ? '' : String(value)} onChange={(e) => onChange(e.target.value)} />;
  }
}
