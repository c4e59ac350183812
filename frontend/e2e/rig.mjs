// The one rig of the end-to-end suites: bounded waits, a JSON API client, the system Chromium
// with the flags this machine needs, and a whole-run watchdog. Each suite starts its own
// `flowdesk serve` (server.mjs) so suites never share state.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

/** Timeouts in ms: one step, one screen, a slow operation. */
export const T = { short: 5000, med: 15000, long: 30000 };

/** Screenshots go here (gitignored). */
export const ART = new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(ART, { recursive: true });

/** Chromium's flags: headless as root, and no background traffic to hosts this machine cannot reach. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Polls fn until it returns a truthy value; fails with `what` after timeout ms. */
export async function until(what, fn, timeout = T.med, every = 200) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A JSON client of a server's API: api(method, path, body) -> { status, body }. */
export function apiClient(getServer) {
  return async (method, path, body) => {
    const res = await fetch(getServer().url + path, {
      method,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

/**
 * The row counts of records, enrollments and outbox messages, as one string to compare before
 * and after something that must write nothing (a dry run, a test run).
 */
export async function rowCounts(api) {
  const recs = await api('GET', '/api/records?limit=1000');
  const ens = await api('GET', '/api/enrollments?limit=1000');
  const out = await api('GET', '/api/outbox?limit=1000');
  const n = [recs.body.records?.length, ens.body.enrollments?.length, out.body.messages?.length];
  if (!n.every((x) => typeof x === 'number')) throw new Error('row counts not read: ' + JSON.stringify(n));
  return JSON.stringify(n);
}

/** Stops the run (and the server) if it takes longer than ms: a suite never hangs CI. */
export function watchdog(name, ms, getServer) {
  const timer = setTimeout(async () => {
    console.error(`e2e ${name}: the run took longer than ${Math.round(ms / 1000)} s; stopping`);
    await getServer()?.stop().catch(() => undefined);
    process.exit(1);
  }, ms);
  timer.unref();
  return timer;
}

/**
 * Launches the system Chromium with a 1440×900 page that records page errors (and console
 * errors other than expected 404s) into errors.
 */
export async function openBrowser({ errors, contextOptions = {} } = {}) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: T.long });
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...contextOptions });
  ctx.setDefaultTimeout(T.short * 2);
  const page = await ctx.newPage();
  if (errors) {
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/404|AbortError/.test(m.text())) errors.push(m.text());
    });
  }
  return { browser, page };
}

/**
 * Publishes from the open review dialog (turning a workflow on, or saving one that is on):
 * answers "also enroll records that meet the triggers now?" when `enroll` is given, clicks
 * Publish and waits for the dialog to close. Returns the dialog's text as it was shown.
 */
export async function publishReview(page, { enroll } = {}) {
  const dlg = page.getByTestId('review-dialog');
  await dlg.waitFor({ timeout: T.med });
  await until('the review to load', async () => !(await dlg.textContent()).includes('Comparing with the live version'), T.med);
  const text = await dlg.textContent();
  if (enroll !== undefined) await dlg.getByLabel(enroll ? /^\s*Yes, enroll/ : /^\s*No, only/).check();
  await page.getByTestId('publish-button').click();
  await dlg.waitFor({ state: 'detached', timeout: T.med });
  return text;
}

/**
 * A receiver on 127.0.0.1, the outside system a webhook step posts to: it answers every request
 * with r.status and the plain text r.body after r.holdMs (a test may change all three between
 * requests; a hold keeps a retry job visibly running), and keeps each request
 * ({ method, path, body }) in r.requests. Close it with r.close().
 */
export async function startReceiver({ status = 200, body = 'ok', path = '/', holdMs = 0 } = {}) {
  const r = { url: '', status, body, holdMs, requests: [], close: async () => undefined };
  const srv = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      r.requests.push({ method: req.method, path: req.url, body: data });
      setTimeout(() => res.writeHead(r.status, { 'Content-Type': 'text/plain' }).end(r.body), r.holdMs);
    });
  });
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${srv.address().port}${path}`;
  r.close = () => new Promise((ok) => {
    srv.closeAllConnections();
    srv.close(() => ok());
  });
  return r;
}

/**
 * Unenrolls with the "Unenroll…" button inside scope (the page of an enrollment, or its row on a
 * record's page) with a reason, and waits for the dialog to close.
 */
export async function unenroll(page, scope, reason) {
  await scope.getByRole('button', { name: 'Unenroll…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Unenroll' });
  await dialog.getByLabel('Reason').fill(reason);
  await dialog.getByRole('button', { name: 'Unenroll', exact: true }).click();
  await dialog.waitFor({ state: 'detached', timeout: T.med });
}

/**
 * Clicks Delete on a workflow's row of the list and returns the confirmation once it has
 * counted the open enrollments (its `delete-open` line).
 */
export async function askDelete(page, row, name) {
  await row.getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: `Delete "${name}"?` });
  await dialog.waitFor({ timeout: T.med });
  await until('the open enrollments in the dialog', async () => (await dialog.getByTestId('delete-open').count()) === 1, T.med);
  return dialog;
}

/** Opens the Trash from the top bar and returns the deleted workflow's row there, once listed. */
export async function openTrash(page, id) {
  await page.getByRole('navigation').getByRole('link', { name: 'Trash', exact: true }).click();
  const trashed = page.locator(`tr[data-trashed="${id}"]`);
  await trashed.waitFor({ timeout: T.med });
  return trashed;
}

/** Restores a workflow from its row in the Trash: the toast says so and the row leaves. */
export async function restoreFromTrash(page, trashed, name) {
  await trashed.getByRole('button', { name: 'Restore' }).click();
  await page.locator('.toast', { hasText: `Restored "${name}" (off)` }).waitFor({ timeout: T.med });
  await until('the row to leave the Trash', async () => (await trashed.count()) === 0, T.med);
}

/**
 * A suite's fixtures, set up in a `before` and torn down in an `after` of the calling file: its
 * own `flowdesk serve` (with the demo data when demo), a Chromium page recording page errors,
 * the API client, screenshots named by shotPrefix, and a watchdog of ms for the whole file.
 * s.server and s.page are set once the `before` has run; bind(s) is called then, for suites
 * that keep them in variables of their own. acceptDialogs answers every dialog yes and records
 * it in s.dialogs ("confirm: Leave without saving?").
 */
export function suite(name, { demo = false, args = [], ms = 150_000, viewport, timezoneId, shotPrefix = '', fullPage = false, acceptDialogs = false, bind } = {}) {
  const s = { server: null, browser: null, page: null, pageErrors: [], dialogs: [] };
  s.api = apiClient(() => s.server);
  s.shot = (shot) => s.page.screenshot({ path: ART + shotPrefix + shot + '.png', fullPage });
  const timer = watchdog(name, ms, () => s.server);
  before(async () => {
    s.server = await startServer({ demo, args });
    console.log(`# server ${s.server.version} at ${s.server.url} (pid ${s.server.pid}${demo ? ', demo' : ''})`);
    ({ browser: s.browser, page: s.page } = await openBrowser({ errors: s.pageErrors, contextOptions: { ...(viewport ? { viewport } : {}), ...(timezoneId ? { timezoneId } : {}) } }));
    if (acceptDialogs) {
      s.page.on('dialog', (d) => {
        s.dialogs.push(`${d.type()}: ${d.message()}`);
        d.accept().catch(() => undefined);
      });
    }
    bind?.(s);
  });
  after(async () => {
    await s.browser?.close().catch(() => undefined);
    await s.server?.stop();
    clearTimeout(timer);
  });
  return s;
}
