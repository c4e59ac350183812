// The workflow picker (an enroll step's target; any place that names another workflow): search by
// name or id, each workflow marked On or Off, only workflows of the given object type, never the
// workflow being edited.
import { useEffect, useState } from 'react';
import { api } from '../api';
import type { WorkflowSummary } from '../api/types';
import { workflowChoices } from '../lib/workflow-list';
import { Combobox } from './Combobox';

let cached: { at: number; p: Promise<WorkflowSummary[]> } | null = null;

/** The workflow list, fetched at most every 10 s (pickers open and close often). */
export function useWorkflowSummaries(): WorkflowSummary[] | null {
  const [rows, setRows] = useState<WorkflowSummary[] | null>(null);
  useEffect(() => {
    let live = true;
    if (!cached || Date.now() - cached.at > 10_000) {
      const p = api.listWorkflows().catch(() => {
        cached = null;
        return [] as WorkflowSummary[];
      });
      cached = { at: Date.now(), p };
    }
    cached.p.then((r) => live && setRows(r));
    return () => {
      live = false;
    };
  }, []);
  return rows;
}

interface Props {
  label: string;
  /** The picked workflow's id. */
  value: string | undefined;
  onChange(id: string): void;
  /** Only workflows of this object type. */
  object?: string;
  /** The workflow being edited: never offered, and refused when typed. */
  self?: string;
}

export function WorkflowPicker({ label, value, onChange, object, self }: Props) {
  const rows = useWorkflowSummaries();
  const picked = rows?.find((w) => w.id === value);
  let problem = '';
  if (value && self && value === self) problem = 'This is the workflow you are editing: a workflow cannot enroll a record in itself. Pick another one.';
  else if (value && rows && !picked) problem = `No workflow has the id "${value}". Pick one from the list.`;
  else if (value && picked && object && picked.object !== object) problem = `"${picked.name}" works on ${picked.object} records, not ${object} records. Pick a ${object} workflow.`;
  return (
    <div className="workflow-picker">
      <Combobox label={label} value={value} onChange={onChange} listLabel="Workflows" placeholder="Search workflows by name…"
        groups={(q) => {
          const choices = workflowChoices(rows ?? [], { object, self, query: q });
          return choices.length ? [{ label: object ? `${object[0].toUpperCase()}${object.slice(1)} workflows` : 'Workflows',
            options: choices.map((c) => ({ value: c.id, label: c.name, detail: c.id, badge: c.enabled ? 'On' : 'Off', badgeTitle: c.enabled ? 'Switched on' : 'Switched off: a record sent to it is not enrolled until it is on' })) }] : [];
        }}
        empty={(q) => (rows === null ? 'Loading workflows…' : q ? `No ${object ?? ''} workflow matches “${q}”.` : `There is no other ${object ?? ''} workflow yet.`)} />
      {picked && !problem && (
        <div className="hint" data-testid="picked-workflow">
          {picked.name} · <span className={picked.enabled ? 'ok-text' : 'muted'}>{picked.enabled ? 'On' : 'Off'}</span> · <a href={'#/workflows/' + encodeURIComponent(picked.id)}>open</a>
          {!picked.enabled && <div>It is off: while it stays off, a record that reaches this step is not enrolled and the step fails. Switch it on before this workflow runs.</div>}
        </div>
      )}
      {problem && <div className="hint"><span className="error" role="alert">{problem}</span></div>}
    </div>
  );
}

interface ListProps {
  label: string;
  /** The picked workflows' ids, in the order picked. */
  value: string[];
  onChange(ids: string[]): void;
  object?: string;
  self?: string;
}

/**
 * Several workflows (unenrollment's "remove them from"): each picked one shown by name with a
 * remove button, and a search to add another (not the workflow being edited, not one picked).
 */
export function WorkflowListPicker({ label, value, onChange, object, self }: ListProps) {
  const rows = useWorkflowSummaries();
  const [typed, setTyped] = useState('');
  const known = (id: string) => rows?.find((w) => w.id === id);
  const add = (v: string) => {
    if (known(v) && v !== self && !value.includes(v)) {
      onChange([...value, v]);
      setTyped('');
    } else setTyped(v);
  };
  return (
    <div className="workflow-list-picker" data-testid="workflow-list-picker">
      {value.length > 0 && (
        <ul className="picked-workflows" aria-label={label}>
          {value.map((id) => {
            const w = known(id);
            return (
              <li key={id} data-workflow={id}>
                {w ? w.name : <span className="error">{rows ? `${id} (no such workflow: remove it)` : id}</span>}
                <button type="button" className="icon-btn" aria-label={`Remove ${w?.name ?? id}`} title="Remove" onClick={() => onChange(value.filter((x) => x !== id))}>×</button>
              </li>
            );
          })}
        </ul>
      )}
      <Combobox label={label} value={typed} onChange={add} listLabel="Workflows" placeholder="Search workflows by name…"
        groups={(q) => {
          const choices = workflowChoices(rows ?? [], { object, self, query: q }).filter((c) => !value.includes(c.id));
          return choices.length ? [{ label: 'Workflows', options: choices.map((c) => ({ value: c.id, label: c.name, detail: c.id, badge: c.enabled ? 'On' : 'Off' })) }] : [];
        }}
        empty={(q) => (rows === null ? 'Loading workflows…' : q ? `No ${object ?? ''} workflow matches “${q}”.` : 'No other workflow to pick.')} />
    </div>
  );
}
