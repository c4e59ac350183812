// Workflow-list helpers: copies ("Copy of …"), unique ids and import parsing. (Deletes keep
// the workflow in the server's Trash, so undo is a restore there.)
import type { Definition } from '../api/types';

/** A workflow id from a name: lowercase letters, digits, - (1-64 chars, starting alphanumeric). */
export function slugify(name: string): string {
  const s = name.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|-+$/g, '').replace(/-{2,}/g, '-');
  return (s || 'workflow').slice(0, 56);
}

/** `base`, or base-2, base-3 … whichever is not taken. */
export function uniqueId(base: string, taken: Iterable<string>): string {
  const set = new Set(taken);
  const b = slugify(base);
  if (!set.has(b)) return b;
  for (let i = 2; ; i++) {
    const id = `${b.slice(0, 60)}-${i}`;
    if (!set.has(id)) return id;
  }
}

/** A unique name: "Copy of X", "Copy of X (2)" … */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const set = new Set(taken);
  if (!set.has(base)) return base;
  for (let i = 2; ; i++) {
    const n = `${base} (${i})`;
    if (!set.has(n)) return n;
  }
}

/** A copy of a definition with a fresh id and name "Copy of …". */
export function copyDefinition(def: Definition, takenIds: Iterable<string>, takenNames: Iterable<string>, name?: string): Definition {
  const newName = name ?? uniqueName(`Copy of ${def.name}`, takenNames);
  const copy = structuredClone(def);
  copy.name = newName;
  copy.id = uniqueId(newName, takenIds);
  return copy;
}

/** Reads an imported file: a definition, or a stored workflow ({definition: …}). */
export function parseImport(text: string): Definition {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`The file is not JSON: ${(e as Error).message}`);
  }
  if (v && typeof v === 'object' && 'definition' in v && (v as { definition: unknown }).definition && typeof (v as { definition: unknown }).definition === 'object') {
    v = (v as { definition: unknown }).definition;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('The file does not hold a workflow (expected a JSON object).');
  const d = v as Partial<Definition>;
  if (typeof d.id !== 'string' || typeof d.name !== 'string' || !Array.isArray(d.steps)) {
    throw new Error('The file does not look like a Flowdesk workflow: it needs "id", "name" and "steps".');
  }
  return d as Definition;
}

/** A file name for an exported workflow. */
export function exportFileName(def: Pick<Definition, 'id'>): string {
  return `${def.id}.workflow.json`;
}

/** The JSON text of an export (indented, trailing newline). */
export function exportText(def: Definition): string {
  return JSON.stringify(def, null, 2) + '\n';
}
