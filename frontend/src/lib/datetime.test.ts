import { describe, expect, it } from 'vitest';
import { ago, checkClock, formatDate, formatDateTime, formatTime, formatWeekdayTime, normaliseClock, zoneLabel } from './datetime';

const at = '2026-12-01T10:00:05Z';

describe('datetime', () => {
  it('uses the 24-hour clock in every locale', () => {
    expect(formatTime(at, { timeZone: 'UTC', locale: 'en-US' })).toBe('10:00');
    expect(formatTime('2026-12-01T15:30:00Z', { timeZone: 'UTC', locale: 'en-US' })).toBe('15:30');
    expect(formatTime(at, { timeZone: 'UTC', locale: 'en-GB', seconds: true })).toBe('10:00:05');
    expect(formatDateTime('2026-12-01T15:30:00Z', { timeZone: 'UTC', locale: 'en-US' })).not.toMatch(/AM|PM/);
  });

  it('follows the locale for the date, with the month as a word (never 12/1/2026)', () => {
    expect(formatDate(at, { timeZone: 'UTC', locale: 'en-GB' })).toBe('1 Dec 2026');
    expect(formatDate(at, { timeZone: 'UTC', locale: 'en-US' })).toBe('Dec 1, 2026');
    expect(formatDate(at, { timeZone: 'UTC', locale: 'nl-NL' })).toBe('1 dec 2026');
    expect(formatDateTime(at, { timeZone: 'UTC', locale: 'en-US' })).not.toMatch(/\d+\/\d+\/\d+/);
  });

  it('shows times in the zone asked for and names it', () => {
    expect(formatTime(at, { timeZone: 'Europe/Amsterdam', locale: 'en-GB' })).toBe('11:00');
    expect(formatTime(at, { timeZone: 'America/New_York', locale: 'en-GB' })).toBe('05:00');
    expect(zoneLabel('Europe/Amsterdam', new Date(at), 'en-GB')).toBe('Europe/Amsterdam (CET)');
    // an unknown zone falls back to the browser's instead of throwing
    expect(formatTime(at, { timeZone: 'Not/AZone' })).toMatch(/^\d\d:\d\d$/);
  });

  it('says how long ago, then the date', () => {
    const now = Date.parse(at);
    expect(ago(at, now + 10_000)).toBe('just now');
    expect(ago(at, now + 5 * 60_000)).toBe('5 min ago');
    expect(ago(at, now + 3 * 3600_000)).toBe('3 h ago');
    expect(ago(at, now + 3 * 86400_000, { locale: 'en-GB', timeZone: 'UTC' })).toBe('1 Dec 2026');
    expect(ago('not a date')).toBe('not a date');
  });

  it('checks 24-hour clock times', () => {
    expect(checkClock('09:30')).toBeNull();
    expect(checkClock('23:59')).toBeNull();
    expect(checkClock('24:00')).toMatch(/up to 23/);
    expect(checkClock('11:00 AM')).toMatch(/24-hour/);
    expect(checkClock('')).toMatch(/Enter a time/);
    expect(normaliseClock('9:5')).toBe('09:05');
  });
});

describe('formatWeekdayTime', () => {
  it('shows the weekday and the clock of the zone given', () => {
    expect(formatWeekdayTime('2026-12-01T10:00:00Z', { timeZone: 'Europe/Amsterdam', locale: 'en-GB' })).toBe('Tue 11:00');
    expect(formatWeekdayTime('2026-12-01T23:30:00Z', { timeZone: 'Asia/Tokyo', locale: 'en-GB' })).toBe('Wed 08:30');
  });
  it('gives back what it cannot read', () => {
    expect(formatWeekdayTime('soon', { locale: 'en-GB' })).toBe('soon');
  });
});
