// The event catalogue as the pickers use it: events grouped by source and searched, typo
// suggestions for a typed event type, an event's fields for the filter editor, and the tokens a
// template may use. Pure.
import type { Property } from '../api/types';
import type { CatalogueEntry, CatalogueField, CatalogueSource, SeenScope } from '../api/templates';

export interface EventGroup {
  source: string;
  label: string;
  events: CatalogueEntry[];
}

/** Whether every word of the query is in the event's type, label, description or source. */
export function matches(ev: CatalogueEntry, query: string, sourceLabel = ''): boolean {
  const hay = `${ev.type} ${ev.label} ${ev.description} ${ev.source} ${sourceLabel}`.toLowerCase();
  return query.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}

/** The events matching the query, grouped by source in the sources' order (unknown sources last). */
export function groupEvents(events: CatalogueEntry[], sources: CatalogueSource[], query = ''): EventGroup[] {
  const order = new Map(sources.map((s, i) => [s.id, i]));
  const label = new Map(sources.map((s) => [s.id, s.label]));
  const groups = new Map<string, EventGroup>();
  for (const ev of events) {
    if (!matches(ev, query, label.get(ev.source))) continue;
    let g = groups.get(ev.source);
    if (!g) groups.set(ev.source, (g = { source: ev.source, label: label.get(ev.source) ?? ev.source, events: [] }));
    g.events.push(ev);
  }
  // Within a group, events whose type or label has the words come before description-only hits.
  const direct = (ev: CatalogueEntry) => query.toLowerCase().split(/\s+/).filter(Boolean).every((w) => `${ev.type} ${ev.label}`.toLowerCase().includes(w));
  for (const g of groups.values()) g.events.sort((a, b) => Number(direct(b)) - Number(direct(a)));
  return [...groups.values()].sort((a, b) => (order.get(a.source) ?? 99) - (order.get(b.source) ?? 99) || a.source.localeCompare(b.source));
}

/** Optimal-string-alignment edit distance (a swap of two letters counts once), as the engine's. */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * Event types close to what was typed (a likely typo: at most 2 edits, and fewer than a third of
 * its letters), nearest first, at most three; none when the text is a known type.
 */
export function suggestEvents(typed: string, events: CatalogueEntry[]): CatalogueEntry[] {
  const t = typed.trim().toLowerCase();
  if (!t || events.some((e) => e.type === t)) return [];
  const limit = Math.min(2, Math.max(1, Math.floor(t.length / 3)));
  return events
    .map((e) => ({ e, d: distance(t, e.type.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.e.type.localeCompare(b.e.type))
    .slice(0, 3)
    .map((x) => x.e);
}

/** The fields of an event type (documented first, then seen in payloads); none when unknown. */
export function eventFields(events: CatalogueEntry[], type: string | undefined): CatalogueField[] {
  return events.find((e) => e.type === type)?.properties ?? [];
}

/** The fields of several event types (a workflow's triggers), once each by path. */
export function fieldsOfTypes(events: CatalogueEntry[], types: (string | undefined)[]): CatalogueField[] {
  const seen = new Set<string>();
  const out: CatalogueField[] = [];
  for (const t of types) {
    for (const f of eventFields(events, t)) {
      if (seen.has(f.path)) continue;
      seen.add(f.path);
      out.push(f);
    }
  }
  return out;
}

/** A property type the filter editor knows, for an event field's catalogue type. */
export function filterTypeOf(fieldType: string): Property['type'] | undefined {
  switch (fieldType) {
    case 'number':
      return 'number';
    case 'bool':
      return 'bool';
    case 'date':
      return 'datetime';
    case 'multi':
      return 'multi';
    case 'string':
      return 'string';
  }
  return undefined;
}

/** One token the picker offers. */
export interface TokenChoice {
  /** What the token reads: contact.first_name, event.webinar.title, workflow.name. */
  ref: string;
  label: string;
  type: string;
  group: string;
  /** A default that reads well when the value is missing. */
  suggestedDefault: string;
}

/** A default that reads well in a sentence for a token with no value. */
export function defaultFor(name: string): string {
  if (/first_?name|^name$/.test(name)) return 'there';
  if (/company/.test(name)) return 'your company';
  if (/city|country/.test(name)) return 'your area';
  if (/title/.test(name)) return 'our event';
  return '';
}

/** The tokens a template may use: the object's properties, the events' fields, the workflow's. */
export function tokenChoices(object: string, properties: Property[], fields: CatalogueField[]): TokenChoice[] {
  const out: TokenChoice[] = properties.map((p) => ({ ref: `${object}.${p.name}`, label: p.label || p.name, type: p.type, group: `${object[0].toUpperCase()}${object.slice(1)} properties`, suggestedDefault: defaultFor(p.name) }));
  for (const f of fields) {
    if (f.path.includes('[]')) continue; // a list of objects: no one value to insert
    out.push({ ref: `event.${f.path}`, label: f.description || f.path, type: f.type, group: 'Event fields', suggestedDefault: defaultFor(f.path.split('.').pop() ?? '') });
  }
  out.push({ ref: 'workflow.name', label: 'the workflow’s name', type: 'string', group: 'Workflow', suggestedDefault: '' });
  return out;
}

/** The token text for a reference and a default ("" for none): {{contact.first_name | default "there"}}. */
export function tokenText(ref: string, fallback: string): string {
  if (!fallback) return `{{${ref}}}`;
  return `{{${ref} | default "${fallback.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"}}`;
}

/**
 * An example of an event's data, as JSON, from its catalogue fields (nested by path, one value
 * of each field's type): `{"subscriber":{"watch_pct":0}}`. Empty when the event is not known.
 * The Test panel shows it instead of a made-up example, so the hint is the chosen event's own.
 */
export function exampleData(fields: { path: string; type: string }[]): string {
  if (fields.length === 0) return '';
  const out: Record<string, unknown> = {};
  for (const f of fields.slice(0, 6)) {
    const parts = f.path.split('.').filter((x) => x && !x.endsWith('[]'));
    if (parts.length === 0) continue;
    let at = out;
    for (const p of parts.slice(0, -1)) {
      if (typeof at[p] !== 'object' || at[p] === null) at[p] = {};
      at = at[p] as Record<string, unknown>;
    }
    const t = f.type;
    at[parts[parts.length - 1]] = t === 'number' || t === 'integer' ? 0 : t === 'bool' ? true : t === 'multi' ? [] : '…';
  }
  return JSON.stringify(out);
}

/** A value offered for a scope key: what the trigger stores, and what the picker shows. */
export interface ScopeOption {
  value: string;
  label: string;
}

/** The scope keys and, per key, the values seen in events of the type (newest first, as listed). */
export function scopeOptions(scopes: SeenScope[]): { keys: string[]; values(key: string): ScopeOption[] } {
  const byKey = new Map<string, ScopeOption[]>();
  for (const s of scopes) {
    const seen = `${s.count} ${s.count === 1 ? 'event' : 'events'}`;
    const list = byKey.get(s.key) ?? [];
    list.push({ value: s.value, label: s.name ? `${s.name} · ${seen}` : seen });
    byKey.set(s.key, list);
  }
  return { keys: [...byKey.keys()], values: (key) => byKey.get(key) ?? [] };
}
