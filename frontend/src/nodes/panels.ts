// Side-panel form per step type (kept apart from the pure registry in index.ts).
import type { StepType } from '../api/types';
import { AddToListPanel } from './add_to_list/panel';
import { BranchPanel } from './branch/panel';
import { ClearPropertyPanel } from './clear_property/panel';
import { CopyPropertyPanel } from './copy_property/panel';
import { CreateRecordPanel } from './create_record/panel';
import { CreateTaskPanel } from './create_task/panel';
import { DelayPanel } from './delay/panel';
import { EnrollPanel } from './enroll/panel';
import { GotoPanel } from './goto/panel';
import { IncrementPropertyPanel } from './increment_property/panel';
import { InternalEmailPanel } from './internal_email/panel';
import { NotifyPanel } from './notify/panel';
import { RemoveFromListPanel } from './remove_from_list/panel';
import { RotateOwnerPanel } from './rotate_owner/panel';
import { SendEmailPanel } from './send_email/panel';
import { SetPropertyPanel } from './set_property/panel';
import { SlackPanel } from './slack/panel';
import { SmsPanel } from './sms/panel';
import { SplitPanel } from './split/panel';
import { SubscriptionPanel } from './subscription/panel';
import { WebhookPanel } from './webhook/panel';
import type { PanelComponent } from './types';

export const panels: Record<StepType, PanelComponent> = {
  delay: DelayPanel,
  branch: BranchPanel,
  split: SplitPanel,
  goto: GotoPanel,
  enroll: EnrollPanel,
  set_property: SetPropertyPanel,
  copy_property: CopyPropertyPanel,
  clear_property: ClearPropertyPanel,
  increment_property: IncrementPropertyPanel,
  add_to_list: AddToListPanel,
  remove_from_list: RemoveFromListPanel,
  subscription: SubscriptionPanel,
  webhook: WebhookPanel,
  send_email: SendEmailPanel,
  internal_email: InternalEmailPanel,
  sms: SmsPanel,
  notify: NotifyPanel,
  slack: SlackPanel,
  create_record: CreateRecordPanel,
  create_task: CreateTaskPanel,
  rotate_owner: RotateOwnerPanel,
};
