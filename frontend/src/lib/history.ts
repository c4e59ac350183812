// Readable lines for enrollment history entries (backend/engine plan.go and action.go write
// the outcomes and details): "Waited until Tue 11:00", "Branch: Watched (watch_pct = 80)",
// "Set tags (append) = viewer", "Skipped: …". Pure, so it is unit-tested.
import type { Definition, HistoryEntry, Step } from '../api/types';
import { formatDate, formatTime, formatWeekday } from './datetime';

export interface HistoryLine {
  /** Step name (or id), or "Enrollment" for enrollment-level entries. */
  step: string;
  /** The step id when the entry concerns a step. */
  stepId?: string;
  /** One line in words. */
  text: string;
  /** A tone for the timeline dot. */
  tone: 'ok' | 'wait' | 'fail' | 'skip' | 'info';
  /** The raw error text when the line shows it in words (detail.error_text); for a tooltip. */
  raw?: string;
}

export interface FormatOptions {
  /** IANA zone for times (default: the browser's). */
  timeZone?: string;
  /** The entry's time, used to decide whether a date needs the day as well. */
  now?: Date;
  /** Locale for names and date order (default: the user's). */
  locale?: string;
  /** What to call a step without a name (the editor's card title, "Wait 2 days"); default its id. */
  stepTitle?: (s: Step) => string;
}

/** Formats a value for one line: strings bare, others as JSON, long ones clipped. */
export function showValue(v: unknown): string {
  let s: string;
  if (v === undefined) s = '(nothing)';
  else if (v === null) s = 'null';
  else if (typeof v === 'string') s = v === '' ? '""' : v;
  else if (Array.isArray(v)) s = v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');
  else s = JSON.stringify(v);
  return s.length > 80 ? s.slice(0, 77) + '…' : s;
}

/** "Tue 11:00"; with the date ("Tue 24 Nov 2026 11:00") when more than 6 days from `ref`. */
export function formatWhen(iso: unknown, opts: FormatOptions = {}): string {
  if (typeof iso !== 'string') return '?';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const o = { timeZone: opts.timeZone, locale: opts.locale };
  const ref = opts.now ?? new Date();
  const far = Math.abs(d.getTime() - ref.getTime()) > 6 * 86400_000;
  const near = Math.abs(d.getTime() - ref.getTime()) < 10 * 60_000;
  const time = formatTime(iso, { ...o, seconds: near && d.getUTCSeconds() !== 0 });
  const wd = formatWeekday(iso, o);
  return far ? `${wd} ${formatDate(iso, o)} ${time}` : `${wd} ${time}`;
}

function stepLabel(step: Step | undefined, id: string | undefined, title?: (s: Step) => string): string {
  if (!id) return 'Enrollment';
  return step?.name || (step && title?.(step)) || id;
}

function valuesText(values: unknown): string {
  if (!values || typeof values !== 'object') return '';
  const parts = Object.entries(values as Record<string, unknown>).map(([k, v]) => `${k} = ${showValue(v)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** One history entry in words. `def` is the workflow version the enrollment runs (for names). */
export function formatHistory(h: HistoryEntry, def?: Definition | null, opts: FormatOptions = {}): HistoryLine {
  const d = (h.detail && typeof h.detail === 'object' ? h.detail : {}) as Record<string, unknown>;
  const step = h.step_id ? def?.steps.find((s) => s.id === h.step_id) : undefined;
  const name = (id: unknown) => {
    if (typeof id !== 'string' || !id) return 'the end';
    return stepLabel(def?.steps.find((x) => x.id === id), id, opts.stepTitle);
  };
  const when = (v: unknown) => formatWhen(v, { ...opts, now: opts.now ?? new Date(h.at) });
  const base = { step: stepLabel(step, h.step_id, opts.stepTitle), stepId: h.step_id || undefined };
  const type = h.step_type || step?.type;
  switch (h.outcome) {
    case 'enrolled': {
      const why = typeof d.summary === 'string' && d.summary ? d.summary : 'enrolled';
      // Manual enrollment (one record or in bulk) has the pseudo-trigger "manual".
      const trig = d.trigger === 'manual' ? ' by hand' : typeof d.trigger === 'string' && d.trigger ? ` by trigger ${d.trigger}` : '';
      const v = typeof d.version === 'number' ? `, version ${d.version}` : '';
      return { ...base, text: `Enrolled${trig}: ${why}${v}`, tone: 'info' };
    }
    case 'completed': {
      const n = typeof d.steps_run === 'number' ? ` after ${d.steps_run} step${d.steps_run === 1 ? '' : 's'}` : '';
      const failed = typeof d.failed_steps === 'number' ? d.failed_steps : 0;
      if (failed > 0) return { ...base, text: `Completed the workflow with errors${n}: ${failed} step${failed === 1 ? '' : 's'} failed`, tone: 'fail' };
      return { ...base, text: `Completed the workflow${n}`, tone: 'ok' };
    }
    case 'cancelled':
      return { ...base, text: 'Cancelled' + (typeof d.reason === 'string' ? `: ${d.reason}` : ''), tone: 'skip' };
    case 'goal_reached':
      return { ...base, text: `Reached the goal${typeof d.step === 'string' && d.step ? ` at ${name(d.step)}` : ''}; left the workflow${valuesText(d.values)}`, tone: 'ok' };
    case 'unenrolled':
      return { ...base, text: 'Unenrolled' + (typeof d.reason === 'string' ? `: ${d.reason}` : '') + valuesText(d.values), tone: 'skip' };
    case 'waiting': {
      if (typeof d.awaiting === 'string') {
        // An SMS the provider accepted: the step waits for its delivery status.
        const st = typeof d.provider_status === 'string' ? ` (${d.provider_status})` : '';
        return { ...base, text: `Accepted by the provider${st}; waiting for ${d.awaiting}, failing ${when(d.timeout_at)} without one`, tone: 'wait' };
      }
      if (typeof d.event === 'string') {
        const until = d.timeout_at ? `, giving up ${when(d.timeout_at)}` : '';
        return { ...base, text: `Waiting for event ${d.event}${until}`, tone: 'wait' };
      }
      return { ...base, text: `Waiting until ${when(d.until)}`, tone: 'wait' };
    }
    case 'resumed': {
      const out = d.outcome;
      if (out === 'event') return { ...base, text: `The event happened${d.event_id ? ` (event #${d.event_id})` : ''}; continued`, tone: 'ok' };
      if (out === 'timeout') return { ...base, text: 'Timed out waiting for the event; took the Timed out path', tone: 'wait' };
      return { ...base, text: `Waited until ${when(h.at)}; continued`, tone: 'ok' };
    }
    case 'skipped': {
      const reason = typeof d.reason === 'string' ? d.reason : typeof d.error === 'string' ? d.error : 'no reason given';
      return { ...base, text: `Skipped: ${reason}`, tone: 'skip' };
    }
    case 'failed': {
      const words = clause(d.error_text);
      const raw = words && typeof d.error === 'string' ? d.error : undefined;
      const err = words || (typeof d.error === 'string' ? d.error : 'unknown error');
      if (!h.step_id) return { ...base, text: `Enrollment failed${typeof d.step === 'string' && d.step ? ` at ${name(d.step)}` : ''}: ${err}`, tone: 'fail' };
      const st = typeof d.status === 'number' ? ` (HTTP ${d.status})` : '';
      const dead = d.dead_letter ? '; gave up after retries' : '';
      return { ...base, text: `Failed${st}: ${err}${dead}`, tone: 'fail', ...(raw ? { raw } : {}) };
    }
    case 'rerun': {
      const prev = typeof d.previous_error === 'string' && d.previous_error ? ` (it had failed: ${d.previous_error})` : '';
      return { ...base, text: `Re-run from this step by hand${prev}`, tone: 'info' };
    }
    case 'held': {
      // until_local is the time in the business hours' own zone, as the engine wrote it.
      const until = typeof d.until_local === 'string' ? d.until_local : when(d.until);
      return { ...base, text: `Held until ${until}: outside the workflow's business hours`, tone: 'wait' };
    }
    case 'retrying': {
      // the engine's retry errors end "; will try again", the words "Flowdesk tries again.": the
      // line says when, once
      const words = clause(d.error_text);
      const err = words ? `: ${words}` : typeof d.error === 'string' ? `: ${d.error.replace(/; will try again$/, '')}` : typeof d.status === 'number' ? `: HTTP ${d.status}` : '';
      const raw = words && typeof d.error === 'string' ? { raw: d.error } : {};
      return { ...base, text: `Try ${d.try ?? '?'} did not succeed${err}; retrying ${when(d.retry_at)}`, tone: 'wait', ...raw };
    }
  }
  // ok: by step type
  if ('branch' in d) {
    const b = String(d.branch);
    if (b === 'else') return { ...base, text: 'Branch: Else (no branch matched)', tone: 'ok' };
    return { ...base, text: `Branch: ${b}${valuesText(d.values)}`, tone: 'ok' };
  }
  if ('path' in d && type === 'split') return { ...base, text: `Split: took path ${String(d.path)}${typeof d.percent === 'number' ? ` (${d.percent}% of records)` : ''}`, tone: 'ok' };
  switch (type) {
    case 'goto':
      return { ...base, text: `Went to ${name(d.target)}`, tone: 'ok' };
    case 'set_property': {
      const mode = d.mode === 'append' ? ' (append)' : '';
      return { ...base, text: `Set ${d.property}${mode} = ${showValue(d.value)}`, tone: 'ok' };
    }
    case 'copy_property': {
      const mode = d.mode === 'append' ? ' (append)' : '';
      return { ...base, text: `Copied ${d.from} to ${d.to}${mode} = ${showValue(d.value)}`, tone: 'ok' };
    }
    case 'clear_property':
      return { ...base, text: `Cleared ${d.property}${d.previous !== undefined && d.previous !== null ? ` (was ${showValue(d.previous)})` : ''}`, tone: 'ok' };
    case 'increment_property':
      return { ...base, text: `Increased ${d.property} by ${showValue(d.by)}${d.previous !== undefined && d.previous !== null ? ` (was ${showValue(d.previous)})` : ''}`, tone: 'ok' };
    case 'add_to_list':
      return { ...base, text: `Added to list ${d.list}${d.changed === false ? ' (already a member)' : ''}`, tone: 'ok' };
    case 'remove_from_list':
      return { ...base, text: `Removed from list ${d.list}${d.changed === false ? ' (was not a member)' : ''}`, tone: 'ok' };
    case 'enroll':
      return { ...base, text: `Enrolled in workflow ${d.workflow}${d.enrollment ? ` (enrollment #${d.enrollment})` : ''}`, tone: 'ok' };
  }
  if (typeof d.provider_status === 'string' && type === 'sms' && d.try === undefined) {
    // The provider's status report that ended the step's wait (a try's own line has its number).
    return { ...base, text: `Delivered: the provider reported the message ${d.provider_status}`, tone: 'ok' };
  }
  if (d.delivery === 'outbox') {
    const to = typeof d.target === 'string' && d.target ? ` for ${d.target}` : '';
    return { ...base, text: `Kept in the local outbox${to}, not sent: no ${type === 'sms' ? 'SMS provider' : 'SMTP server'} is set up (Settings)`, tone: 'skip' };
  }
  const parts: string[] = [];
  if (typeof d.target === 'string' && d.target) parts.push(d.target);
  if (typeof d.status === 'number') parts.push(`HTTP ${d.status}`);
  if (typeof d.try === 'number' && d.try > 1) parts.push(`try ${d.try}`);
  const label = type ? type.replace(/_/g, ' ') : 'step';
  const sent = type === 'webhook' || type === 'send_email' || type === 'internal_email' || type === 'sms' || type === 'slack';
  return { ...base, text: `${sent ? 'Delivered' : 'Done'}: ${label}${parts.length ? ` (${parts.join(', ')})` : ''}`, tone: 'ok' };
}

/**
 * An error in words (explain.Error, sentences: "The receiver had an error (HTTP 500). Flowdesk
 * tries again.") as a clause of a history line ("…: the receiver had an error (HTTP 500);
 * retrying Mon 10:05"): the line says what happens next, so "Flowdesk tries again" goes, and so
 * does the last full stop. "" when there are no words.
 */
function clause(words: unknown): string {
  if (typeof words !== 'string' || !words.trim()) return '';
  const t = words.trim().replace(/\s*Flowdesk tries again( later)?\.$/, '').replace(/\.$/, '');
  return /^[A-Z][a-z]/.test(t) ? t[0].toLowerCase() + t.slice(1) : t;
}
