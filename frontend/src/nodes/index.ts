// The node registry: everything the canvas, palette and validation know per step type.
import type { Step, StepType } from '../api/types';
import { STEP_TYPES } from '../api/types';
import { addToListNode } from './add_to_list/default';
import { branchNode } from './branch/default';
import { clearPropertyNode } from './clear_property/default';
import { copyPropertyNode } from './copy_property/default';
import { createRecordNode } from './create_record/default';
import { createTaskNode } from './create_task/default';
import { delayNode } from './delay/default';
import { enrollNode } from './enroll/default';
import { gotoNode } from './goto/default';
import { incrementPropertyNode } from './increment_property/default';
import { internalEmailNode } from './internal_email/default';
import { notifyNode } from './notify/default';
import { removeFromListNode } from './remove_from_list/default';
import { rotateOwnerNode } from './rotate_owner/default';
import { sendEmailNode } from './send_email/default';
import { setPropertyNode } from './set_property/default';
import { slackNode } from './slack/default';
import { smsNode } from './sms/default';
import { splitNode } from './split/default';
import { subscriptionNode } from './subscription/default';
import { webhookNode } from './webhook/default';
import type { CheckContext, NodeConfig } from './types';

export const nodesConfig: Record<StepType, NodeConfig> = {
  delay: delayNode,
  branch: branchNode,
  split: splitNode,
  goto: gotoNode,
  enroll: enrollNode,
  set_property: setPropertyNode,
  copy_property: copyPropertyNode,
  clear_property: clearPropertyNode,
  increment_property: incrementPropertyNode,
  add_to_list: addToListNode,
  remove_from_list: removeFromListNode,
  subscription: subscriptionNode,
  webhook: webhookNode,
  send_email: sendEmailNode,
  internal_email: internalEmailNode,
  sms: smsNode,
  notify: notifyNode,
  slack: slackNode,
  create_record: createRecordNode,
  create_task: createTaskNode,
  rotate_owner: rotateOwnerNode,
};

/** The config of a step type; unknown types get a neutral fallback. */
export function nodeConfig(type: string): NodeConfig {
  return (nodesConfig as Record<string, NodeConfig>)[type] ?? {
    ...gotoNode, type: type as StepType, label: type, glyph: 'end', checkValid: () => [`"${type}" is not a step type this app knows.`], summary: () => type,
  };
}

/** A new step of a type with its defaults and the given id. */
export function createStep(type: StepType, id: string): Step {
  return { ...structuredClone(nodesConfig[type].create()), id } as Step;
}

/** Local problems of every step, by step id (only steps with problems). */
export function checkAll(steps: Step[]): Record<string, string[]> {
  const ctx: CheckContext = { stepIds: new Set(steps.map((s) => s.id)) };
  const out: Record<string, string[]> = {};
  for (const s of steps) {
    const p = nodeConfig(s.type).checkValid(s, ctx);
    if (p.length) out[s.id] = p;
  }
  return out;
}

export { STEP_TYPES };
export type { NodeConfig, PanelProps } from './types';

/** A step as people know it: its name, else what it does ("Wait 2 hours"); never its id. */
export function stepTitle(s: Step): string {
  return s.name || nodeConfig(s.type).summary(s);
}
