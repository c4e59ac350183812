// Small form controls shared by the side-panel forms.
import { createContext, useContext, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { Property } from '../../api/types';
import { addAddresses } from '../../lib/addresses';
import { checkClock, normaliseClock } from '../../lib/datetime';
import { DURATION_UNITS, durationFieldProblem, joinDuration, splitDuration, type DurationUnit } from '../../lib/duration';
import { PendingEdit } from '../../lib/pending-edit';

/**
 * Whether the text fields below commit when typing pauses (the editor's side panel, where a
 * commit re-derives every card) instead of on every key (forms that save from their own state).
 */
export const CommitOnPause = createContext(false);

/**
 * A text control's value and change handler. With commit on pause, what is typed shows at once
 * and reaches onChange when typing pauses, when the field loses focus or goes away, or when
 * something flushes pending edits (save, undo, leaving); a change from elsewhere (undo, a
 * rename) shows once nothing typed is waiting. Without it, onChange runs on every key.
 */
export function useFieldText(value: string, onChange: (v: string) => void): { text: string; change(v: string): void; flush(): void } {
  const defer = useContext(CommitOnPause);
  const [edit] = useState(() => new PendingEdit<string>());
  const [typed, setTyped] = useState<string | null>(null);
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    if (!edit.pending) setTyped(null); // committed (or changed elsewhere): show the value
  }
  useEffect(() => () => edit.flush(), [edit]); // the panel closes or moves on: keep what was typed
  if (!defer) return { text: value, change: onChange, flush: () => undefined };
  return {
    text: typed ?? value,
    change: (v) => {
      setTyped(v);
      edit.change(v, onChange); // the handler of this render: it names the step as it is now
    },
    flush: () => edit.flush(),
  };
}

/** A labelled control; error (what is wrong with it, e.g. the server's refusal) shows under it. */
export function Field({ label, hint, error, children }: { label: string; hint?: ReactNode; error?: ReactNode; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {error && <div className="hint error">{error}</div>}
      {hint && <div className="hint">{hint}</div>}
    </div>
  );
}

export function TextField(props: { label: string; value: string | undefined; onChange(v: string): void; placeholder?: string; hint?: ReactNode; list?: string; type?: string }) {
  const f = useFieldText(props.value ?? '', props.onChange);
  return (
    <Field label={props.label} hint={props.hint}>
      {(id) => (
        <input id={id} type={props.type ?? 'text'} value={f.text} placeholder={props.placeholder} list={props.list} onChange={(e) => f.change(e.target.value)} onBlur={f.flush} />
      )}
    </Field>
  );
}

export function TextArea(props: { label: string; value: string | undefined; onChange(v: string): void; rows?: number; placeholder?: string; hint?: ReactNode }) {
  const f = useFieldText(props.value ?? '', props.onChange);
  return (
    <Field label={props.label} hint={props.hint}>
      {(id) => <textarea id={id} rows={props.rows ?? 4} value={f.text} placeholder={props.placeholder} onChange={(e) => f.change(e.target.value)} onBlur={f.flush} />}
    </Field>
  );
}

/** What is wrong with a number outside [min, max] ("Enter a number from 1 to 1000."), or null. */
export function outOfRange(v: number | undefined, min?: number, max?: number): string | null {
  if (v === undefined || ((min === undefined || v >= min) && (max === undefined || v <= max))) return null;
  if (min !== undefined && max !== undefined) return `Enter a number from ${min} to ${max}.`;
  return min !== undefined ? `Enter ${min} or more.` : `Enter ${max} or less.`;
}

export function NumberField(props: { label: string; value: number | undefined; onChange(v: number | undefined): void; hint?: ReactNode; error?: ReactNode; step?: number | 'any'; min?: number; max?: number; placeholder?: string }) {
  return (
    <Field label={props.label} hint={props.hint} error={props.error || outOfRange(props.value, props.min, props.max)}>
      {(id) => (
        <input id={id} type="number" step={props.step ?? 1} min={props.min} max={props.max} placeholder={props.placeholder} value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value === '' ? undefined : Number(e.target.value))} />
      )}
    </Field>
  );
}

export function SelectField<T extends string>(props: { label: string; value: T | undefined; options: { value: T; label: string }[]; onChange(v: T): void; hint?: ReactNode }) {
  return (
    <Field label={props.label} hint={props.hint}>
      {(id) => (
        <select id={id} value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value as T)}>
          {props.value === undefined || props.value === '' ? <option value="">Choose…</option> : null}
          {props.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      )}
    </Field>
  );
}

export function Toggle(props: { label: string; checked: boolean; onChange(v: boolean): void; hint?: ReactNode; error?: ReactNode }) {
  return (
    <div className="field toggle">
      <label>
        <input type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} /> {props.label}
      </label>
      {props.error && <div className="hint error">{props.error}</div>}
      {props.hint && <div className="hint">{props.hint}</div>}
    </div>
  );
}

/** A list of strings edited as comma-separated text (keeps the raw text while typing). */
export function ListField(props: { label: string; value: string[] | undefined; onChange(v: string[]): void; placeholder?: string; hint?: ReactNode }) {
  const joined = (props.value ?? []).join(', ');
  const [text, setText] = useState(joined);
  const [seen, setSeen] = useState(joined);
  if (joined !== seen) {
    setSeen(joined);
    if (splitList(text).join(', ') !== joined) setText(joined);
  }
  return (
    <Field label={props.label} hint={props.hint ?? 'Separate several with commas.'}>
      {(id) => (
        <input id={id} value={text} placeholder={props.placeholder} onChange={(e) => { setText(e.target.value); props.onChange(splitList(e.target.value)); }} />
      )}
    </Field>
  );
}

/**
 * Email addresses as removable chips. Typing an address and pressing Enter, a comma or leaving
 * the box adds it (several can be pasted at once); one that is not an address, is listed
 * already or is over max stays in the box with the reason. flagged marks chips the server
 * refused (by index).
 */
export function AddressListField(props: { label: string; value: string[] | undefined; onChange(v: string[] | undefined): void; max: number; placeholder?: string; hint?: ReactNode; error?: ReactNode; flagged?: number[] }) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState('');
  const list = props.value ?? [];
  const commit = () => {
    const r = addAddresses(list, text, props.max);
    if (r.list.length !== list.length) props.onChange(r.list);
    setText(r.rest);
    setProblem(r.problem ?? '');
  };
  const remove = (i: number) => {
    const next = list.filter((_, j) => j !== i);
    props.onChange(next.length ? next : undefined);
  };
  return (
    <Field label={props.label} hint={props.hint} error={problem || props.error}>
      {(id) => (
        <div className="chips address-list" data-testid="address-list">
          {list.map((a, i) => (
            <span key={i + ':' + a} className={props.flagged?.includes(i) ? 'chip bad' : 'chip'} data-address={a}>
              {a}
              <button type="button" className="icon-btn" aria-label={`Remove ${a}`} onClick={() => remove(i)}>×</button>
            </span>
          ))}
          <input id={id} type="text" inputMode="email" autoComplete="off" value={text} placeholder={list.length ? 'Add another' : props.placeholder}
            aria-invalid={problem ? true : undefined} disabled={list.length >= props.max && !text}
            onChange={(e) => { setText(e.target.value); setProblem(''); }}
            onKeyDown={(e) => { if ((e.key === 'Enter' || e.key === ',') && text.trim()) { e.preventDefault(); commit(); } }}
            onBlur={() => { if (text.trim()) commit(); }} />
        </div>
      )}
    </Field>
  );
}

export function splitList(s: string): string[] {
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

/** Key/value pairs (headers, scope, record properties). */
/** Suggestions for a KeyValueField: keys to offer, and the values offered for a key. */
export interface KeyValueSuggest {
  keys: string[];
  values(key: string): { value: string; label: string }[];
}

export function KeyValueField(props: { label: string; value: Record<string, string> | undefined; onChange(v: Record<string, string> | undefined): void; keyLabel?: string; valueLabel?: string; hint?: ReactNode; suggest?: KeyValueSuggest }) {
  const rows = Object.entries(props.value ?? {});
  const set = (next: [string, string][]) => props.onChange(next.length ? Object.fromEntries(next) : undefined);
  const listId = useId();
  const { suggest } = props;
  return (
    <div className="field">
      <label>{props.label}</label>
      {suggest && suggest.keys.length > 0 && (
        <datalist id={`${listId}-keys`}>
          {suggest.keys.map((k) => <option key={k} value={k} />)}
        </datalist>
      )}
      {rows.map(([k, v], i) => {
        const values = suggest?.values(k) ?? [];
        const picked = values.find((o) => o.value === v);
        return (
          <div key={i}>
            <div className="kv-row">
              <input aria-label={props.keyLabel ?? 'Key'} placeholder={props.keyLabel ?? 'key'} value={k} list={suggest?.keys.length ? `${listId}-keys` : undefined}
                onChange={(e) => set(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))} />
              <input aria-label={props.valueLabel ?? 'Value'} placeholder={props.valueLabel ?? 'value'} value={v} list={values.length ? `${listId}-v${i}` : undefined}
                onChange={(e) => set(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))} />
              {values.length > 0 && (
                <datalist id={`${listId}-v${i}`}>
                  {values.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
                </datalist>
              )}
              <button type="button" className="icon-btn" title="Remove" onClick={() => set(rows.filter((_, j) => j !== i))}>×</button>
            </div>
            {picked && <div className="hint" data-testid="kv-picked">{picked.label}</div>}
          </div>
        );
      })}
      <button type="button" className="link-btn" onClick={() => set([...rows, [rows.some(([k]) => k === '') ? `key${rows.length + 1}` : (suggest?.keys.find((k) => !rows.some(([r]) => r === k)) ?? ''), '']])}>+ Add</button>
      {props.hint && <div className="hint">{props.hint}</div>}
    </div>
  );
}

/** A property picker: the declared properties of the object, and free text for others. */
export function PropertyField(props: { label: string; value: string | undefined; onChange(v: string): void; properties: Property[]; allowEvent?: boolean; hint?: ReactNode; filterType?: (p: Property) => boolean }) {
  const listId = useId();
  const props2 = props.filterType ? props.properties.filter(props.filterType) : props.properties;
  return (
    <Field label={props.label} hint={props.hint ?? (props.allowEvent ? 'A record property, or event.<field> for the enrolling event.' : undefined)}>
      {(id) => (
        <>
          <input id={id} list={listId} value={props.value ?? ''} placeholder="property name" onChange={(e) => props.onChange(e.target.value)} />
          <datalist id={listId}>
            {props2.map((p) => <option key={p.name} value={p.name}>{p.label || p.name} ({p.type})</option>)}
          </datalist>
        </>
      )}
    </Field>
  );
}

/**
 * A length: amount + unit, falling back to free text for compound lengths ("1d12h"). What the
 * user types is written to the workflow even when it is no wait the engine takes ("-1", "0",
 * "1.5"): the field says what is wrong in their terms, and the workflow has the problem (on its
 * card, in the toolbar, saved only as a draft) instead of keeping a value the field no longer
 * shows.
 */
export function DurationField(props: { label: string; value: string | undefined; onChange(v: string | undefined): void; hint?: ReactNode; optional?: boolean }) {
  const split = splitDuration(props.value);
  const raw = props.value !== undefined && props.value !== '' && !split;
  // the unit stays as picked while the amount is cleared
  const [picked, setPicked] = useState<DurationUnit>(split?.unit ?? 'd');
  const unit = split?.unit ?? picked;
  const problem = durationFieldProblem(props.value, props.optional);
  return (
    <Field label={props.label} hint={problem ? <span className="error" role="alert">{problem}</span> : props.hint}>
      {(id) =>
        raw ? (
          <input id={id} value={props.value} onChange={(e) => props.onChange(e.target.value || undefined)} />
        ) : (
          <div className="duration">
            <input id={id} type="number" min={1} step={1} value={split ? split.amount : ''} placeholder={props.optional ? 'none' : ''}
              aria-invalid={problem ? true : undefined}
              onChange={(e) => {
                const text = e.target.value.trim();
                if (text === '' || !Number.isFinite(Number(text))) return props.onChange(props.optional ? undefined : '');
                props.onChange(joinDuration(Number(text), unit));
              }} />
            <select aria-label={props.label + ' unit'} value={unit} onChange={(e) => {
              const u = e.target.value as DurationUnit;
              setPicked(u);
              if (split || !props.optional) props.onChange(joinDuration(split?.amount ?? 1, u));
            }}>
              {DURATION_UNITS.map((u) => <option key={u.unit} value={u.unit}>{u.many}</option>)}
            </select>
          </div>
        )
      }
    </Field>
  );
}

/** A 24-hour clock time ("09:30") as text: a browser's time input shows "11:00 AM" in US locales. */
export function ClockField(props: { label: string; value: string | undefined; onChange(v: string): void; hint?: ReactNode }) {
  const [typed, setTyped] = useState<string | null>(null);
  const text = typed ?? props.value ?? '';
  const problem = typed !== null ? checkClock(typed) : null;
  return (
    <Field label={props.label} hint={problem ? <span className="error" role="alert">{problem}</span> : props.hint ?? '24-hour clock, like 09:30 or 17:00.'}>
      {(id) => (
        <input id={id} className="clock" inputMode="numeric" placeholder="HH:MM" maxLength={5} value={text} aria-invalid={problem ? true : undefined}
          onChange={(e) => {
            const v = e.target.value;
            if (checkClock(normaliseClock(v)) === null) {
              setTyped(normaliseClock(v) === v ? null : v);
              props.onChange(normaliseClock(v));
            } else setTyped(v);
          }}
          onBlur={() => {
            if (typed !== null && checkClock(normaliseClock(typed)) === null) setTyped(null);
          }} />
      )}
    </Field>
  );
}

/** Common IANA time zones; the field also takes any other name. */
export const TIMEZONES = ['UTC', 'Europe/Amsterdam', 'Europe/London', 'Europe/Dublin', 'Europe/Berlin', 'Europe/Paris', 'Europe/Madrid',
  'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Sao_Paulo', 'Asia/Tokyo', 'Asia/Singapore',
  'Asia/Kolkata', 'Australia/Sydney'];

export function TimezoneField(props: { label: string; value: string | undefined; onChange(v: string | undefined): void; hint?: ReactNode }) {
  const listId = useId();
  return (
    <Field label={props.label} hint={props.hint ?? 'Leave empty for the workflow\u2019s time zone.'}>
      {(id) => (
        <>
          <input id={id} list={listId} value={props.value ?? ''} placeholder="e.g. Europe/Amsterdam" onChange={(e) => props.onChange(e.target.value || undefined)} />
          <datalist id={listId}>{TIMEZONES.map((z) => <option key={z} value={z} />)}</datalist>
        </>
      )}
    </Field>
  );
}

/** Whose property a property step writes: the enrolled record, or every associated record of a type. */
export function TargetField(props: { value: string | undefined; object: string; objects: string[]; onChange(v: string | undefined): void }) {
  const others = props.objects.filter((o) => o !== props.object).sort();
  return (
    <Field label="Change the property of" hint="Associated records are linked on the record page, or by a create record step.">
      {(id) => (
        <select id={id} value={props.value || ''} onChange={(e) => props.onChange(e.target.value || undefined)}>
          <option value="">This {props.object}</option>
          {others.map((o) => <option key={o} value={`associated:${o}`}>Every associated {o}</option>)}
        </select>
      )}
    </Field>
  );
}

/**
 * Calls `left` once the focus (or a click) lands outside the element after having been inside
 * it: the "blur" of a group of fields. A focus event is not enough: a focused list option that
 * closes takes the focus away without one.
 */
export function useLeave(left: () => void): { ref: React.RefObject<HTMLDivElement | null>; onFocus(): void } {
  const ref = useRef<HTMLDivElement | null>(null);
  const visited = useRef(false);
  const leftRef = useRef(left);
  useEffect(() => {
    leftRef.current = left;
  });
  useEffect(() => {
    const check = (e: Event) => {
      if (!visited.current || (e.target instanceof Node && ref.current?.contains(e.target))) return;
      visited.current = false;
      leftRef.current();
    };
    document.addEventListener('focusin', check, true);
    document.addEventListener('pointerdown', check, true);
    return () => {
      document.removeEventListener('focusin', check, true);
      document.removeEventListener('pointerdown', check, true);
    };
  }, []);
  return { ref, onFocus: () => (visited.current = true) };
}
