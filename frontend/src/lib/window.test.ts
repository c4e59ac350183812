import { describe, expect, it } from 'vitest';
import { daysText, overnight, windowText } from './window';

describe('business hours in words', () => {
  it('joins runs of days and names the zone', () => {
    expect(windowText({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }, 'Europe/Amsterdam')).toBe('Mon–Fri 09:00–17:00 (Europe/Amsterdam)');
    expect(windowText({ timezone: 'America/New_York', days: ['sat'], from: '10:00', to: '12:00' }, 'Europe/Amsterdam')).toBe('Sat 10:00–12:00 (America/New_York)');
    expect(windowText({ days: ['mon'], from: '09:00', to: '10:00' })).toBe('Mon 09:00–10:00 (UTC)');
  });
  it('says when the hours run over midnight', () => {
    expect(windowText({ days: ['fri', 'sat'], from: '22:00', to: '06:00' })).toBe('Fri, Sat 22:00–06:00 next day (UTC)');
    expect(overnight({ days: ['mon'], from: '22:00', to: '06:00' })).toBe(true);
    expect(overnight({ days: ['mon'], from: '09:00', to: '17:00' })).toBe(false);
    expect(overnight({ days: ['mon'], from: '22:00', to: '' })).toBe(false);
  });
  it('lists short runs day by day', () => {
    expect(daysText(['mon', 'wed', 'fri'])).toBe('Mon, Wed, Fri');
    expect(daysText(['sat', 'sun', 'mon'])).toBe('Mon, Sat, Sun');
    expect(daysText(['tue', 'wed', 'thu', 'sat'])).toBe('Tue–Thu, Sat');
    expect(daysText(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).toBe('Every day');
    expect(daysText([])).toBe('No days');
  });
});
