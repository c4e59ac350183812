// Captured webhook payloads -> the paths the mapping editor offers (hook path syntax:
// a.b.c, items[0].sku, tags[] for every element, items[].sku for a field of every element).
import type { HookField, MappingType, PathSample, PropertyType } from '../api/types';

const SAFE_KEY = /^[^.[\]]+$/;

/**
 * Every leaf path of a payload with a sample value, like the server's capture `paths`
 * (used when the server sent none). Arrays of scalars give `tags[]` (type list); arrays of
 * objects give `items[].field` from their first element. Keys the path syntax cannot address
 * (containing `.`, `[` or `]`) are left out.
 */
export function flattenPayload(payload: unknown, max = 500): PathSample[] {
  const out: PathSample[] = [];
  const walk = (v: unknown, path: string, depth: number) => {
    if (out.length >= max || depth > 32) return;
    if (Array.isArray(v)) {
      if (v.length === 0) {
        if (path) out.push({ path: path + '[]', type: 'list', sample: [] });
        return;
      }
      if (v.every((x) => x === null || typeof x !== 'object')) {
        out.push({ path: path + '[]', type: 'list', sample: v.slice(0, 5) });
        return;
      }
      const first = v.find((x) => x !== null && typeof x === 'object' && !Array.isArray(x));
      if (first) walk(first, path + '[]', depth + 1);
      return;
    }
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (!SAFE_KEY.test(k)) continue;
        walk(x, path ? path + '.' + k : k, depth + 1);
      }
      return;
    }
    if (!path) return;
    const listy = path.includes('[]');
    out.push({ path, type: listy ? 'list' : v === null ? 'null' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? 'number' : 'string', sample: v });
  };
  walk(payload, '', 0);
  return out;
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

/** The mapping type a captured sample suggests: a list (or a path through one) -> multi, else as guessPropertyType says. */
export function suggestType(p: PathSample): MappingType {
  if (p.type === 'list' || p.path.includes('[]')) return 'multi';
  return guessPropertyType(p.sample);
}

/** A short one-line rendering of a sample value. */
export function formatSample(v: unknown, max = 60): string {
  let s: string;
  if (v === undefined) s = '';
  else if (typeof v === 'string') s = JSON.stringify(v);
  else s = JSON.stringify(v) ?? String(v);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** A property name suggested for a path: its last named segment in snake_case. */
export function suggestProperty(path: string): string {
  const segs = path.replace(/\[\d*\]/g, '').split('.').filter(Boolean);
  const last = segs[segs.length - 1] ?? '';
  return last.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
}

/** Sets (or with property "" removes) the mapping of one path, keeping the others in order. */
export function setMapping(mapping: HookField[], path: string, patch: Partial<HookField> | null): HookField[] {
  const i = mapping.findIndex((m) => m.path === path);
  if (patch === null) return i < 0 ? mapping : mapping.filter((_, j) => j !== i);
  if (i < 0) return [...mapping, { path, property: '', ...patch }];
  return mapping.map((m, j) => (j === i ? { ...m, ...patch } : m));
}

/** Mapping rows fit for saving: rows without a property are dropped, default type left out. */
export function cleanMapping(mapping: HookField[]): HookField[] {
  return mapping
    .filter((m) => m.path.trim() && m.property.trim())
    .map((m) => {
      const f: HookField = { path: m.path.trim(), property: m.property.trim() };
      if (m.type && m.type !== 'string') f.type = m.type;
      if (m.required) f.required = true;
      if (m.type === 'enum' && m.values?.length) f.values = m.values;
      return f;
    });
}
