// Hash-based routing (#/workflows, #/workflows/:id[/versions|/performance], #/activity, #/records, #/records/:id, #/enrollments/:id,
// #/properties/:object, #/lists, #/lists/:id, #/templates, #/templates/:name):
// works from a file-less Wails AssetServer and from `flowdesk serve` without server routes.
import { useEffect, useState } from 'react';

export type Route =
  | { name: 'workflows' }
  /** at: what to open with the problems list ("step:<id>", "trigger" or "settings"). */
  | { name: 'workflow'; id: string; at?: string }
  | { name: 'workflow-enrollments'; id: string; status?: string; step?: string }
  | { name: 'workflow-versions'; id: string; version?: number; against?: number }
  | { name: 'workflow-performance'; id: string }
  | { name: 'activity' }
  | { name: 'records' }
  | { name: 'record'; id: number }
  | { name: 'enrollment'; id: number }
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
  | { name: 'template'; template: string }
  | { name: 'not-found'; path: string };

/** Parses a location hash into a route. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/workflows';
  const qi = raw.indexOf('?');
  const path = qi >= 0 ? raw.slice(0, qi) : raw;
  const query = new URLSearchParams(qi >= 0 ? raw.slice(qi + 1) : '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: 'workflows' };
  if (parts[0] === 'workflows' && parts.length === 1) return { name: 'workflows' };
  if (parts[0] === 'workflows' && parts.length === 2) return query.get('at') ? { name: 'workflow', id: parts[1], at: query.get('at')! } : { name: 'workflow', id: parts[1] };
  if (parts[0] === 'workflows' && parts.length === 3 && parts[2] === 'enrollments') {
    const r: Route = { name: 'workflow-enrollments', id: parts[1] };
    if (query.get('status')) r.status = query.get('status')!;
    if (query.get('step')) r.step = query.get('step')!;
    return r;
  }
  if (parts[0] === 'workflows' && parts.length === 3 && parts[2] === 'versions') {
    const r: Route = { name: 'workflow-versions', id: parts[1] };
    if (/^\d+$/.test(query.get('v') ?? '')) r.version = Number(query.get('v'));
    if (/^\d+$/.test(query.get('against') ?? '')) r.against = Number(query.get('against'));
    return r;
  }
  if (parts[0] === 'workflows' && parts.length === 3 && parts[2] === 'performance') return { name: 'workflow-performance', id: parts[1] };
  if (parts[0] === 'activity' && parts.length === 1) return { name: 'activity' };
  if (parts[0] === 'records' && parts.length === 1) return { name: 'records' };
  if (parts[0] === 'records' && parts.length === 2 && /^\d+$/.test(parts[1])) return { name: 'record', id: Number(parts[1]) };
  if (parts[0] === 'enrollments' && parts.length === 2 && /^\d+$/.test(parts[1])) return { name: 'enrollment', id: Number(parts[1]) };
  if (parts[0] === 'webhooks' && parts.length === 1) return { name: 'webhooks' };
  if (parts[0] === 'webhooks' && parts.length === 2) return { name: 'webhook', id: parts[1] };
  if (parts[0] === 'lists' && parts.length === 1) return { name: 'lists' };
  if (parts[0] === 'lists' && parts.length === 2) return { name: 'list', id: parts[1] };
  if (parts[0] === 'templates' && parts.length === 1) return { name: 'templates' };
  if (parts[0] === 'templates' && parts.length === 2) return { name: 'template', template: parts[1] };
  if (parts[0] === 'properties' && parts.length <= 2) return parts[1] ? { name: 'properties', object: parts[1] } : { name: 'properties' };
  if (parts.length === 1 && (parts[0] === 'settings' || parts[0] === 'outbox' || parts[0] === 'tasks' || parts[0] === 'trash')) return { name: parts[0] };
  return { name: 'not-found', path };
}

/** The hash of a route. */
export function hrefOf(r: Route): string {
  switch (r.name) {
    case 'workflows':
      return '#/workflows';
    case 'workflow':
      return '#/workflows/' + encodeURIComponent(r.id) + (r.at ? '?at=' + encodeURIComponent(r.at) : '');
    case 'workflow-enrollments': {
      const q = new URLSearchParams();
      if (r.status) q.set('status', r.status);
      if (r.step) q.set('step', r.step);
      const qs = q.toString();
      return '#/workflows/' + encodeURIComponent(r.id) + '/enrollments' + (qs ? '?' + qs : '');
    }
    case 'workflow-versions': {
      const q = new URLSearchParams();
      if (r.version) q.set('v', String(r.version));
      if (r.against) q.set('against', String(r.against));
      const qs = q.toString();
      return '#/workflows/' + encodeURIComponent(r.id) + '/versions' + (qs ? '?' + qs : '');
    }
    case 'workflow-performance':
      return '#/workflows/' + encodeURIComponent(r.id) + '/performance';
    case 'activity':
      return '#/activity';
    case 'records':
      return '#/records';
    case 'record':
      return '#/records/' + r.id;
    case 'enrollment':
      return '#/enrollments/' + r.id;
    case 'webhooks':
      return '#/webhooks';
    case 'webhook':
      return '#/webhooks/' + encodeURIComponent(r.id);
    case 'lists':
      return '#/lists';
    case 'list':
      return '#/lists/' + encodeURIComponent(r.id);
    case 'properties':
      return '#/properties' + (r.object ? '/' + encodeURIComponent(r.object) : '');
    case 'templates':
      return '#/templates';
    case 'template':
      return '#/templates/' + encodeURIComponent(r.template);
    case 'settings':
    case 'outbox':
    case 'tasks':
    case 'trash':
      return '#/' + r.name;
    default:
      return '#/workflows';
  }
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
 * Navigates to a hash, respecting the leave guard unless `unguarded` (for a move that leaves
 * nothing behind, like a new workflow's editor moving to its id after the first save).
 */
export function navigate(href: string, replace = false, skipGuard = false): void {
  unguarded = skipGuard;
  if (replace) {
    history.replaceState(null, '', href);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = href;
  }
}

/** The current route; follows hash changes, undoing those the leave guard refuses. */
export function useRoute(): Route {
  const [hash, setHash] = useState(() => location.hash);
  useEffect(() => {
    let current = location.hash;
    const on = () => {
      if (location.hash === current) return;
      const skip = unguarded;
      unguarded = false;
      if (!skip && guard && !guard()) {
        history.replaceState(null, '', current || '#/workflows');
        return;
      }
      current = location.hash;
      setHash(current);
    };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return parseHash(hash);
}
