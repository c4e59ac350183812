// Example workflows shared with the Go tests (testdata/workflows), for unit tests.
import type { Definition, Step, StepType } from '../api/types';
import leadNurture from '../../../testdata/workflows/lead-nurture.json';
import optIn from '../../../testdata/workflows/opt-in-webhook.json';
import reEngage from '../../../testdata/workflows/re-engage-loop.json';
import renewal from '../../../testdata/workflows/renewal-reminder.json';
import salesHandoff from '../../../testdata/workflows/sales-handoff.json';
import webinar from '../../../testdata/workflows/webinar-follow-up.json';
import merging300 from '../../../testdata/bench/merging-300.json';

export const examples: Record<string, Definition> = {
  'webinar-follow-up': webinar as unknown as Definition,
  'lead-nurture': leadNurture as unknown as Definition,
  'opt-in-webhook': optIn as unknown as Definition,
  're-engage-loop': reEngage as unknown as Definition,
  'renewal-reminder': renewal as unknown as Definition,
  'sales-handoff': salesHandoff as unknown as Definition,
};

/** The generated canvas benchmark workflow (testdata/bench/generate.mjs): 300 steps, merging branches. */
export const bench300 = merging300 as unknown as Definition;

/** One filled-in step of every type, chained by next (branch, split and goto at the end). */
export function everyStepType(): Definition {
  const s: Partial<Record<StepType, Omit<Step, 'id' | 'type'>>> = {
    delay: { duration: '2h' },
    enroll: { workflow: 'sales-handoff' },
    set_property: { property: 'tags', value: ['viewer'], mode: 'append' },
    copy_property: { from: 'city', to: 'billing_city', mode: 'replace' },
    clear_property: { property: 'phone' },
    increment_property: { property: 'score', by: 10 },
    add_to_list: { list: 'replay' },
    remove_from_list: { list: 'old' },
    subscription: { subscription: 'newsletter', status: 'opted_in', legal_basis: 'consent_with_notice', explanation: 'Ticked the box.' },
    webhook: { url: 'http://127.0.0.1:9000/in', method: 'POST', headers: { 'X-A': '1' }, timeout: '10s' },
    send_email: { template: 'thanks' },
    internal_email: { to: ['sales@example.com'], subject: 'New lead', body: 'Hi' },
    sms: { to: '+31612345678', text: 'See you' },
    notify: { users: ['anna'], text: 'No-show' },
    slack: { webhook_url: 'https://hooks.slack.com/services/x', text: 'New signup' },
    create_record: { record_type: 'deal', properties: { stage: 'new' } },
    create_task: { title: 'Call', owner: 'anna', due_in: '2d' },
    rotate_owner: { owners: ['anna', 'bram'], overwrite: true },
  };
  const linear = Object.entries(s).map(([type, fields]) => ({ id: `s-${type}`, type: type as StepType, ...fields }) as Step);
  linear.forEach((st, i) => {
    st.next = i + 1 < linear.length ? linear[i + 1].id : 'choose';
  });
  const steps: Step[] = [
    ...linear,
    {
      id: 'choose', type: 'branch',
      branches: [{ name: 'Big', filter: { all: [{ property: 'score', op: 'gte', value: 50 }] }, next: 'wait-pay' }],
      else: 'ab',
    },
    { id: 'ab', type: 'split', paths: [{ name: 'A', percent: 60, next: 'again' }, { name: 'B', percent: 40, next: 'wait-pay' }] },
    { id: 'wait-pay', type: 'delay', event: { type: 'payment.completed', timeout: '3d', timeout_next: 'again' }, next: undefined },
    { id: 'again', type: 'goto', target: 's-delay' },
  ];
  return {
    id: 'every', name: 'Every step', object: 'contact', triggers: [{ id: 't1', type: 'event', event: 'x' }],
    reenroll: { enabled: false, triggers: [] }, start: 's-delay', steps,
  };
}
