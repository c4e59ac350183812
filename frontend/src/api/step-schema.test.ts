// The step interfaces of types.ts have exactly the fields of the Go structs (step-schema.ts is
// generated from them). The check is at compile time: `npm run typecheck` fails on a field
// one side has and the other lacks, naming the interface below.
import { describe, expect, it } from 'vitest';
import { BRANCH_KEYS, STEP_FIELDS, STEP_KEYS, STEP_TYPES, UNTIL_KEYS, WAIT_EVENT_KEYS } from './step-schema';
import type { Branch, Step, Until, WaitEvent } from './types';

/** true when T's keys are exactly K; otherwise the fields that differ, so the error names them. */
type SameKeys<T, K extends string> = [Exclude<keyof T, K>, Exclude<K, keyof T>] extends [never, never]
  ? true
  : { onlyInTypeScript: Exclude<keyof T, K>; onlyInGo: Exclude<K, keyof T> };

const agree: {
  Step: SameKeys<Step, (typeof STEP_KEYS)[number]>;
  Until: SameKeys<Until, (typeof UNTIL_KEYS)[number]>;
  WaitEvent: SameKeys<WaitEvent, (typeof WAIT_EVENT_KEYS)[number]>;
  Branch: SameKeys<Branch, (typeof BRANCH_KEYS)[number]>;
} = { Step: true, Until: true, WaitEvent: true, Branch: true };

describe('step schema', () => {
  it('the step interfaces have the Go fields (checked by the compiler)', () => {
    expect(agree).toEqual({ Step: true, Until: true, WaitEvent: true, Branch: true });
  });

  it('names a field set for every step type, each a field of Step', () => {
    expect(Object.keys(STEP_FIELDS)).toEqual([...STEP_TYPES]);
    for (const fields of Object.values(STEP_FIELDS)) {
      for (const f of fields) expect(STEP_KEYS).toContain(f);
    }
  });
});
