// Lengths as the backend writes them ("90s", "2h", "3d", "1w", "1d12h").

export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w';

export const DURATION_UNITS: { unit: DurationUnit; one: string; many: string }[] = [
  { unit: 'm', one: 'minute', many: 'minutes' },
  { unit: 'h', one: 'hour', many: 'hours' },
  { unit: 'd', one: 'day', many: 'days' },
  { unit: 'w', one: 'week', many: 'weeks' },
  { unit: 's', one: 'second', many: 'seconds' },
];

/** Splits a simple length ("2h") into amount and unit; null for compound or invalid ones. */
export function splitDuration(s: string | undefined): { amount: number; unit: DurationUnit } | null {
  const m = /^(-?\d+(?:\.\d+)?)(s|m|h|d|w)$/.exec((s ?? '').trim());
  if (!m) return null;
  return { amount: Number(m[1]), unit: m[2] as DurationUnit };
}

/** Joins amount and unit into a length ("2h"). */
export function joinDuration(amount: number, unit: DurationUnit): string {
  return `${amount}${unit}`;
}

/** A length in words: "2 hours", "1 day 12 hours"; the raw text when it cannot be read. */
export function describeDuration(s: string | undefined): string {
  const text = (s ?? '').trim();
  if (!text) return '';
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|us|ns|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.replace(/^-/, '')) return text;
  const words = parts.map(([, n, u]) => {
    const def = DURATION_UNITS.find((x) => x.unit === u);
    if (!def) return `${n}${u}`;
    return `${n} ${Number(n) === 1 ? def.one : def.many}`;
  });
  return (text.startsWith('-') ? '-' : '') + words.join(' ');
}

/** True when the text is a length the backend accepts (positive, known units). */
export function isDuration(s: string | undefined): boolean {
  const text = (s ?? '').trim();
  if (!/^(\d+(\.\d+)?(ms|us|ns|s|m|h|d|w))+$/.test(text)) return false;
  return /[1-9]/.test(text);
}

/** True for a signed length ("-3d", "0d", "2h"). */
export function isOffset(s: string | undefined): boolean {
  const text = (s ?? '').trim().replace(/^[+-]/, '');
  return /^(\d+(\.\d+)?(ms|us|ns|s|m|h|d|w))+$/.test(text);
}

/** True for HH:MM on a 24-hour clock. */
export function isClock(s: string | undefined): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(s ?? '');
}

/**
 * What is wrong with a typed wait amount, in the words of someone who typed a number ("A delay
 * must be at least 1 minute."), or null when it is fine.
 */
export function amountProblem(amount: number, unit: DurationUnit): string | null {
  const u = DURATION_UNITS.find((x) => x.unit === unit) ?? DURATION_UNITS[0];
  if (!Number.isFinite(amount) || amount < 1) return `A delay must be at least 1 ${u.one}.`;
  if (!Number.isInteger(amount)) return `Use a whole number of ${u.many} (or a smaller unit).`;
  return null;
}

/**
 * The engine's problem with a delay's duration ("waits \"-1d\", which is not a valid length …
 * write it like \"90s\"") said in the panel's terms: the number and unit the user picked;
 * null when the engine's own words are the better ones.
 */
export function durationMessage(duration: string | undefined): string | null {
  const split = splitDuration(duration);
  // a number and unit the panel can show: only a bad amount is put in other words
  if (split) return amountProblem(split.amount, split.unit);
  if (!duration) return 'Say how long to wait: a number and a unit, a day and time, or an event.';
  return `"${duration}" is not a length of time: enter a number and pick a unit.`;
}

/**
 * What a duration field says under itself about its value (the words of amountProblem, or
 * "Say how long…" for a required field left empty); null when it says nothing, as for a
 * compound length ("1d12h") typed as text, which the engine checks.
 */
export function durationFieldProblem(value: string | undefined, optional = false): string | null {
  const split = splitDuration(value);
  if (split) return amountProblem(split.amount, split.unit);
  return value === '' && !optional ? durationMessage('') : null;
}
