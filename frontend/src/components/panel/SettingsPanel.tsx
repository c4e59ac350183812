import { useEditor, useEditorStore } from '../../store/context';
import { NumberField, SelectField, TextArea, TextField, TimezoneField } from './fields';

/** Workflow-level settings: name, description, object type, time zone, step budget. */
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
      </div>
    </div>
  );
}
