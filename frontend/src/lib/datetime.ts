// The one date/time formatter of the UI, on Intl: the user's locale for the order of day, month
// and year and for month and weekday names (never a numeric "12/1/2026" that reads differently
// in the US and Europe), always the 24-hour clock (the engine's "11:00" and the 24-hour fields
// mean the same hour everywhere), and an explicit IANA zone where a screen shows times of one
// workflow (its zone, named in a label), the browser's zone otherwise.

export interface DateTimeOptions {
  /** IANA zone ("Europe/Amsterdam"); unknown or absent: the browser's zone. */
  timeZone?: string;
  /** BCP 47 locale; absent: the user's (the browser's language). */
  locale?: string;
  /** Show seconds too. */
  seconds?: boolean;
}

/** The user's locale: the browser's language (Node's default in unit tests). */
export function userLocale(): string | undefined {
  return typeof navigator !== 'undefined' && navigator.language ? navigator.language : undefined;
}

const cache = new Map<string, Intl.DateTimeFormat>();

function fmt(o: DateTimeOptions, parts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const locale = o.locale ?? userLocale();
  const zone = validZone(o.timeZone);
  const key = JSON.stringify([locale, zone, parts]);
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...parts, ...(zone ? { timeZone: zone } : {}) });
    cache.set(key, f);
  }
  return f;
}

/** The zone if Intl knows it, else undefined (the browser's zone is used then). */
export function validZone(tz?: string): string | undefined {
  if (!tz) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    return undefined;
  }
}

function parse(iso: unknown): Date | null {
  if (typeof iso !== 'string' && !(iso instanceof Date)) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };

/** "11:00" (or "11:00:05" with seconds), 24-hour. */
export function formatTime(iso: unknown, o: DateTimeOptions = {}): string {
  const d = parse(iso);
  if (!d) return typeof iso === 'string' ? iso : '?';
  return fmt(o, { ...TIME, ...(o.seconds ? { second: '2-digit' } : {}) }).format(d);
}

/** "1 Dec 2026" (en-GB), "Dec 1, 2026" (en-US), "1. Dez. 2026" (de). */
export function formatDate(iso: unknown, o: DateTimeOptions = {}): string {
  const d = parse(iso);
  if (!d) return typeof iso === 'string' ? iso : '?';
  return fmt(o, { day: 'numeric', month: 'short', year: 'numeric' }).format(d);
}

/** "1 Dec 2026, 11:00" in the locale's order, 24-hour. */
export function formatDateTime(iso: unknown, o: DateTimeOptions = {}): string {
  const d = parse(iso);
  if (!d) return typeof iso === 'string' ? iso : '?';
  return fmt(o, { day: 'numeric', month: 'short', year: 'numeric', ...TIME, ...(o.seconds ? { second: '2-digit' } : {}) }).format(d);
}

/** "Tue" in the locale. */
export function formatWeekday(iso: unknown, o: DateTimeOptions = {}): string {
  const d = parse(iso);
  if (!d) return '?';
  return fmt(o, { weekday: 'short' }).format(d);
}

/** "Tue 11:00": a time within the next days, on the clock of `o.timeZone` (a test run's steps). */
export function formatWeekdayTime(iso: unknown, o: DateTimeOptions = {}): string {
  if (!parse(iso)) return typeof iso === 'string' ? iso : '?';
  return `${formatWeekday(iso, o)} ${formatTime(iso, o)}`;
}

/** The user's own time zone (the browser's), e.g. "Europe/Amsterdam"; "UTC" when it has none. */
export function userZone(): string {
  return validZone(Intl.DateTimeFormat().resolvedOptions().timeZone) ?? 'UTC';
}

/** "Europe/Amsterdam (CET)": the zone's name and its abbreviation at `at` (for labels). */
export function zoneLabel(tz?: string, at: Date = new Date(), locale?: string): string {
  const zone = validZone(tz) ?? userZone();
  const short = new Intl.DateTimeFormat(locale ?? userLocale(), { timeZone: zone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value;
  return short && short !== zone ? `${zone} (${short})` : zone;
}

/** "just now", "3 min ago", "5 h ago", then the date. */
export function ago(iso: string, now = Date.now(), o: DateTimeOptions = {}): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return formatDate(iso, o);
}

/** A "HH:MM" 24-hour clock time, or the reason it is not one. */
export function checkClock(v: string): string | null {
  if (!v) return 'Enter a time like 09:30 (24-hour clock).';
  const m = /^(\d{1,2}):(\d{2})$/.exec(v.trim());
  if (!m) return `"${v}" is not a time: write it like 09:30 or 17:00 (24-hour clock).`;
  if (Number(m[1]) > 23 || Number(m[2]) > 59) return `"${v}" is not a time of day: hours go up to 23, minutes up to 59.`;
  return null;
}

/** "9:5" -> "09:05"; anything else unchanged. */
export function normaliseClock(v: string): string {
  const m = /^(\d{1,2}):(\d{1,2})$/.exec(v.trim());
  return m ? `${m[1].padStart(2, '0')}:${m[2].padStart(2, '0')}` : v.trim();
}
