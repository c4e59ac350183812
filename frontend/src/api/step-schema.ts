// Generated from backend/workflow by
//   go test ./backend/workflow/ -run TestFrontendStepSchemaIsCurrent -update
// Do not edit: that test fails when this file and the Go definitions differ, and
// step-schema.test.ts fails the type check when the interfaces in types.ts differ from it.

/** Every step type in palette order (workflow.StepTypes). */
export const STEP_TYPES = ['delay', 'branch', 'split', 'goto', 'enroll', 'set_property', 'copy_property', 'clear_property', 'increment_property', 'add_to_list', 'remove_from_list', 'subscription', 'webhook', 'send_email', 'internal_email', 'sms', 'notify', 'slack', 'create_record', 'create_task', 'rotate_owner'] as const;

/** The fields each step type uses besides id, type and name (workflow.StepFields). */
export const STEP_FIELDS = {
  delay: ['next', 'duration', 'until', 'event'],
  branch: ['branches', 'else', 'property'],
  split: ['paths'],
  goto: ['target'],
  enroll: ['next', 'workflow'],
  set_property: ['next', 'property', 'value', 'mode', 'target'],
  copy_property: ['next', 'from', 'to', 'mode', 'target'],
  clear_property: ['next', 'property', 'target'],
  increment_property: ['next', 'property', 'by'],
  add_to_list: ['next', 'list'],
  remove_from_list: ['next', 'list'],
  subscription: ['next', 'subscription', 'status', 'legal_basis', 'explanation'],
  webhook: ['next', 'url', 'method', 'headers', 'secret', 'template', 'timeout', 'response_map', 'format', 'event', 'properties'],
  send_email: ['next', 'template', 'subject', 'body'],
  internal_email: ['next', 'to', 'template', 'subject', 'body'],
  sms: ['next', 'to', 'text'],
  notify: ['next', 'users', 'text'],
  slack: ['next', 'webhook_url', 'text'],
  create_record: ['next', 'record_type', 'properties'],
  create_task: ['next', 'title', 'owner', 'due_in'],
  rotate_owner: ['next', 'owners', 'overwrite'],
} as const;

/** The JSON fields of workflow.Step. */
export const STEP_KEYS = ['id', 'type', 'name', 'next', 'duration', 'until', 'event', 'branches', 'else', 'paths', 'target', 'workflow', 'property', 'value', 'mode', 'by', 'from', 'to', 'list', 'subscription', 'status', 'legal_basis', 'explanation', 'url', 'method', 'headers', 'secret', 'template', 'timeout', 'response_map', 'format', 'subject', 'body', 'webhook_url', 'users', 'text', 'record_type', 'properties', 'title', 'owner', 'due_in', 'owners', 'overwrite'] as const;

/** The JSON fields of workflow.Until. */
export const UNTIL_KEYS = ['weekdays', 'time', 'timezone'] as const;

/** The JSON fields of workflow.WaitEvent. */
export const WAIT_EVENT_KEYS = ['type', 'filter', 'timeout', 'timeout_next'] as const;

/** The JSON fields of workflow.Branch. */
export const BRANCH_KEYS = ['name', 'filter', 'expr', 'value', 'next'] as const;
