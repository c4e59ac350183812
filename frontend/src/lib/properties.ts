// Typed property inputs: which control a declared property gets (enum → a select of its
// options, date → a date input, bool → a toggle, ...) and how its text becomes the JSON value
// the API takes. The server converts and checks every write again (backend/property); this only
// keeps the inputs honest. Pure.
import type { Property, PropertyType } from '../api/types';

/** Every property type, in the order the Properties screen offers them (backend property.Types). */
export const PROPERTY_TYPES: PropertyType[] = ['string', 'number', 'integer', 'bool', 'date', 'datetime', 'enum', 'multi', 'email', 'phone', 'url'];

export const TYPE_LABELS: Record<PropertyType, string> = {
  string: 'Text', number: 'Number', integer: 'Whole number', bool: 'Yes/no', date: 'Date', datetime: 'Date and time',
  enum: 'Choice (fixed options)', multi: 'Several values', email: 'Email address', phone: 'Phone number', url: 'Web address',
};

/** The family of a type, which decides the filter operators (backend property.Kind). */
export function baseType(t: PropertyType | undefined): 'string' | 'number' | 'bool' | 'date' | 'enum' | 'multi' | undefined {
  switch (t) {
    case 'integer':
      return 'number';
    case 'datetime':
      return 'date';
    case 'email':
    case 'phone':
    case 'url':
      return 'string';
  }
  return t;
}

export type InputKind = 'select' | 'toggle' | 'number' | 'integer' | 'date' | 'datetime' | 'email' | 'tel' | 'url' | 'list' | 'text';

/** The control a property's value gets. An enum without options takes free text. */
export function inputFor(p: Pick<Property, 'type' | 'options'> | undefined): InputKind {
  switch (p?.type) {
    case 'enum':
      return p.options && p.options.length > 0 ? 'select' : 'text';
    case 'bool':
      return 'toggle';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'email':
      return 'email';
    case 'phone':
      return 'tel';
    case 'url':
      return 'url';
    case 'multi':
      return 'list';
  }
  return 'text';
}

export type Parsed = { value: unknown; error?: undefined } | { value?: undefined; error: string };

const INT_RE = /^[+-]?\d+$/;
const MAX_INT64 = 9223372036854775807n;
const MIN_INT64 = -9223372036854775808n;

/**
 * Turns what was typed into the value to store. Whole numbers beyond 2^53 stay text so they are
 * not rounded on the way (the server stores integers exactly); a value with {{tokens}} is kept as
 * typed (it is filled in when the step runs).
 */
export function parseInput(raw: string, p: Pick<Property, 'type' | 'options'> | undefined): Parsed {
  const s = raw.trim();
  if (s.includes('{{')) return { value: raw };
  switch (p?.type) {
    case 'number': {
      if (s === '') return { error: 'Enter a number.' };
      const n = Number(s.replace(/^([+-]?\d+),(\d+)$/, '$1.$2'));
      return Number.isFinite(n) ? { value: n } : { error: `"${s}" is not a number.` };
    }
    case 'integer': {
      if (!INT_RE.test(s)) return { error: `"${s}" is not a whole number.` };
      const big = BigInt(s);
      if (big > MAX_INT64 || big < MIN_INT64) return { error: `${s} does not fit in 64 bits.` };
      return Number.isSafeInteger(Number(s)) ? { value: Number(s) } : { value: s };
    }
    case 'bool':
      return { value: s === 'true' };
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(s) && validDate(s) ? { value: s } : { error: 'Pick a date.' };
    case 'datetime': {
      const t = new Date(s);
      return s !== '' && !Number.isNaN(t.getTime()) ? { value: t.toISOString() } : { error: 'Pick a date and time.' };
    }
    case 'enum': {
      const opts = p.options ?? [];
      if (opts.length === 0) return { value: s };
      const hit = opts.find((o) => o.toLowerCase() === s.toLowerCase());
      return hit !== undefined ? { value: hit } : { error: `Pick one of ${opts.join(', ')}.` };
    }
    case 'multi':
      return { value: s.split(',').map((x) => x.trim()).filter(Boolean) };
    case 'email': {
      const problem = emailProblem(s);
      return problem ? { error: problem } : { value: s };
    }
    case 'url':
      return /^https?:\/\/[^\s/]+/.test(s) ? { value: s } : { error: 'Enter a full address like https://example.com.' };
  }
  return { value: raw };
}

/** What is wrong with a typed email address (undefined: it looks like one). The one address check of the UI; the server checks more. */
export function emailProblem(s: string): string | undefined {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) ? undefined : `"${s}" is not an email address.`;
}

function validDate(s: string): boolean {
  const [y, m, d] = s.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** How a stored value shows in its input (the inverse of parseInput). */
export function showValue(v: unknown, p: Pick<Property, 'type'> | undefined): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.join(', ');
  if (p?.type === 'date' && typeof v === 'string') return v.slice(0, 10);
  if (p?.type === 'datetime' && typeof v === 'string' && !v.includes('{{')) {
    const t = new Date(v);
    if (!Number.isNaN(t.getTime())) return t.toISOString().slice(0, 16); // datetime-local, UTC
  }
  return String(v);
}

/** Parses the options text of an enum ("free, pro"), trimming and dropping duplicates. */
export function parseOptions(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',')) {
    const o = part.trim();
    if (o && !out.some((x) => x.toLowerCase() === o.toLowerCase())) out.push(o);
  }
  return out;
}
