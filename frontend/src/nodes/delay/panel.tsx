import type { PanelProps } from '../types';
import { stepTitle } from '..';
import { ClockField, DurationField, TimezoneField } from '../../components/panel/fields';
import { EventPicker, useCatalogue } from '../../components/EventPicker';
import { eventFields } from '../../lib/catalogue';
import { FilterEditor } from '../../components/filter/FilterEditor';
import { useEditor, useObjectProperties } from '../../store/context';
import { delayMode, type DelayMode } from './default';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export function DelayPanel({ step, update }: PanelProps) {
  const mode = delayMode(step);
  const properties = useObjectProperties();
  const object = useEditor((s) => s.definition.object);
  const steps = useEditor((s) => s.definition.steps);
  const catalogue = useCatalogue();
  const setMode = (m: DelayMode) => {
    if (m === mode) return;
    if (m === 'duration') update({ duration: '1d', until: undefined, event: undefined });
    if (m === 'until') update({ duration: undefined, until: { weekdays: ['tue'], time: '11:00' }, event: undefined });
    if (m === 'event') update({ duration: undefined, until: undefined, event: { type: '', timeout: '3d' } });
  };
  return (
    <>
      <div className="segmented" role="tablist" aria-label="Wait for">
        {(['duration', 'until', 'event'] as DelayMode[]).map((m) => (
          <button key={m} type="button" role="tab" aria-selected={mode === m} className={mode === m ? 'on' : ''} onClick={() => setMode(m)}>
            {m === 'duration' ? 'A set time' : m === 'until' ? 'A day and time' : 'An event'}
          </button>
        ))}
      </div>
      {mode === 'duration' && <DurationField label="Wait for" value={step.duration} onChange={(v) => update({ duration: v ?? '' })} />}
      {mode === 'until' && step.until && (
        <>
          <div className="field">
            <label>On</label>
            <div className="weekdays">
              {DAYS.map((d) => (
                <label key={d} className={step.until!.weekdays.includes(d) ? 'day on' : 'day'}>
                  <input type="checkbox" checked={step.until!.weekdays.includes(d)}
                    onChange={(e) => update({ until: { ...step.until!, weekdays: e.target.checked ? DAYS.filter((x) => x === d || step.until!.weekdays.includes(x)) : step.until!.weekdays.filter((x) => x !== d) } })} />
                  {d[0].toUpperCase() + d.slice(1)}
                </label>
              ))}
            </div>
            <div className="hint">No day ticked means any day.</div>
          </div>
          <ClockField label="At (24-hour clock)" value={step.until.time} onChange={(v) => update({ until: { ...step.until!, time: v } })} />
          <TimezoneField label="Time zone" value={step.until.timezone} onChange={(v) => update({ until: { ...step.until!, timezone: v } })} />
        </>
      )}
      {mode === 'event' && step.event && (
        <>
          <EventPicker label="Event type" value={step.event.type} onChange={(v) => update({ event: { ...step.event!, type: v } })} />
          <div className="field">
            <label>Only events that match</label>
            <FilterEditor object={object} value={step.event.filter} properties={properties} allowEvent eventFields={eventFields(catalogue.events, step.event.type)}
              onChange={(f) => update({ event: { ...step.event!, filter: f } })} />
          </div>
          <DurationField label="Give up after" optional value={step.event.timeout} hint="Leave empty to wait as long as it takes."
            onChange={(v) => update({ event: { ...step.event!, timeout: v, timeout_next: v ? step.event!.timeout_next : undefined } })} />
          {step.event.timeout && (
            <div className="field">
              <label>When it times out, continue at</label>
              <select value={step.event.timeout_next ?? ''} onChange={(e) => update({ event: { ...step.event!, timeout_next: e.target.value || undefined } })}>
                <option value="">End the workflow (or add steps on the Timed out path)</option>
                {steps.filter((s) => s.id !== step.id).map((s) => <option key={s.id} value={s.id}>{stepTitle(s)}</option>)}
              </select>
            </div>
          )}
        </>
      )}
    </>
  );
}
