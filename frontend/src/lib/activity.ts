// Activity's filters as they live in the URL (#/activity?workflow=&status=&contact=&record=&from=&to=):
// read back with what the address got wrong, so a shared or reloaded view says why a filter was
// dropped instead of showing everything silently.
import type { EnrollmentStatus } from '../api/types';
import { STATUSES, statusLabel } from './outcome';

export interface ActivityFilters {
  workflow: string;
  status: EnrollmentStatus | '';
  contact: string;
  /** A record id, or 0 for any record. */
  record: number;
  from: string;
  to: string;
}

export const NO_FILTERS: ActivityFilters = { workflow: '', status: '', contact: '', record: 0, from: '', to: '' };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters in a URL's query, and one sentence per value it had to leave out. */
export function readActivityFilters(q: URLSearchParams): { filters: ActivityFilters; dropped: string[] } {
  const f: ActivityFilters = { ...NO_FILTERS };
  const dropped: string[] = [];
  f.workflow = q.get('workflow') ?? '';
  f.contact = (q.get('contact') ?? '').trim();
  const status = q.get('status') ?? '';
  if ((STATUSES as string[]).includes(status)) f.status = status as EnrollmentStatus;
  else if (status) dropped.push(`"${status}" is not a status (${STATUSES.map(statusLabel).join(', ')}); showing any status.`);
  const record = q.get('record') ?? '';
  if (/^[1-9]\d*$/.test(record)) f.record = Number(record);
  else if (record) dropped.push(`"${record}" is not a record id; showing every record.`);
  for (const k of ['from', 'to'] as const) {
    const v = q.get(k) ?? '';
    if (DAY.test(v) && !Number.isNaN(Date.parse(v))) f[k] = v;
    else if (v) dropped.push(`"${v}" is not a day like 2026-03-01 (${k === 'from' ? 'started from' : 'to'}); left out.`);
  }
  return { filters: f, dropped };
}

/** Whether any filter is set. */
export function anyFilter(f: ActivityFilters): boolean {
  return !!(f.workflow || f.status || f.contact || f.record || f.from || f.to);
}
