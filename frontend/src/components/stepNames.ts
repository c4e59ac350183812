// Step names for lists that span workflows and versions (Activity): each enrollment runs one
// version of its workflow, so its step is named from that version's definition, fetched once
// per workflow version and kept for the session (a published version never changes).
import { useEffect, useState } from 'react';
import { api } from '../api';
import type { Definition } from '../api/types';
import { stepTitle } from '../nodes';

const versions = new Map<string, Promise<Definition | null>>();
const keyOf = (workflow: string, version: number) => `${workflow}\u0000${version}`;

function load(workflow: string, version: number): Promise<Definition | null> {
  const k = keyOf(workflow, version);
  let p = versions.get(k);
  if (!p) {
    // a deleted workflow's versions are gone: its steps keep their ids
    p = api.getVersion(workflow, version).then((v) => v.definition, () => null);
    versions.set(k, p);
  }
  return p;
}

interface Row {
  workflow_id: string;
  version: number;
  current_step?: string;
}

/** A function naming a row's current step ("Wait 2 days", its name) once its version is loaded; the id until then. */
export function useStepNames(rows: Row[]): (r: Row) => string {
  const [defs, setDefs] = useState<Record<string, Definition | null>>({});
  const wanted = [...new Set(rows.filter((r) => r.current_step).map((r) => keyOf(r.workflow_id, r.version)))].filter((k) => !(k in defs)).sort().join('\n');
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    for (const k of wanted.split('\n')) {
      const [wf, v] = k.split('\u0000');
      void load(wf, Number(v)).then((d) => live && setDefs((m) => (k in m ? m : { ...m, [k]: d })));
    }
    return () => {
      live = false;
    };
  }, [wanted]);
  return (r) => {
    const step = defs[keyOf(r.workflow_id, r.version)]?.steps.find((s) => s.id === r.current_step);
    return step ? stepTitle(step) : (r.current_step ?? '');
  };
}
