import { describe, expect, it } from 'vitest';
import { hrefOf } from '../router';
import { anyFilter, NO_FILTERS, readActivityFilters } from './activity';

describe('activity filters in the URL', () => {
  it('round-trips every filter through the address', () => {
    const href = hrefOf({ name: 'activity', workflow: 'webinar-follow-up', status: 'failed', contact: 'ann@', record: 12, from: '2026-03-01', to: '2026-03-31' });
    expect(href).toBe('#/activity?workflow=webinar-follow-up&status=failed&contact=ann%40&record=12&from=2026-03-01&to=2026-03-31');
    const { filters, dropped } = readActivityFilters(new URLSearchParams(href.split('?')[1]));
    expect(filters).toEqual({ workflow: 'webinar-follow-up', status: 'failed', contact: 'ann@', record: 12, from: '2026-03-01', to: '2026-03-31' });
    expect(dropped).toEqual([]);
    expect(hrefOf({ name: 'activity' })).toBe('#/activity');
    expect(anyFilter(NO_FILTERS)).toBe(false);
    expect(anyFilter(filters)).toBe(true);
  });

  it('says which values of a hand-edited address it left out', () => {
    const { filters, dropped } = readActivityFilters(new URLSearchParams('status=broken&record=abc&from=2026-3-1&to=2026-03-31'));
    expect(filters).toEqual({ ...NO_FILTERS, to: '2026-03-31' });
    expect(dropped).toHaveLength(3);
    expect(dropped[0]).toMatch(/"broken" is not a status \(.*failed.*\)/);
    expect(dropped[1]).toMatch(/"abc" is not a record id/);
    expect(dropped[2]).toMatch(/"2026-3-1" is not a day like 2026-03-01 \(started from\)/);
  });
});
