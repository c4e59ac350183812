// End-to-end: enrolling and unenrolling by hand on `flowdesk serve --demo`, in headless system
// Chromium, the way a marketer does it: a contact's page → "Enroll in workflow…"; a workflow's
// toolbar → "Enroll records…" by filter → count → confirm → progress → done; an enrollment's
// page → "Unenroll…" with a reason → the reason in its history.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T, suite, unenroll, until } from './rig.mjs';

let server;
let page;

const s = suite('enroll', { demo: true, shotPrefix: 'enroll-', acceptDialogs: true, bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors } = s;

const apiGet = (path) => api('GET', path);

/** Opens a demo contact's page the way a user does: Records → search → click the row. */
async function openContact(text, heading) {
  await page.goto(server.url + '/#/records');
  await page.getByLabel('Search records').fill(text);
  await until(`one record for ${text}`, async () => (await page.locator('table.records tbody tr').count()) === 1, T.med);
  await page.locator('table.records tbody tr').first().click();
  await page.getByRole('heading', { name: heading }).waitFor({ timeout: T.med });
}

describe('enroll and unenroll by hand', { concurrency: false }, () => {
  test('a: a contact → Enroll in workflow… → the manual-only workflow → enrolled', { timeout: 45_000 }, async () => {
    await openContact('dmitri', /Dmitri Ivanov/);
    // his events read as fields (webinar.title: …), not JSON, and the table fits the page
    const evs = page.locator('table.record-events');
    await evs.waitFor({ timeout: T.med });
    assert.match(await evs.textContent(), /webinar\.title: /);
    assert.doesNotMatch(await evs.textContent(), /\{"/);
    assert.ok(await evs.evaluate((t) => t.getBoundingClientRect().right <= document.documentElement.clientWidth), 'the events table fits the page');
    const rows = page.locator('tr[data-enrollment]');
    const before = await rows.count();
    await page.getByRole('button', { name: 'Enroll in workflow…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Enroll in workflow' });
    const option = dialog.locator('li[data-workflow="sales-handoff"]');
    await option.waitFor({ timeout: T.med });
    assert.match(await option.textContent(), /Manual enrollment only/);
    await shot('01-record-options');
    await option.getByRole('button', { name: 'Enroll' }).click();
    await dialog.waitFor({ state: 'detached', timeout: T.med });
    await until('the new enrollment in the record’s list', async () => (await rows.count()) === before + 1 && /Sales hand-off/.test(await page.locator('tr[data-enrollment]').allTextContents().then((t) => t.join('|'))), T.med);
    await page.getByRole('status').filter({ hasText: 'Enrolled' }).waitFor();
    await shot('02-record-enrolled');

    // Asked again, the dialog says why it is not available now.
    await page.getByRole('button', { name: 'Enroll in workflow…' }).click();
    const again = page.getByRole('dialog', { name: 'Enroll in workflow' }).locator('li[data-workflow="sales-handoff"]');
    await until('the reason it is unavailable', async () => /Already enrolled|re-enrollment is off/.test(await again.textContent()), T.med);
    assert.equal(await again.getByRole('button', { name: 'Enroll' }).isDisabled(), true);
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  });

  test('b: workflow → Enroll records… by filter → count → confirm → progress → done', { timeout: 45_000 }, async () => {
    await page.goto(server.url + '/#/workflows/sales-handoff');
    await page.getByRole('button', { name: 'Enroll records…' }).click();
    const dialog = page.getByRole('dialog', { name: /Enroll contacts in Sales hand-off/ });
    await dialog.getByRole('tab', { name: 'By filter' }).click();
    await dialog.getByRole('button', { name: '+ Condition' }).click();
    await dialog.getByLabel('Property', { exact: true }).fill('city');
    await dialog.getByLabel('Operator').selectOption('is_known');
    await dialog.getByRole('button', { name: 'Count contacts' }).click();
    const count = dialog.getByTestId('enroll-count');
    await count.waitFor({ timeout: T.med });
    // Five demo contacts have a city; Dmitri went through this workflow in test a.
    assert.match(await count.textContent(), /^5 contacts match: 4 will be enrolled, 1 skipped \((already enrolled|enrolled before \(re-enrollment is off\)): 1\)\.$/);
    await shot('03-filter-count');
    await dialog.getByRole('button', { name: 'Enroll 4 contacts' }).click();
    const progress = dialog.getByTestId('enroll-progress');
    await progress.waitFor({ timeout: T.med });
    await until('the job to finish', async () => (await progress.getAttribute('data-status')) === 'done', T.med);
    assert.match(await progress.getByRole('status').textContent(), /^Done: 4 enrolled, 1 skipped/);
    assert.equal(await progress.locator('progress').evaluate((p) => p.value === p.max), true);
    await shot('04-filter-done');
    const jobs = await apiGet('/api/enroll-jobs?workflow=sales-handoff');
    assert.equal(jobs.body.jobs[0].enrolled, 4);
    await dialog.locator('.dialog-actions').getByRole('button', { name: 'Close' }).click();
  });

  test('b2: Enroll records… by search: tick a contact, count, enroll', { timeout: 45_000 }, async () => {
    // A new contact arrives the way contacts do: an event.
    const res = await fetch(server.url + '/api/events', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'form.submitted', record: { type: 'contact', email: 'zoe.search@example.com', properties: { first_name: 'Zoe', last_name: 'Search' } } }),
    });
    assert.equal(res.status, 201);
    await page.goto(server.url + '/#/workflows/sales-handoff');
    await page.getByRole('button', { name: 'Enroll records…' }).click();
    const dialog = page.getByRole('dialog', { name: /Enroll contacts in Sales hand-off/ });
    await dialog.getByRole('tab', { name: 'By search' }).click();
    await dialog.getByLabel('Search records').fill('zoe.search');
    const row = dialog.locator('.picker-rows label').filter({ hasText: 'Zoe Search' });
    await row.waitFor({ timeout: T.med });
    await until('one search result', async () => (await dialog.locator('.picker-rows label').count()) === 1, T.med);
    await row.locator('input[type=checkbox]').check();
    await dialog.getByText('1 selected').waitFor();
    await dialog.getByRole('button', { name: 'Count contacts' }).click();
    await dialog.getByTestId('enroll-count').filter({ hasText: '1 contact match: 1 will be enrolled.' }).waitFor({ timeout: T.med });
    await dialog.getByRole('button', { name: 'Enroll 1 contact' }).click();
    const progress = dialog.getByTestId('enroll-progress');
    await until('the job to finish', async () => (await progress.getAttribute('data-status')) === 'done', T.med);
    assert.equal(await progress.getByRole('status').textContent(), 'Done: 1 enrolled.');
    await dialog.locator('.dialog-actions').getByRole('button', { name: 'Close' }).click();
  });

  test('c: unenroll from the enrollment page with a reason; it is in the history', { timeout: 45_000 }, async () => {
    // The demo's lead-nurture enrollments wait for a Tuesday.
    await openContact('elif', /Elif/);
    const open = page.locator('tr[data-enrollment]').filter({ has: page.getByRole('button', { name: 'Unenroll…' }) });
    await until('an open enrollment of Elif', async () => (await open.count()) > 0, T.med);
    await open.first().locator('a').first().click();
    await page.getByTestId('history').waitFor({ timeout: T.med });
    await unenroll(page, page, 'Asked us to stop emailing');
    await until('the cancelled status', async () => /cancelled/.test(await page.locator('.screen-head h1').textContent()), T.med);
    await until('the reason in the history', async () => /Cancelled: Asked us to stop emailing/.test(await page.getByTestId('history').textContent()), T.med);
    assert.equal(await page.getByRole('button', { name: 'Unenroll…' }).count(), 0);
    await shot('05-unenrolled');
  });

  test('d: unenroll from the record page', { timeout: 45_000 }, async () => {
    await openContact('bram', /Bram/);
    const open = page.locator('tr[data-enrollment]').filter({ has: page.getByRole('button', { name: 'Unenroll…' }) });
    await until('an open enrollment of Bram', async () => (await open.count()) > 0, T.med);
    const id = await open.first().getAttribute('data-enrollment');
    await unenroll(page, open.first(), 'Moved to a partner');
    const row = page.locator(`tr[data-enrollment="${id}"]`);
    await until('the row shows cancelled', async () => /cancelled/.test(await row.textContent()), T.med);
    assert.equal(await row.getByRole('button', { name: 'Unenroll…' }).count(), 0);
    const d = await apiGet('/api/enrollments/' + id);
    assert.equal(d.body.enrollment.status, 'cancelled');
    assert.equal(d.body.history.at(-1).detail.reason, 'Moved to a partner');
  });

  test('no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
