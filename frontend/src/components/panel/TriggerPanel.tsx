import { useEffect, useId, useState } from 'react';
import { api } from '../../api';
import type { Definition, HookEndpoint, Problem, Trigger, TriggerType, Unenroll } from '../../api/types';
import { eventFields } from '../../lib/catalogue';
import { EventPicker, useCatalogue, useEventScopes } from '../EventPicker';
import { useEditor, useEditorStore, useObjectProperties } from '../../store/context';
import { FilterEditor } from '../filter/FilterEditor';
import { ListPicker } from '../ListPicker';
import { WorkflowListPicker } from '../WorkflowPicker';
import { ClockField, KeyValueField, useLeave, NumberField, SelectField, TextField, TimezoneField, Toggle } from './fields';

const TYPE_LABEL: Record<TriggerType, string> = { event: 'When an event happens', filter: 'When a record meets criteria', schedule: 'On a schedule', webhook: 'When a webhook arrives', list: 'When a record joins or leaves a list' };
// what each kind of trigger is for, in a marketer's examples (the add buttons' tooltips)
const TYPE_EXAMPLE: Record<TriggerType, string> = {
  event: 'a webinar registration, a payment, a tag added, a survey answered',
  filter: 'a contact whose lifecycle becomes customer, or whose score passes 50',
  schedule: 'every Monday at 09:00, once on a date, or a number of days before a date property',
  webhook: 'a form or another tool posts to one of your webhook endpoints',
  list: 'a contact joins or leaves one of your lists',
};

// The endpoint list, fetched again whenever a webhook trigger form opens.
function useHooks(): { hooks: HookEndpoint[] | null; error: string } {
  const [hooks, setHooks] = useState<HookEndpoint[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    api.listHooks().then((h) => live && setHooks(h), (e) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, []);
  return { hooks, error };
}

function HookPicker({ value, onChange }: { value: string | undefined; onChange(v: string): void }) {
  const { hooks, error } = useHooks();
  const id = useId();
  const known = hooks?.some((h) => h.id === value);
  const cur = hooks?.find((h) => h.id === value);
  return (
    <div className="field">
      <label htmlFor={id}>Incoming webhook</label>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value)} disabled={!hooks && !error}>
        <option value="">{hooks ? (hooks.length ? 'Choose an endpoint…' : 'No endpoints yet') : error ? 'Endpoints could not be loaded' : 'Loading…'}</option>
        {value && hooks && !known && <option value={value}>{value} (not found)</option>}
        {hooks?.map((h) => <option key={h.id} value={h.id}>{h.name}{h.enabled ? '' : ' (disabled)'}</option>)}
      </select>
      <div className="hint">
        {cur && !cur.enabled && <span className="warn-text">This endpoint is disabled{cur.disabled_reason ? `: ${cur.disabled_reason}` : ''}. </span>}
        {value && hooks && !known && <span className="warn-text">No endpoint has the id "{value}". </span>}
        {cur ? <a href={'#/webhooks/' + encodeURIComponent(cur.id)}>Open "{cur.name}"</a> : <a href="#/webhooks">Manage webhooks</a>}
        {error && <span className="warn-text"> {error}</span>}
      </div>
    </div>
  );
}

/** The triggers form: list of triggers, each with its settings, and re-enrollment. */
export function TriggerPanel() {
  const store = useEditorStore();
  const triggers = useEditor((s) => s.definition.triggers);
  const reenroll = useEditor((s) => s.definition.reenroll);
  const problems = useEditor((s) => s.problems);
  const untouched = useEditor((s) => s.untouched);
  const st = store.getState();
  return (
    <div className="panel-inner">
      <header className="panel-head">
        <div className="grow">
          <div className="panel-kicker">Enrollment</div>
          <div className="panel-title static">Triggers</div>
        </div>
        <button type="button" className="icon-btn" title="Close" onClick={() => st.select(null)}>×</button>
      </header>
      <div className="panel-body">
        <div className="hint">A record enrolls when any of these triggers fires.</div>
        {triggers.map((t, i) => (
          <TriggerSection key={i} id={t.id ?? ''} onLeave={() => st.touch(['trigger:' + t.id])}>
            <div className="section-head">
              <strong>{TYPE_LABEL[t.type] ?? t.type}</strong>
              <button type="button" className="icon-btn" title="Remove trigger" onClick={() => st.removeTrigger(i)}>×</button>
            </div>
            <ul className="problems-inline">
              {!untouched['trigger:' + t.id] && problems.filter((p) => p.trigger && p.trigger === t.id).map((p, j) => <li key={j} className={p.severity === 'warning' ? 'warning' : undefined}>{p.message}</li>)}
            </ul>
            <TriggerForm trigger={t} onChange={(patch) => store.getState().updateTrigger(i, patch)} onReplace={(x) => store.getState().replaceTrigger(i, x)} />
          </TriggerSection>
        ))}
        <div className="add-trigger">
          <span>Add a trigger:</span>
          {(Object.keys(TYPE_LABEL) as TriggerType[]).map((type) => (
            <button type="button" key={type} className="btn" title={`${TYPE_LABEL[type]}: ${TYPE_EXAMPLE[type]}`} onClick={() => st.addTrigger(type)}>{type === 'filter' ? 'criteria' : type}</button>
          ))}
        </div>
        <div className="card-section">
          <div className="section-head"><strong>Re-enrollment</strong></div>
          <Toggle label="Let records enroll again" checked={reenroll.enabled} onChange={(v) => st.setReenroll({ ...reenroll, enabled: v })}
            hint="Off: a record enrolls once. On: the ticked triggers may enroll it again (none ticked means all)." />
          {reenroll.enabled && triggers.map((t) => t.id && (
            <label className="check" key={t.id}>
              <input type="checkbox" checked={reenroll.triggers.includes(t.id)}
                onChange={(e) => st.setReenroll({ ...reenroll, triggers: e.target.checked ? [...reenroll.triggers, t.id!] : reenroll.triggers.filter((x) => x !== t.id) })} />
              {t.id}
            </label>
          ))}
          <ul className="problems-inline">
            {problems.filter((p) => !p.step && !p.trigger && p.field?.startsWith('reenroll')).map((p, j) => <li key={j}>{p.message}</li>)}
          </ul>
        </div>
        <GoalAndUnenroll problems={problems} />
      </div>
    </div>
  );
}

/** One trigger's form; leaving it shows its problems (see `untouched` in the editor store). */
function TriggerSection({ id, onLeave, children }: { id: string; onLeave(): void; children: React.ReactNode }) {
  const leave = useLeave(onLeave);
  return <div className="card-section" data-trigger={id} {...leave}>{children}</div>;
}

/** The goal (a record that meets it leaves at once) and the unenrollment rules. */
function GoalAndUnenroll({ problems }: { problems: Problem[] }) {
  const store = useEditorStore();
  const properties = useObjectProperties();
  const goal = useEditor((s) => s.definition.goal);
  const unenroll = useEditor((s) => s.definition.unenroll);
  const object = useEditor((s) => s.definition.object);
  const self = useEditor((s) => s.workflowId) || undefined;
  const setMeta = (patch: Partial<Pick<Definition, 'goal' | 'unenroll'>>) => store.getState().setMeta(patch);
  const setUnenroll = (patch: Partial<Unenroll>) => {
    const u: Unenroll = { ...unenroll, ...patch };
    if (!u.when_criteria_no_longer_met) delete u.when_criteria_no_longer_met;
    if (!u.filter) delete u.filter;
    if (!u.on_enroll_remove_from?.length) delete u.on_enroll_remove_from;
    setMeta({ unenroll: Object.keys(u).length ? u : undefined });
  };
  const listed = (prefix: string) => problems.filter((p) => !p.step && !p.trigger && p.field?.startsWith(prefix)).map((p, j) => <li key={j}>{p.message}</li>);
  return (
    <>
      <div className="card-section" data-testid="goal-section">
        <div className="section-head"><strong>Goal</strong></div>
        <Toggle label="Set a goal" checked={!!goal} onChange={(on) => setMeta({ goal: on ? { all: [] } : undefined })}
          hint="A record that meets the goal leaves the workflow at once, wherever it is (its enrollment ends as goal reached), and a record that meets it already is not enrolled." />
        {goal && <FilterEditor object={object} value={goal} properties={properties} onChange={(f) => setMeta({ goal: f ?? { all: [] } })} />}
        <ul className="problems-inline">{listed('goal')}</ul>
      </div>
      <div className="card-section" data-testid="unenroll-section">
        <div className="section-head"><strong>Unenrollment</strong></div>
        <Toggle label="Unenroll records that no longer meet the criteria" checked={!!unenroll?.when_criteria_no_longer_met}
          onChange={(v) => setUnenroll({ when_criteria_no_longer_met: v })} hint="For records a criteria trigger enrolled: they leave once they stop meeting its filter." />
        <Toggle label="Unenroll records that meet a filter" checked={!!unenroll?.filter} onChange={(v) => setUnenroll({ filter: v ? { all: [] } : undefined })} />
        {unenroll?.filter && <FilterEditor object={object} value={unenroll.filter} properties={properties} onChange={(f) => setUnenroll({ filter: f ?? { all: [] } })} />}
        <WorkflowListPicker label="When they enroll here, remove them from" value={unenroll?.on_enroll_remove_from ?? []} object={object} self={self}
          onChange={(ids) => setUnenroll({ on_enroll_remove_from: ids })} />
        <ul className="problems-inline">{listed('unenroll')}</ul>
      </div>
    </>
  );
}

// WebinarGeek's viewer events, which take a minimum watch percentage (as the engine validates).
const WATCH_PCT_EVENTS = ['webinar.viewer', 'webinar.live_viewer', 'webinar.replay_viewer'];

function TriggerForm({ trigger: t, onChange, onReplace }: { trigger: Trigger; onChange(p: Partial<Trigger>): void; onReplace(t: Trigger): void }) {
  const properties = useObjectProperties();
  const dateProps = properties.filter((p) => p.type === 'date');
  const scheduleKind = t.date_property !== undefined ? 'date' : t.at !== undefined ? 'at' : 'cron';
  const catalogue = useCatalogue();
  const object = useEditor((s) => s.definition.object);
  const scopes = useEventScopes(t.type === 'event' ? t.event : undefined);
  return (
    <>
      <TextField label="Trigger id" value={t.id} onChange={(v) => onChange({ id: v })} hint="Used by re-enrollment and the diagnose view." />
      {t.type === 'event' && (
        <>
          <EventPicker label="Event type" value={t.event} onChange={(v) => onChange({ event: v })} />
          {t.event !== 'webinar.channel_lead' ? (
            <KeyValueField label="Only in scope" value={t.scope} keyLabel="Scope key" valueLabel="Value" onChange={(v) => onChange({ scope: v })} suggest={scopes}
              hint={scopes.keys.length ? 'Pick a webinar, funnel… seen in stored events, or type one. Leave empty for account-wide.' : 'E.g. webinar = 54072. Leave empty for account-wide.'} />
          ) : <p className="hint">Channel leads are account-wide: they belong to the channel, not to one webinar.</p>}
          {WATCH_PCT_EVENTS.includes(t.event ?? '') && (
            <NumberField label="Minimum watch percentage" value={t.min_watch_pct} step={1} onChange={(v) => onChange({ min_watch_pct: v })}
              hint="Only viewers who watched at least this much (1–100). A replay by someone who watched live does not count again." />
          )}
          {t.event === 'webinar.non_viewer' && (
            <NumberField label="Also viewers below (%)" value={t.max_watch_pct} step={1} onChange={(v) => onChange({ max_watch_pct: v })}
              hint="Viewers who watched less than this percentage count as non-viewers too. Leave empty for true non-viewers only." />
          )}
          {!t.scope && (
            <div className="field">
              <label>Switched off for scopes</label>
              {(t.exclude_scopes ?? []).map((sc, i) => (
                <KeyValueField key={i} label={`Excluded scope ${i + 1}`} value={sc} suggest={scopes} onChange={(v) => {
                  const list = (t.exclude_scopes ?? []).map((x, j) => (j === i ? v ?? {} : x)).filter((x) => Object.keys(x).length);
                  onChange({ exclude_scopes: list.length ? list : undefined });
                }} />
              ))}
              <button type="button" className="link-btn" onClick={() => onChange({ exclude_scopes: [...(t.exclude_scopes ?? []), { key: '' }] })}>+ Exclude a scope</button>
            </div>
          )}
          <div className="field">
            <label>And only when</label>
            <FilterEditor object={object} value={t.filter} properties={properties} allowEvent eventFields={eventFields(catalogue.events, t.event)} onChange={(f) => onChange({ filter: f })} />
          </div>
        </>
      )}
      {t.type === 'filter' && (
        <>
          <div className="field">
            <label>Records that meet</label>
            <FilterEditor object={object} value={t.filter} properties={properties} onChange={(f) => onChange({ filter: f ?? { all: [] } })} />
          </div>
          <Toggle label="Also enroll records that already match when the workflow is turned on" checked={!!t.enroll_existing} onChange={(v) => onChange({ enroll_existing: v || undefined })} />
        </>
      )}
      {t.type === 'schedule' && (
        <>
          <SelectField label="Runs" value={scheduleKind} options={[{ value: 'cron', label: 'Repeatedly (cron)' }, { value: 'at', label: 'Once, at a date and time' }, { value: 'date', label: 'Relative to a date property' }]}
            onChange={(v) => {
              const base: Trigger = { id: t.id, type: 'schedule', filter: t.filter, timezone: t.timezone };
              if (v === 'cron') onReplace({ ...base, cron: '0 9 * * MON' });
              if (v === 'at') onReplace({ ...base, at: '' });
              if (v === 'date') onReplace({ ...base, date_property: dateProps[0]?.name ?? '', offset: '-3d', time: '09:00' });
            }} />
          {scheduleKind === 'cron' && <TextField label="Cron" value={t.cron} placeholder="0 9 * * MON" onChange={(v) => onChange({ cron: v })} hint="minute hour day-of-month month day-of-week; 0 9 * * MON is Mondays at 09:00." />}
          {scheduleKind === 'at' && <TextField label="At (RFC 3339)" value={t.at} placeholder="2026-05-01T09:00:00+02:00" onChange={(v) => onChange({ at: v })} />}
          {scheduleKind === 'date' && (
            <>
              <SelectField label="Date property" value={t.date_property || undefined} options={dateProps.map((p) => ({ value: p.name, label: p.label || p.name }))} onChange={(v) => onChange({ date_property: v })} />
              <TextField label="Offset" value={t.offset} placeholder="-3d" onChange={(v) => onChange({ offset: v })} hint="-3d is three days before, 0d on the day, 2h two hours after." />
              <ClockField label="Time (24-hour clock)" value={t.time} onChange={(v) => onChange({ time: v })} />
            </>
          )}
          {scheduleKind !== 'at' && <TimezoneField label="Time zone" value={t.timezone} onChange={(v) => onChange({ timezone: v })} />}
          <div className="field">
            <label>Pick records that meet</label>
            <FilterEditor object={object} value={t.filter} properties={properties} onChange={(f) => onChange({ filter: f })} />
          </div>
        </>
      )}
      {t.type === 'list' && (
        <>
          <ListPicker label="List" value={t.list} object={object} onChange={(v) => onChange({ list: v || undefined })} />
          <SelectField label="Enroll when a record" value={t.on} options={[{ value: 'join', label: 'joins the list' }, { value: 'leave', label: 'leaves the list' }]}
            onChange={(v) => onChange({ on: v })} hint="However it happens: a step, by hand, a CSV import, or a change that makes it meet an active list's filter." />
          <div className="field">
            <label>And only when</label>
            <FilterEditor object={object} value={t.filter} properties={properties} onChange={(f) => onChange({ filter: f })} />
          </div>
        </>
      )}
      {t.type === 'webhook' && (
        <>
          <HookPicker value={t.hook} onChange={(v) => onChange({ hook: v || undefined })} />
          <div className="field">
            <label>And only when</label>
            <FilterEditor object={object} value={t.filter} properties={properties} allowEvent onChange={(f) => onChange({ filter: f })} />
          </div>
        </>
      )}
    </>
  );
}
