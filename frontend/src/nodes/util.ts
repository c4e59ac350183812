// Small pure helpers shared by node configs.
import { describeDuration, isDuration } from '../lib/duration';

/** Collects messages for conditions that fail. */
export function problems(...checks: [boolean, string][]): string[] {
  return checks.filter(([ok]) => !ok).map(([, msg]) => msg);
}

/** A value as short text for card summaries. */
export function show(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(show).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * Text for a card, a picker or a placeholder: tokens read as the value they stand for
 * ("Thanks for watching, {{contact.first_name | default "there"}}" → "Thanks for watching,
 * [first_name]"), then shortened.
 */
export function clip(s: string, n = 48): string {
  const t = s.replace(/\{\{\s*([A-Za-z_][\w.]*)[^}]*\}\}/g, (_, path: string) => `[${path.split('.').pop()}]`);
  return t.length > n ? t.slice(0, n - 1) + '…' : t;
}

/** True when a string is set (non-blank). */
export function has(s: string | undefined | null): boolean {
  return !!s && s.trim() !== '';
}

/** A list field (a string or a list of strings) as a list. */
export function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export { describeDuration, isDuration };

/** The record type a property step writes to when it targets associated records ("associated:company"). */
export function targetType(s: { target?: string; type: string }): string | undefined {
  if (s.type === 'goto' || !s.target?.startsWith('associated:')) return undefined;
  return s.target.slice('associated:'.length) || undefined;
}

/** " on associated companys"-style suffix for summaries: " (associated company)". */
export function targetSuffix(s: { target?: string; type: string }): string {
  const t = targetType(s);
  return t ? ` (associated ${t})` : '';
}
