// The one canonical form of a workflow definition: serialise() (no undefined or empty keys,
// required fields present) written as JSON with every object's keys sorted. The API client
// sends it, the editor store compares it to tell whether there are unsaved changes, and the
// tests use it, so key order and object identity never decide "dirty". Key sorting is
// fast-json-stable-stringify's (the deterministic JSON.stringify ajv uses), not hand-written.
import stringify from 'fast-json-stable-stringify';
import type { Definition } from '../api/types';
import { serialise } from './definition';

/** The canonical JSON text of a definition. */
export function canonical(def: Definition): string {
  return stringify(serialise(def));
}

/** Whether two definitions mean the same workflow (same canonical form). */
export function sameDefinition(a: Definition, b: Definition): boolean {
  return a === b || canonical(a) === canonical(b);
}
