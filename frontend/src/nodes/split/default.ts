import type { Step } from '../../api/types';
import type { NodeConfig } from '../types';
import { clip, has } from '../util';

/** The percentages of a split's paths added up. */
export function splitTotal(s: Step): number {
  return (s.paths ?? []).reduce((n, p) => n + (Number.isFinite(p.percent) ? p.percent : 0), 0);
}

export const splitNode: NodeConfig = {
  type: 'split',
  label: 'A/B split',
  group: 'Flow',
  colour: '#0891b2',
  glyph: 'branch',
  description: 'Send a share of records down each path (A/B test). The same record always takes the same path.',
  create: () => ({ type: 'split', paths: [{ name: 'A', percent: 50 }, { name: 'B', percent: 50 }] }),
  checkValid(s) {
    const out: string[] = [];
    const paths = s.paths ?? [];
    if (paths.length < 2) out.push('Add at least two paths.');
    const names = new Set<string>();
    paths.forEach((p, i) => {
      if (!has(p.name)) out.push(`Path ${i + 1} needs a name.`);
      else if (names.has(p.name)) out.push(`Two paths are called "${p.name}"; give each a unique name.`);
      names.add(p.name);
      if (!Number.isInteger(p.percent) || p.percent < 1 || p.percent > 100) out.push(`"${p.name || `Path ${i + 1}`}" needs a whole percentage from 1 to 100.`);
    });
    const total = splitTotal(s);
    if (paths.length >= 2 && total !== 100) out.push(`The percentages add up to ${total}%; make them add up to 100%.`);
    return out;
  },
  summary(s) {
    const paths = s.paths ?? [];
    return clip(`Split ${paths.map((p) => `${p.name} ${p.percent}%`).join(' / ')}`);
  },
};
