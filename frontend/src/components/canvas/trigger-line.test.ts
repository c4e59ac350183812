import { describe, expect, it } from 'vitest';
import type { Trigger } from '../../api/types';
import { describeTrigger } from './TriggerNodeView';

describe('the trigger card line', () => {
  it('says the scope and the watch rule of a webinar trigger', () => {
    expect(describeTrigger({ type: 'event', event: 'webinar.viewer', scope: { webinar: '54072' }, min_watch_pct: 50 } as Trigger)).toBe('Event webinar.viewer (webinar 54072, watched ≥ 50 %)');
    expect(describeTrigger({ type: 'event', event: 'webinar.non_viewer', max_watch_pct: 10 } as Trigger)).toBe('Event webinar.non_viewer (watched ≤ 10 %)');
    expect(describeTrigger({ type: 'event', event: 'payment.completed' } as Trigger)).toBe('Event payment.completed');
  });
  it('leaves out a scope row not filled in yet, with no stray comma', () => {
    expect(describeTrigger({ type: 'event', event: 'webinar.viewer', scope: { '': '' }, min_watch_pct: 50 } as Trigger)).toBe('Event webinar.viewer (watched ≥ 50 %)');
    expect(describeTrigger({ type: 'event', event: 'webinar.viewer', scope: { webinar: '' } } as Trigger)).toBe('Event webinar.viewer (webinar)');
  });
});
