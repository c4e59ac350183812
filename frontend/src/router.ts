// The app's URLs and navigation. The route tree and its matching are React Router's (routes.tsx);
// this file builds the URLs screens link to and routes navigation through that router, so the
// leave guard sees every move. URLs stay hash-based (#/workflows/:id, …): they work from the
// file-less Wails AssetServer and from `flowdesk serve` without server routes, and bookmarks from
// earlier versions keep working.
import type { DataRouter } from 'react-router';

export type Route =
  | { name: 'workflows' }
  /** at: what to open with the problems list ("step:<id>", "trigger" or "settings"). */
  | { name: 'workflow'; id: string; at?: string }
  | { name: 'workflow-enrollments'; id: string; status?: string; step?: string }
  | { name: 'workflow-versions'; id: string; version?: number; against?: number }
  | { name: 'workflow-performance'; id: string }
  /** Activity's filters live in the URL, so a filtered view can be reloaded and shared. */
  | { name: 'activity'; workflow?: string; status?: string; contact?: string; record?: number; from?: string; to?: string }
  | { name: 'records' }
  | { name: 'record'; id: number }
  /** from: the screen it was opened from, when not its workflow (the top bar and the crumbs follow it). */
  | { name: 'enrollment'; id: number; from?: EnrollmentOrigin }
  | { name: 'webhooks' }
  | { name: 'webhook'; id: string }
  | { name: 'settings' }
  | { name: 'outbox' }
  | { name: 'tasks' }
  | { name: 'trash' }
  | { name: 'properties'; object?: string }
  | { name: 'lists' }
  | { name: 'list'; id: string }
  | { name: 'templates' }
  | { name: 'template'; template: string };

/** Where an enrollment was opened from, when not from its workflow's screens. */
export type EnrollmentOrigin = 'activity' | 'record';

/** The origin a URL's ?from= names, or undefined for anything else. */
export function enrollmentOrigin(v: string | null | undefined): EnrollmentOrigin | undefined {
  return v === 'activity' || v === 'record' ? v : undefined;
}

const enc = encodeURIComponent;

function withQuery(path: string, q: Record<string, string | number | undefined>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') s.set(k, String(v));
  const qs = s.toString();
  return '#' + path + (qs ? '?' + qs : '');
}

/** The URL (a hash, "#/…") of a route. */
export function hrefOf(r: Route): string {
  switch (r.name) {
    case 'workflow':
      return withQuery('/workflows/' + enc(r.id), { at: r.at });
    case 'workflow-enrollments':
      return withQuery('/workflows/' + enc(r.id) + '/enrollments', { status: r.status, step: r.step });
    case 'workflow-versions':
      return withQuery('/workflows/' + enc(r.id) + '/versions', { v: r.version || undefined, against: r.against || undefined });
    case 'workflow-performance':
      return '#/workflows/' + enc(r.id) + '/performance';
    case 'activity':
      return withQuery('/activity', { workflow: r.workflow, status: r.status, contact: r.contact, record: r.record, from: r.from, to: r.to });
    case 'record':
      return '#/records/' + r.id;
    case 'enrollment':
      return withQuery('/enrollments/' + r.id, { from: r.from });
    case 'webhook':
      return '#/webhooks/' + enc(r.id);
    case 'list':
      return '#/lists/' + enc(r.id);
    case 'properties':
      return '#/properties' + (r.object ? '/' + enc(r.object) : '');
    case 'template':
      return '#/templates/' + enc(r.template);
    default:
      return '#/' + r.name;
  }
}

let router: DataRouter | null = null;

/** Binds the app's router (routes.tsx does, once it is made). */
export function bindRouter(r: DataRouter | null): void {
  router = r;
}

type Guard = () => boolean;
let guard: Guard | null = null;

/** Installs a check run before leaving the current screen (false stays); returns the remover. */
export function setLeaveGuard(g: Guard | null): () => void {
  guard = g;
  return () => {
    if (guard === g) guard = null;
  };
}

let unguarded = false;

/**
 * Whether a move from one URL to another must stay (the leave guard said no). The router's
 * blocker asks this once per move; a move within the same screen's URL is never asked about.
 */
export function refuseLeave(from: string, to: string): boolean {
  const skip = unguarded;
  unguarded = false;
  if (skip || from === to || !guard) return false;
  return !guard();
}

/**
 * Navigates to a URL ("#/…"), respecting the leave guard unless `skipGuard` (for a move that
 * leaves nothing behind, like a new workflow's editor moving to its id after the first save).
 */
export function navigate(href: string, replace = false, skipGuard = false): void {
  const to = href.replace(/^#/, '');
  if (!router) {
    // no app router (a component test): the URL still changes
    location.hash = href;
    return;
  }
  unguarded = skipGuard;
  // the blocker runs before navigate's first await, so the flag is spent by then
  void router.navigate(to, { replace });
  unguarded = false;
}
