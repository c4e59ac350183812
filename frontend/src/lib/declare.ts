// "Declare <name>" on a strict webhook endpoint's refused request: which property the refusal
// names (from the request log's structured error_code / error_field, never its words), and the
// declaration to offer for it: the endpoint's object, the name, a label made from the name and a
// type guessed from the value the listener logged with the refusal. Pure.
import type { HookField, HookRequest, PropertyType } from '../api/types';
import { guessPropertyType } from './payload';

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
 * The declaration to offer for a property a strict endpoint refused. The request log says which
 * payload path the listener read it from and the value it held (error_path, error_value); a type
 * the mapping gives for it wins over the guess from the value, and a form's value is text, so
 * "7" there counts as a number.
 */
export function declareDraft(
  object: string, name: string, mapping: HookField[],
  r: Pick<HookRequest, 'body' | 'body_raw' | 'error_path' | 'error_value'>,
): DeclareDraft {
  const draft: DeclareDraft = { object, name, label: labelFromName(name), type: 'string', options: [] };
  const entries = mapping.filter((m) => m.property === name);
  const entry = entries.find((m) => m.path === r.error_path) ?? entries[0];
  if (r.error_path) {
    draft.path = r.error_path;
    if (r.error_value !== undefined && r.error_value !== null) draft.value = r.error_value;
  } else if (entry) {
    draft.path = entry.path;
  }
  if (entry?.type && entry.type !== 'string') {
    draft.type = entry.type;
    draft.options = entry.type === 'enum' ? entry.values ?? [] : [];
  } else if (draft.value !== undefined) {
    draft.type = guessPropertyType(draft.value, { text: r.body === undefined && !!r.body_raw });
  }
  return draft;
}
