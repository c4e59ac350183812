import type { NodeConfig } from '../types';
import { clip, has, problems } from '../util';

export const slackNode: NodeConfig = {
  type: 'slack',
  label: 'Slack message',
  group: 'Integrations',
  colour: '#ea580c',
  glyph: 'hash',
  description: 'Post to a Slack channel through an incoming webhook.',
  create: () => ({ type: 'slack', webhook_url: '', text: '' }),
  checkValid: (s) =>
    problems(
      [has(s.webhook_url), 'Enter the Slack incoming-webhook address.'],
      [!has(s.webhook_url) || /^https?:\/\/\S+$/.test(s.webhook_url!), 'Enter the full https:// address.'],
      [has(s.text), 'Write the message.'],
    ),
  summary: (s) => clip(s.text ? `Slack: ${s.text}` : 'Slack message'),
};
