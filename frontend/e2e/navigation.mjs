// End-to-end: the router on `flowdesk serve --demo`, in headless system Chromium. Every earlier
// hash URL opens its screen straight from the address bar (a bookmark, the desktop app's start
// URL); a screen's code arrives only when it is opened (the workflow list does not load the
// template editor's); and an editor with unsaved changes asks "Leave without saving?" on a top
// bar link, on Back and on a hash typed into the address bar, staying put (changes kept) when the user says no.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ART, T, openBrowser, until, watchdog } from './rig.mjs';
import { startServer } from './server.mjs';

let server;
let browser;
let page;
const pageErrors = [];
const scripts = [];
const dialogs = [];
let answer = true;

const timer = watchdog('navigation', 120_000, () => server);
const shot = (name) => page.screenshot({ path: ART + name + '.png' });

before(async () => {
  server = await startServer({ demo: true });
  console.log(`# server ${server.version} at ${server.url} (pid ${server.pid}, demo)`);
  ({ browser, page } = await openBrowser({ errors: pageErrors }));
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    (answer ? d.accept() : d.dismiss()).catch(() => undefined);
  });
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  clearTimeout(timer);
});

describe('routes', { concurrency: false }, () => {
  test('every earlier URL opens its screen; a screen loads its code when opened', { timeout: 60_000 }, async () => {
    await page.goto(server.url + '/');
    await page.locator('tr[data-workflow="webinar-follow-up"]').waitFor({ timeout: T.med });
    assert.ok(!scripts.some((s) => /\/Templates-/.test(s)), 'the list does not load the template editor: ' + scripts.join(' '));
    assert.ok(!scripts.some((s) => /\/WorkflowPerformance-/.test(s)), 'the list does not load the charts');

    const screens = [
      ['/#/workflows', 'tr[data-workflow="webinar-follow-up"]'],
      ['/#/workflows/webinar-follow-up', '.trigger-card'],
      ['/#/workflows/webinar-follow-up?at=trigger', '.trigger-card'],
      ['/#/workflows/webinar-follow-up/enrollments', 'table.enrollments'],
      ['/#/workflows/webinar-follow-up/versions?v=1', '.version-row[data-version="1"]'],
      ['/#/workflows/webinar-follow-up/performance', '.recharts-wrapper'],
      ['/#/activity', 'h1'],
      ['/#/records', 'table.records tbody tr'],
      ['/#/lists', 'h1'],
      ['/#/properties', 'h1'],
      ['/#/properties/contact', 'h1'],
      ['/#/templates', 'tr[data-template="webinar-thanks"]'],
      ['/#/templates/webinar-thanks', 'h1'],
      ['/#/webhooks', 'tr[data-hook]'],
      ['/#/settings', 'h1'],
      ['/#/outbox', 'h1'],
      ['/#/tasks', 'h1'],
      ['/#/trash', 'h1'],
    ];
    for (const [url, sel] of screens) {
      await page.goto(server.url + url);
      await page.locator(sel).first().waitFor({ timeout: T.med }).catch((e) => { throw new Error(`${url}: ${e.message}`); });
      assert.equal(await page.getByText(/^Nothing at/).count(), 0, url);
    }
    assert.ok(scripts.some((s) => /\/Templates-/.test(s)), 'the template editor loaded when opened');

    await page.goto(server.url + '/#/records/999999x');
    await page.getByText('Nothing at "/records/999999x"').waitFor({ timeout: T.med });
    await page.goto(server.url + '/#/no-such-screen');
    await page.getByText('Nothing at "/no-such-screen"').waitFor({ timeout: T.med });
    await page.getByRole('link', { name: 'Go to workflows' }).click();
    await page.locator('tr[data-workflow="webinar-follow-up"]').waitFor({ timeout: T.med });
    assert.ok(page.url().endsWith('#/workflows'));
    assert.deepEqual(pageErrors, []);
  });

  test('unsaved changes: a top bar link and Back ask first, and "no" keeps the editor and its changes', { timeout: 60_000 }, async () => {
    await page.goto(server.url + '/#/workflows');
    await page.locator('tr[data-workflow="webinar-follow-up"]').getByRole('link', { name: 'Webinar follow-up' }).click();
    await until('the editor', async () => page.url().endsWith('#/workflows/webinar-follow-up'), T.med);
    await page.getByText('All changes saved').waitFor({ timeout: T.med });
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('Webinar follow-up (renamed)');
    await page.getByText('Unsaved changes', { exact: true }).waitFor({ timeout: T.short });

    // a top bar link: "no" stays
    answer = false;
    const asked = dialogs.length;
    await page.getByRole('link', { name: 'Records', exact: true }).click();
    await until('the question', async () => dialogs.length === asked + 1, T.short);
    assert.match(dialogs[asked], /unsaved changes\. Leave without saving\?/);
    assert.ok(page.url().endsWith('#/workflows/webinar-follow-up'), 'still in the editor: ' + page.url());
    await page.getByText('Unsaved changes', { exact: true }).waitFor({ timeout: T.short });
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Webinar follow-up (renamed)');

    // Back: "no" stays too
    await page.goBack();
    await until('the second question', async () => dialogs.length === asked + 2, T.short);
    await until('the editor URL back', async () => page.url().endsWith('#/workflows/webinar-follow-up'), T.short);
    await page.getByText('Unsaved changes', { exact: true }).waitFor({ timeout: T.short });
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Webinar follow-up (renamed)');

    // a hash set outside the app (typed into the address bar, a bookmark): "no" stays too
    await page.evaluate(() => { window.location.hash = '#/tasks'; });
    await until('the third question', async () => dialogs.length === asked + 3, T.short);
    await until('the editor URL back after the typed hash', async () => page.url().endsWith('#/workflows/webinar-follow-up'), T.short);
    await page.getByText('Unsaved changes', { exact: true }).waitFor({ timeout: T.short });
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Webinar follow-up (renamed)');
    await shot('nav-01-leave-refused');

    // "yes" leaves, and the change is not saved
    answer = true;
    await page.getByRole('link', { name: 'Records', exact: true }).click();
    await until('the Records screen', async () => page.url().endsWith('#/records'), T.med);
    await page.locator('table.records tbody tr').first().waitFor({ timeout: T.med });
    assert.equal(dialogs.length, asked + 4);
    const wf = await fetch(server.url + '/api/workflows/webinar-follow-up').then((r) => r.json());
    assert.equal(wf.definition.name, 'Webinar follow-up', 'leaving saved nothing');

    // with nothing unsaved, nothing is asked
    await page.goBack();
    await page.getByText('All changes saved').waitFor({ timeout: T.med });
    await page.getByRole('link', { name: 'Activity', exact: true }).click();
    await until('the Activity screen', async () => page.url().endsWith('#/activity'), T.med);
    assert.equal(dialogs.length, asked + 4, 'no question without changes');
    assert.deepEqual(pageErrors, []);
  });
});
