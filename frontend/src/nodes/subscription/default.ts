import type { NodeConfig } from '../types';
import { has, problems } from '../util';

export const LEGAL_BASES = ['consent_with_notice', 'legitimate_interest_prospect', 'legitimate_interest_client', 'performance_of_contract', 'consent'];

export const subscriptionNode: NodeConfig = {
  type: 'subscription',
  label: 'Subscription status',
  group: 'Lists and subscriptions',
  colour: '#16a34a',
  glyph: 'badge',
  description: 'Opt the record in or out of a subscription, with the legal basis.',
  create: () => ({ type: 'subscription', subscription: '', status: 'opted_in', legal_basis: 'consent_with_notice' }),
  checkValid: (s) =>
    problems(
      [has(s.subscription), 'Enter the subscription, like newsletter.'],
      [s.status === 'opted_in' || s.status === 'opted_out', 'Choose opted in or opted out.'],
    ),
  summary: (s) => `${s.status === 'opted_out' ? 'Opt out of' : 'Opt in to'} ${s.subscription || '…'}`,
};
