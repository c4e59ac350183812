// A dry run's progress in words, as the Test panel shows it while it polls.
import type { DryRun } from '../api/types';

/** "412 of 3,000 records" and what the run is doing. */
export function progressText(r: DryRun): string {
  const of = `${r.done.toLocaleString()} of ${r.total.toLocaleString()} records`;
  switch (r.status) {
    case 'running':
      return `Simulating… ${of}`;
    case 'done':
      return `Done: ${of}${r.more ? ' (the selection has more; raise the limit to include them)' : ''}`;
    case 'stopped':
      return `Stopped at the time limit: ${of}`;
    case 'cancelled':
      return `Stopped: ${of}`;
    default:
      return `Failed after ${of}: ${r.error ?? ''}`;
  }
}

