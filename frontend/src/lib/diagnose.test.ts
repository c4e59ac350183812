import { describe, expect, it } from 'vitest';
import type { Definition } from '../api/types';
import { diagnoseView, flatten } from './diagnose';

const def = {
  id: 'w', name: 'W', object: 'contact', start: 'a', steps: [], reenroll: { enabled: false, triggers: [] },
  triggers: [{ id: 'registered', type: 'event', event: 'webinar.registered', scope: { webinar: '54072' } }],
} as Definition;

describe('diagnoseView', () => {
  it('explains an event enrollment', () => {
    const v = diagnoseView({
      trigger: 'registered', trigger_type: 'event', summary: 'Event webinar.registered in webinar 54072', version: 3,
      matched: { email: 'ann@example.com', 'event.type': 'webinar.registered' },
      event: { id: 5, env: { type: 'webinar.registered', occurred_at: '2026-11-23T03:10:20Z', scope: { webinar: '54072' }, webinar_title: 'Basics' } },
    }, def);
    expect(v.summary).toBe('Event webinar.registered in webinar 54072');
    expect(v.trigger).toBe('Trigger registered (an event trigger)');
    expect(v.triggerDefinition).toBe('When event webinar.registered happens in webinar 54072');
    expect(v.matched).toEqual([{ key: 'email', value: 'ann@example.com' }, { key: 'event.type', value: 'webinar.registered' }]);
    expect(v.event).toEqual({ id: 5, type: 'webinar.registered', occurredAt: '2026-11-23T03:10:20Z', fields: [{ key: 'scope.webinar', value: '54072' }, { key: 'webinar_title', value: 'Basics' }] });
    expect(v.version).toBe(3);
  });

  it('says every rule of a webinar trigger, the watch percentage too', () => {
    const watched = { ...def, triggers: [{ id: 'viewer', type: 'event', event: 'webinar.viewer', scope: { webinar: '54072' }, min_watch_pct: 50 }] } as Definition;
    const v = diagnoseView({ trigger: 'viewer', trigger_type: 'event', summary: '', matched: null, version: 1 }, watched);
    expect(v.triggerDefinition).toBe('When event webinar.viewer happens in webinar 54072 (watched ≥ 50 %)');
  });

  it('explains criteria, manual and workflow enrollments', () => {
    const f = diagnoseView({ trigger: 'new-lead', trigger_type: 'filter', summary: 'Started to meet the filter criteria', matched: { lifecycle: 'lead' }, version: 1 }, null);
    expect(f.trigger).toBe('Trigger new-lead (a criteria trigger)');
    expect(f.triggerDefinition).toBeUndefined();
    expect(f.event).toBeUndefined();
    expect(diagnoseView({ trigger: '', trigger_type: 'manual', summary: '', matched: null, version: 1 }).trigger).toBe('Enrolled by hand');
    expect(diagnoseView({ trigger: '', trigger_type: 'manual', summary: '', matched: null, version: 1 }).summary).toBe('No reason recorded');
    expect(diagnoseView({ trigger: '', trigger_type: 'enroll', summary: 'x', by: 'webinar/enroll-sales', matched: {}, version: 1 }).trigger).toBe('Enrolled by webinar/enroll-sales');
  });

  it('flattens nested values', () => {
    expect(flatten({ b: { c: 1, d: [1, 2] }, a: null })).toEqual([{ key: 'a', value: 'null' }, { key: 'b.c', value: '1' }, { key: 'b.d', value: '1, 2' }]);
    expect(flatten(null)).toEqual([]);
  });
});
