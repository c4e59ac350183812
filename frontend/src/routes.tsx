// The route tree (React Router, hash URLs) and the app's shell. Each screen is its own lazily
// loaded chunk: the first screen loads only what it shows, and the router keeps the current
// screen up until the next one's code has arrived.
import { useEffect, type ComponentType, type ReactNode } from 'react';
import {
  createHashRouter, useBlocker, useLocation, useMatches, useParams, useRouteError, useSearchParams,
  Outlet, type RouteObject,
} from 'react-router';
import { NotificationBell } from './components/NotificationBell';
import { Spinner } from './components/common';
import { bindRouter, enrollmentOrigin, navigate, refuseLeave, type Route } from './router';

type RouteName = Route['name'] | 'workflows-index' | 'not-found';

/** What a screen's route passes it: the URL's path parameters and query. */
interface At {
  params: Readonly<Record<string, string | undefined>>;
  query: URLSearchParams;
}

/** A lazily loaded screen: the module's code arrives when the route is first opened. */
function screen<M>(id: RouteName, path: string, load: () => Promise<M>, render: (m: M, at: At) => ReactNode): RouteObject {
  return {
    id,
    path,
    lazy: async () => {
      const m = await load();
      function Screen() {
        const params = useParams();
        const [query] = useSearchParams();
        return render(m, { params, query });
      }
      return { Component: Screen as ComponentType };
    },
  };
}

const num = (s: string | undefined) => (/^\d+$/.test(s ?? '') ? Number(s) : undefined);
const str = (q: URLSearchParams, k: string) => q.get(k) || undefined;

/** The screens, by URL. Ids are the route names of router.ts's Route. */
export const screens: RouteObject[] = [
  screen('workflows-index', '/', () => import('./screens/WorkflowList'), (m) => <m.WorkflowListScreen />),
  screen('workflows', '/workflows', () => import('./screens/WorkflowList'), (m) => <m.WorkflowListScreen />),
  // no key: a new workflow's first save changes the id, not the editor
  screen('workflow', '/workflows/:id', () => import('./screens/WorkflowEditor'), (m, { params, query }) => <m.WorkflowEditorScreen id={params.id!} at={str(query, 'at')} />),
  screen('workflow-enrollments', '/workflows/:id/enrollments', () => import('./screens/WorkflowEnrollments'),
    (m, { params, query }) => <m.WorkflowEnrollmentsScreen id={params.id!} status={str(query, 'status')} step={str(query, 'step')} key={params.id} />),
  screen('workflow-versions', '/workflows/:id/versions', () => import('./screens/WorkflowVersions'),
    (m, { params, query }) => <m.WorkflowVersionsScreen id={params.id!} version={num(query.get('v') ?? '')} against={num(query.get('against') ?? '')} key={params.id} />),
  screen('workflow-performance', '/workflows/:id/performance', () => import('./screens/WorkflowPerformance'), (m, { params }) => <m.WorkflowPerformanceScreen id={params.id!} key={params.id} />),
  screen('activity', '/activity', () => import('./screens/Activity'), (m, { query }) => <m.ActivityScreen query={query} />),
  screen('records', '/records', () => import('./screens/Records'), (m) => <m.RecordsScreen />),
  screen('record', '/records/:id', () => import('./screens/RecordDetail'), (m, { params }) => (num(params.id) === undefined ? <NotFound /> : <m.RecordDetailScreen id={num(params.id)!} key={params.id} />)),
  screen('enrollment', '/enrollments/:id', () => import('./screens/EnrollmentDetail'), (m, { params, query }) => (num(params.id) === undefined ? <NotFound /> : <m.EnrollmentDetailScreen id={num(params.id)!} from={enrollmentOrigin(query.get('from'))} key={params.id} />)),
  screen('webhooks', '/webhooks', () => import('./screens/Webhooks'), (m) => <m.WebhooksScreen />),
  screen('webhook', '/webhooks/:id', () => import('./screens/Webhooks'), (m, { params }) => <m.WebhookDetailScreen id={params.id!} key={params.id} />),
  screen('settings', '/settings', () => import('./screens/Settings'), (m) => <m.SettingsScreen />),
  screen('outbox', '/outbox', () => import('./screens/Outbox'), (m) => <m.OutboxScreen />),
  screen('tasks', '/tasks', () => import('./screens/Tasks'), (m) => <m.TasksScreen />),
  screen('trash', '/trash', () => import('./screens/Trash'), (m) => <m.TrashScreen />),
  screen('lists', '/lists', () => import('./screens/Lists'), (m) => <m.ListsScreen />),
  screen('list', '/lists/:id', () => import('./screens/Lists'), (m, { params }) => <m.ListDetailScreen id={params.id!} key={params.id} />),
  screen('properties', '/properties/:object?', () => import('./screens/Properties'), (m, { params }) => <m.PropertiesScreen object={params.object ?? 'contact'} key={params.object ?? 'contact'} />),
  screen('templates', '/templates', () => import('./screens/Templates'), (m) => <m.TemplatesScreen />),
  screen('template', '/templates/:name', () => import('./screens/Templates'), (m, { params }) => <m.TemplateEditScreen name={params.name!} key={params.name} />),
  { id: 'not-found', path: '*', Component: NotFound },
];

export const routes: RouteObject[] = [{ id: 'root', Component: Shell, HydrateFallback: Loading, ErrorBoundary: ScreenError, children: screens }];

/** Makes the app's router and binds navigate() to it. */
export function createAppRouter() {
  const moved = indexOutsideMoves();
  const r = createHashRouter(routes);
  // the router's own moves (push, replace) change the current entry without a popstate
  r.subscribe(moved);
  bindRouter(r);
  return r;
}

/**
 * Gives a history entry the router did not make (a hash typed into the address bar, a bookmark
 * opened in this tab, location.hash set) the index the router's own entries carry, as the one
 * after the current entry (where the browser put it). With it the router's blocker can refuse
 * that move too and step back; without it React Router lets such a move through unasked. The
 * listener must run before the router's, so it is added before the router is made. Returns what
 * to call after each router move.
 */
function indexOutsideMoves(): () => void {
  type Entry = { usr?: unknown; key?: string; idx?: number } | null;
  let current = (history.state as Entry)?.idx ?? 0;
  window.addEventListener('popstate', () => {
    const st = history.state as Entry;
    if (typeof st?.idx === 'number') {
      current = st.idx;
      return;
    }
    current += 1;
    history.replaceState({ usr: null, key: Math.random().toString(36).slice(2, 10), ...st, idx: current }, '');
  });
  return () => {
    current = (history.state as Entry)?.idx ?? current;
  };
}

function Loading() {
  return <Spinner label="Loading" />;
}

function NotFound() {
  const { pathname } = useLocation();
  return <div className="screen-message">Nothing at "{pathname}". <a href="#/workflows">Go to workflows</a></div>;
}

function ScreenError() {
  const e = useRouteError();
  return (
    <div className="screen-message error" role="alert">
      This screen could not open: {e instanceof Error ? e.message : String(e)}. <button className="btn" onClick={() => location.reload()}>Reload</button>
    </div>
  );
}

/** The screen section a route belongs to, for the top bar: an enrollment's is where it was opened from (its workflow unless ?from= says Activity or a record). */
export function sectionOf(name: string, query?: URLSearchParams): string {
  switch (name) {
    case 'records': case 'record': return 'records';
    case 'lists': case 'list': return 'lists';
    case 'activity': return 'activity';
    case 'enrollment': {
      const from = enrollmentOrigin(query?.get('from'));
      return from === 'activity' ? 'activity' : from === 'record' ? 'records' : 'workflows';
    }
    case 'webhooks': case 'webhook': return 'webhooks';
    case 'templates': case 'template': return 'templates';
    case 'settings': case 'outbox': case 'tasks': case 'trash': case 'properties': return name;
    default: return 'workflows';
  }
}

const NAV: [string, string][] = [
  ['workflows', 'Workflows'], ['activity', 'Activity'], ['records', 'Records'], ['lists', 'Lists'], ['properties', 'Properties'],
  ['templates', 'Templates'], ['webhooks', 'Webhooks'], ['tasks', 'Tasks'], ['outbox', 'Outbox'], ['trash', 'Trash'],
];

function Shell() {
  const matches = useMatches();
  const [query] = useSearchParams();
  const section = sectionOf(matches[matches.length - 1]?.id ?? 'workflows', query);
  // The leave guard decides in the blocker itself (it asks with confirm), so a refused move is
  // reset at once and never shown as pending.
  const blocker = useBlocker(({ currentLocation: a, nextLocation: b }) => refuseLeave(a.pathname + a.search, b.pathname + b.search));
  useEffect(() => {
    if (blocker.state === 'blocked') blocker.reset();
  }, [blocker]);
  useLinksThroughRouter();
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/workflows">
          <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden="true"><path d="M5 4v6a4 4 0 0 0 4 4h6 M15 10l4 4-4 4" /></svg>
          Flowdesk
        </a>
        <nav>
          {NAV.map(([s, label]) => <a key={s} className={section === s ? 'on' : ''} href={'#/' + s}>{label}</a>)}
        </nav>
        <span className="grow" />
        <a className={'topbar-link' + (section === 'settings' ? ' on' : '')} href="#/settings">Settings</a>
        <NotificationBell />
      </header>
      <main className="main">
        <Outlet />
      </main>
    </div>
  );
}

/**
 * Sends plain in-app links (<a href="#/…">) through the router, so a click on one is a router
 * move the leave guard is asked about (a bare hash change cannot be refused before it happens).
 * It listens in the capture phase: links in table rows stop the click's propagation (the row
 * opens something else), and no link of ours cancels its own click.
 */
function useLinksThroughRouter() {
  useEffect(() => {
    const on = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const a = e.target instanceof Element ? e.target.closest('a[href^="#/"]') : null;
      if (!a || a.hasAttribute('download') || (a.getAttribute('target') ?? '_self') !== '_self') return;
      e.preventDefault();
      navigate(a.getAttribute('href')!);
    };
    window.addEventListener('click', on, true);
    return () => window.removeEventListener('click', on, true);
  }, []);
}
