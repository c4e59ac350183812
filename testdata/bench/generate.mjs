// Writes the canvas benchmark workflows beside this file:
//   merging-300.json  30 blocks of 10 steps: a three-path branch (Hot | Warm | Else) whose paths
//                     (2, 2 and 3 steps) merge again into one step, then one more step
//   merging-7.json    one such block with one step per path, after a leading step (7 steps)
// Run: node testdata/bench/generate.mjs (the output is committed; re-run after changing this).
import { writeFileSync } from 'node:fs';

function workflow(id, name, blocks, lens, lead) {
  const steps = [];
  const first = lead ? 'lead' : 'b1';
  if (lead) steps.push({ id: 'lead', type: 'set_property', name: 'Mark as started', property: 'stage', value: 'started', next: 'b1' });
  for (let k = 1; k <= blocks; k++) {
    const after = k < blocks ? `b${k + 1}` : undefined;
    const path = (tag, label, n) => {
      const ids = Array.from({ length: n }, (_, i) => `${tag}${k}-${i + 1}`);
      ids.forEach((sid, i) => {
        const next = ids[i + 1] ?? `m${k}`;
        steps.push(i % 2 === 0
          ? { id: sid, type: 'set_property', name: `${label} ${k}.${i + 1}`, property: 'stage', value: `${label.toLowerCase()} ${k}`, next }
          : { id: sid, type: 'increment_property', name: `${label} score ${k}.${i + 1}`, property: 'score', by: 5, next });
      });
      return ids[0];
    };
    const hot = path('h', 'Hot', lens[0]);
    const warm = path('w', 'Warm', lens[1]);
    const cold = path('e', 'Else', lens[2]);
    steps.push({
      id: `b${k}`, type: 'branch', name: `Lead temperature ${k}`,
      branches: [
        { name: 'Hot', filter: { all: [{ property: 'score', op: 'gte', value: 50 }] }, next: hot },
        { name: 'Warm', filter: { all: [{ property: 'score', op: 'gte', value: 20 }] }, next: warm },
      ],
      else: cold,
    });
    steps.push({ id: `m${k}`, type: 'add_to_list', name: `Merge ${k}`, list: 'scored', next: `a${k}` });
    steps.push({ id: `a${k}`, type: 'set_property', name: `After merge ${k}`, property: 'stage', value: `block ${k}`, ...(after ? { next: after } : {}) });
  }
  return {
    id, name, object: 'contact', timezone: 'Europe/Amsterdam',
    triggers: [{ id: 'start', type: 'event', event: 'bench.start' }],
    reenroll: { enabled: false, triggers: [] }, start: first, steps,
  };
}

const out = (file, wf) => {
  writeFileSync(new URL(file, import.meta.url), JSON.stringify(wf, null, 1) + '\n');
  console.log(`${file}: ${wf.steps.length} steps`);
};
out('merging-300.json', workflow('merging-300', 'Three hundred steps, merging branches', 30, [2, 2, 3], false));
out('merging-7.json', workflow('merging-7', 'Seven steps, merging branches', 1, [1, 1, 1], true));
