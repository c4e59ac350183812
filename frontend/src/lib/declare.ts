// "Declare <name>" on a strict webhook endpoint's refused request: which property the refusal
// names (from the request log's structured error_code / error_field, never its words), and the
// declaration to offer for it: the endpoint's object, the name, a label made from the name and a
// type guessed from the value the request carried at the payload path the mapping reads. Pure.
import type { HookField, HookRequest, PropertyType } from '../api/types';

/** The request log's code for a strict endpoint's refusal of a property nobody declared. */
export const UNDECLARED = 'undeclared_property';
const FIELD_PREFIX = 'record.properties.';

/** The property a refused request names as undeclared; undefined for any other line. */
export function undeclaredProperty(r: Pick<HookRequest, 'error_code' | 'error_field'>): string | undefined {
  if (r.error_code !== UNDECLARED || !r.error_field?.startsWith(FIELD_PREFIX)) return undefined;
  return r.error_field.slice(FIELD_PREFIX.length) || undefined;
}

/** A label for a property name: "plan_seats" → "Plan seats", "firstName" → "First name". */
export function labelFromName(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(/[_\-\s]+/).filter(Boolean).join(' ').toLowerCase();
  return words ? words[0].toUpperCase() + words.slice(1) : name;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const NUMBER_TEXT = /^[+-]?(\d+(\.\d+)?|\.\d+)$/;

/**
 * The property type a value suggests: a number → number, true/false → bool, an ISO date →
 * date (with a time: datetime), a list → multi, anything else → string. A form field is always
 * text, so with `text` set a number or true/false written out counts as one too.
 */
export function guessPropertyType(value: unknown, opts: { text?: boolean } = {}): PropertyType {
  if (Array.isArray(value)) return 'multi';
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value !== 'string') return 'string';
  const s = value.trim();
  if (DATE_ONLY.test(s) && !Number.isNaN(Date.parse(s))) return 'date';
  if (DATE_TIME.test(s) && !Number.isNaN(Date.parse(s.replace(' ', 'T')))) return 'datetime';
  if (opts.text) {
    if (NUMBER_TEXT.test(s)) return 'number';
    if (s === 'true' || s === 'false') return 'bool';
  }
  return 'string';
}

type Seg = { key: string } | { index: number } | { all: true };

function parsePath(path: string): Seg[] | undefined {
  const segs: Seg[] = [];
  const re = /([^.[\]]+)|\[(\d*)\]|(\.)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < path.length && (m = re.exec(path))) {
    pos = re.lastIndex;
    if (m[1] !== undefined) segs.push({ key: m[1] });
    else if (m[2] !== undefined) segs.push(m[2] === '' ? { all: true } : { index: Number(m[2]) });
  }
  return pos === path.length && segs.length > 0 ? segs : undefined;
}

/**
 * The value at a webhook payload path, read as the listener reads it: "a.b", "items[0].sku",
 * "tags[]" (every element, a list), "items[].sku", and alternatives "a | b" (the first present).
 * Undefined when the path is not in the payload (null counts as not there).
 */
export function readPath(payload: unknown, path: string): unknown {
  for (const alt of path.split('|').map((p) => p.trim())) {
    const segs = parsePath(alt);
    if (!segs) continue;
    let vals: unknown[] = [payload];
    let list = false;
    for (const s of segs) {
      const next: unknown[] = [];
      for (const v of vals) {
        if ('key' in s) {
          if (v !== null && typeof v === 'object' && !Array.isArray(v)) next.push((v as Record<string, unknown>)[s.key]);
        } else if (Array.isArray(v)) {
          if ('all' in s) next.push(...v);
          else next.push(v[s.index]);
        }
      }
      if ('all' in s) list = true;
      vals = next.filter((x) => x !== undefined && x !== null);
    }
    if (list && vals.length > 0) return vals;
    if (!list && vals.length === 1) return vals[0];
  }
  return undefined;
}

/** A form body as the listener decodes it: contact[email]=x → {contact: {email: "x"}}, tags[]=a&tags[]=b → a list. */
export function formPayload(raw: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const params = new URLSearchParams(raw.trim());
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    const m = /^([^[]+)((?:\[[^\]]*\])*)$/.exec(key);
    if (!m) continue;
    const inner = [...m[2].matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]);
    const list = inner.length > 0 && inner[inner.length - 1] === '';
    const parts = [m[1], ...(list ? inner.slice(0, -1) : inner)];
    if (parts.some((p) => p === '')) continue;
    let at = out;
    for (const p of parts.slice(0, -1)) {
      const next = at[p];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) at[p] = {};
      at = at[p] as Record<string, unknown>;
    }
    at[parts[parts.length - 1]] = list || all.length > 1 ? all : all[0];
  }
  return out;
}

/** What "Declare <name>" offers: the declaration, and the payload path and value it was guessed from. */
export interface DeclareDraft {
  object: string;
  name: string;
  label: string;
  type: PropertyType;
  options: string[];
  path?: string;
  value?: unknown;
}

/**
 * The declaration to offer for a property a strict endpoint refused: the mapping entries that
 * fill it (the endpoint's own before its preset's) say which payload path to read in the request
 * body; a type the mapping gives wins over the guess from the value.
 */
export function declareDraft(object: string, name: string, mapping: HookField[], r: Pick<HookRequest, 'body' | 'body_raw'>): DeclareDraft {
  const text = r.body === undefined && !!r.body_raw;
  const payload = r.body !== undefined ? r.body : r.body_raw ? formPayload(r.body_raw) : undefined;
  const draft: DeclareDraft = { object, name, label: labelFromName(name), type: 'string', options: [] };
  for (const f of mapping.filter((m) => m.property === name)) {
    const value = payload === undefined ? undefined : readPath(payload, f.path);
    if (value === undefined && draft.path !== undefined) continue;
    draft.path = f.path;
    draft.value = value;
    if (f.type && f.type !== 'string') {
      draft.type = f.type;
      draft.options = f.type === 'enum' ? f.values ?? [] : [];
    } else {
      draft.type = value === undefined ? 'string' : guessPropertyType(value, { text });
    }
    if (value !== undefined) break;
  }
  return draft;
}
