import type { Step } from '../../api/types';
import { countRules, describeFilter, ruleProblems } from '../../components/filter/model';
import type { NodeConfig } from '../types';
import { clip, has, show } from '../util';

/** True for a value-based branch (the step's property compared with each branch's value). */
export function isValueBased(s: Step): boolean {
  return has(s.property);
}

export const branchNode: NodeConfig = {
  type: 'branch',
  label: 'If/then branch',
  group: 'Flow',
  colour: '#7c3aed',
  glyph: 'branch',
  description: 'Send records down different paths depending on conditions or a property value.',
  create: () => ({ type: 'branch', branches: [{ name: 'Branch 1', filter: { all: [] } }] }),
  checkValid(s) {
    const out: string[] = [];
    const branches = s.branches ?? [];
    if (branches.length === 0) out.push('Add at least one branch.');
    const names = new Set<string>();
    branches.forEach((b, i) => {
      const label = b.name || `Branch ${i + 1}`;
      if (!has(b.name)) out.push(`Branch ${i + 1} needs a name.`);
      else if (names.has(b.name)) out.push(`Two branches are called "${b.name}"; give each a unique name.`);
      names.add(b.name);
      if (isValueBased(s)) {
        if (b.value === undefined || b.value === '') out.push(`"${label}" needs the value to compare with.`);
      } else if (has(b.expr) && b.filter && countRules(b.filter) > 0) {
        out.push(`"${label}" has both conditions and an expression; keep one.`);
      } else if (!has(b.expr) && countRules(b.filter) === 0) {
        out.push(`"${label}" has no conditions yet.`);
      } else if (!has(b.expr)) {
        out.push(...ruleProblems(b.filter).map((m) => `"${label}": ${m}`));
      }
    });
    return out;
  },
  summary(s) {
    const branches = s.branches ?? [];
    if (isValueBased(s)) return clip(`${s.property}: ${branches.map((b) => show(b.value) || b.name).join(' / ')}`);
    if (branches.length === 1) {
      const b = branches[0];
      return clip(`If ${b.name}: ${b.expr ? b.expr : describeFilter(b.filter)}`);
    }
    return clip(`${branches.length} branches: ${branches.map((b) => b.name).join(', ')}`);
  },
};
