import type { Step } from '../../api/types';
import { describeDuration, isClock, isDuration } from '../../lib/duration';
import type { NodeConfig } from '../types';
import { has, problems } from '../util';

export type DelayMode = 'duration' | 'until' | 'event';

/** Which of the three delay forms a step uses. */
export function delayMode(s: Step): DelayMode {
  if (s.event) return 'event';
  if (s.until) return 'until';
  return 'duration';
}

const DAY_NAMES: Record<string, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

export const delayNode: NodeConfig = {
  type: 'delay',
  label: 'Delay',
  group: 'Flow',
  colour: '#64748b',
  glyph: 'clock',
  description: 'Wait for a length of time, until a day and time, or until an event happens.',
  create: () => ({ type: 'delay', duration: '1d' }),
  checkValid(s) {
    const forms = [s.duration !== undefined && s.duration !== '', !!s.until, !!s.event].filter(Boolean).length;
    if (forms !== 1) return ['Choose exactly one way to wait: a length of time, a day and time, or an event.'];
    switch (delayMode(s)) {
      case 'until':
        return problems(
          [isClock(s.until!.time), 'Enter the time of day as HH:MM, like 11:00.'],
          [s.until!.weekdays.every((d) => d in DAY_NAMES), 'Weekdays must be mon to sun.'],
        );
      case 'event':
        return problems(
          [has(s.event!.type), 'Say which event to wait for, like payment.completed.'],
          [!s.event!.timeout || isDuration(s.event!.timeout), 'The timeout must be a length like 3d or 12h.'],
          [!s.event!.timeout_next || has(s.event!.timeout), 'A timeout path needs a timeout.'],
        );
      default:
        return problems([isDuration(s.duration), 'Enter how long to wait, like 2 hours or 3 days.']);
    }
  },
  summary(s) {
    switch (delayMode(s)) {
      case 'until': {
        const days = s.until!.weekdays.length ? s.until!.weekdays.map((d) => DAY_NAMES[d] ?? d).join(', ') : 'any day';
        return `Until ${days} at ${s.until!.time || '--:--'}${s.until!.timezone ? ' ' + s.until!.timezone : ''}`;
      }
      case 'event':
        return `Until ${s.event!.type || 'an event'}${s.event!.timeout ? `, at most ${describeDuration(s.event!.timeout)}` : ''}`;
      default:
        return s.duration ? `Wait ${describeDuration(s.duration)}` : 'Wait';
    }
  },
};
