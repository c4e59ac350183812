import { describe, expect, it } from 'vitest';
import type { Trigger } from '../../api/types';
import { describeTrigger, eventNames } from './TriggerNodeView';

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
  it('names a catalogue event and a list as the pickers do, and keeps the id of anything else', () => {
    const event = eventNames({
      sources: [{ id: 'webinargeek', label: 'WebinarGeek' }, { id: 'seen', label: 'Seen on this machine' }],
      events: [
        { type: 'webinar.viewer', source: 'webinargeek', label: 'Viewer', description: '', properties: [] },
        { type: 'crm.synced', source: 'seen', label: 'crm.synced', description: '', properties: [] },
      ],
    });
    const names = { event, list: (id: string) => (id === 'vip' ? 'VIP customers' : undefined) };
    expect(describeTrigger({ type: 'event', event: 'webinar.viewer', min_watch_pct: 50 } as Trigger, names)).toBe('WebinarGeek · Viewer (watched ≥ 50 %)');
    expect(describeTrigger({ type: 'event', event: 'crm.synced' } as Trigger, names)).toBe('Event crm.synced');
    expect(describeTrigger({ type: 'list', list: 'vip', on: 'join' } as Trigger, names)).toBe('Joins list VIP customers');
    expect(describeTrigger({ type: 'list', list: 'gone', on: 'leave' } as Trigger, names)).toBe('Leaves list gone');
  });
});
