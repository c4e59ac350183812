import { useEditor, useEditorStore } from '../../store/context';
import type { ExecutionWindow } from '../../api/types';
import { DEFAULT_WINDOW, HELD_STEP_TYPES, WEEKDAYS, overnight } from '../../lib/window';
import { nodeConfig } from '../../nodes';
import { ListPicker, useLists } from '../ListPicker';
import { ClockField, NumberField, SelectField, TextArea, TextField, TimezoneField, Toggle } from './fields';

/** Workflow-level settings: name, description, object type, time zone, step budget, business hours. */
export function SettingsPanel() {
  const store = useEditorStore();
  const def = useEditor((s) => s.definition);
  const isNew = useEditor((s) => s.workflowId === null);
  const objects = useEditor((s) => s.schema?.objects ?? ['company', 'contact', 'deal', 'ticket']);
  const set = store.getState().setMeta;
  return (
    <div className="panel-inner">
      <header className="panel-head">
        <div className="grow">
          <div className="panel-kicker">Workflow</div>
          <div className="panel-title static">Settings</div>
        </div>
        <button type="button" className="icon-btn" title="Close" onClick={() => store.getState().select(null)}>×</button>
      </header>
      <div className="panel-body">
        <TextField label="Name" value={def.name} onChange={(v) => set({ name: v })} />
        {isNew && <TextField label="Id" value={def.id} placeholder="Made from the name" onChange={(v) => set({ id: v.toLowerCase() })}
          hint="Leave it empty to make it from the name when you first save (like webinar-follow-up; a number is added when that is taken). Lowercase letters, digits, - and _. It cannot change after the first save." />}
        <TextArea label="Description" rows={3} value={def.description} onChange={(v) => set({ description: v || undefined })} />
        <SelectField label="Object" value={def.object} options={objects.map((o) => ({ value: o, label: o }))} onChange={(v) => set({ object: v })} />
        <TimezoneField label="Time zone" value={def.timezone} onChange={(v) => set({ timezone: v })} hint="Default zone for schedules and delays (UTC when empty)." />
        <NumberField label="Step budget per enrollment" value={def.max_steps} onChange={(v) => set({ max_steps: v || undefined })} hint="Guards go-to loops. Empty means 1000." />
        <BusinessHours value={def.execution_window} onChange={(w) => set({ execution_window: w })} />
        <Suppression value={def.suppress ?? []} object={def.object} onChange={(v) => set({ suppress: v.length ? v : undefined })} />
      </div>
    </div>
  );
}

/** The execution window: off, or days and hours in a zone. */
function BusinessHours({ value, onChange }: { value: ExecutionWindow | undefined; onChange(w: ExecutionWindow | undefined): void }) {
  const held = HELD_STEP_TYPES.map((t) => nodeConfig(t).label.toLowerCase()).join(', ');
  return (
    <fieldset className="field-group" data-testid="business-hours">
      <legend>Business hours</legend>
      <Toggle label="Only send during business hours" checked={!!value} onChange={(on) => onChange(on ? { ...DEFAULT_WINDOW } : undefined)}
        hint={`Steps that reach people or other systems (${held}) wait for the next opening when a record gets to them outside these hours, spread over its first 15 minutes. Delays, branches and record changes go on.`} />
      {value && (
        <>
          <div className="field">
            <label>On</label>
            <div className="weekdays">
              {WEEKDAYS.map((d) => (
                <label key={d} className={value.days.includes(d) ? 'day on' : 'day'}>
                  <input type="checkbox" checked={value.days.includes(d)}
                    onChange={(e) => onChange({ ...value, days: e.target.checked ? WEEKDAYS.filter((x) => x === d || value.days.includes(x)) : value.days.filter((x) => x !== d) })} />
                  {d[0].toUpperCase() + d.slice(1)}
                </label>
              ))}
            </div>
          </div>
          <ClockField label="From (24-hour clock)" value={value.from} onChange={(v) => onChange({ ...value, from: v })} />
          <ClockField label="To" value={value.to} onChange={(v) => onChange({ ...value, to: v })} />
          {overnight(value) && <div className="hint" data-testid="overnight-hint">Runs over midnight: each listed day from {value.from} to {value.to} the next morning.</div>}
          <TimezoneField label="Time zone of the hours" value={value.timezone} onChange={(v) => onChange({ ...value, timezone: v || undefined })} hint="Empty: the workflow's time zone." />
        </>
      )}
    </fieldset>
  );
}

/** Suppression lists: members are never enrolled, and leave when they join one. */
function Suppression({ value, object, onChange }: { value: string[]; object: string; onChange(v: string[]): void }) {
  const lists = useLists();
  const name = (id: string) => lists.find((l) => l.id === id)?.name ?? id;
  return (
    <fieldset className="field-group" data-testid="suppression">
      <legend>Suppression lists</legend>
      <div className="hint">Members of these lists are never enrolled, and leave the workflow when they join one.</div>
      {value.map((id) => (
        <div className="chip" key={id}>
          <a href={'#/lists/' + encodeURIComponent(id)}>{name(id)}</a>
          <button type="button" className="icon-btn" aria-label={`Stop suppressing ${name(id)}`} onClick={() => onChange(value.filter((x) => x !== id))}>×</button>
        </div>
      ))}
      <ListPicker label="Add a suppression list" value="" object={object} onChange={(id) => id && !value.includes(id) && onChange([...value, id])} />
    </fieldset>
  );
}
