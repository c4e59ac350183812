import type { NodeConfig } from '../types';
import { clip, has, isDuration, problems } from '../util';

export const WEBHOOK_METHODS = ['POST', 'PUT', 'PATCH'];

export const webhookNode: NodeConfig = {
  type: 'webhook',
  label: 'Send a webhook',
  group: 'Integrations',
  colour: '#ea580c',
  glyph: 'webhook',
  description: 'Send the record to another system over HTTP.',
  create: () => ({ type: 'webhook', url: '', method: 'POST', timeout: '10s' }),
  checkValid: (s) =>
    problems(
      [has(s.url), 'Enter the address to send to.'],
      [!has(s.url) || /^https?:\/\/\S+$/.test(s.url!), 'Enter the full http:// or https:// address.'],
      [!s.method || WEBHOOK_METHODS.includes(s.method), 'The method is POST, PUT or PATCH.'],
      [!s.timeout || isDuration(s.timeout), 'The timeout is a length like 10s.'],
    ),
  summary: (s) => clip(`${s.method || 'POST'} ${s.url || '…'}`),
};

/** The event types systeme.io sends webhooks for (the "systemeio" format's; the engine validates the same list). */
export const SYSTEMEIO_EVENTS = ['contact.campaign.finished', 'contact.course.enrolled', 'contact.course_bundle.enrolled',
  'contact.email_link.clicked', 'contact.optin.completed', 'contact.page.visited', 'contact.tag.added',
  'contact.tag.removed', 'contact.webinar.registered', 'customer.sale.completed'];
