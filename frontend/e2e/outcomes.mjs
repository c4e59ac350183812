// End-to-end: honest outcomes. Against `flowdesk serve --demo`, a new user builds a workflow whose
// webhook goes to a receiver on 127.0.0.1 that refuses every request (410), saves it, turns it
// on; an outside system posts an event; the UI must then show the failure everywhere: the red
// counter on the step's card, the toolbar's failed count, the enrollment's status in the list and
// on its page (with the red history entry), and the failed-deliveries list. Nothing may read
// "completed" or "delivered".
import assert from 'node:assert/strict';
import { createServer as createTCPServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { T, publishReview, startReceiver, suite, until } from './rig.mjs';

const WF = 'order-follow-up';

let server;
let page;
let receiver; // answers every request 410

// 3 tries 8 s apart (then about 16 s): long enough to see "retrying", short enough to see the dead letter
const s = suite('outcomes', { demo: true, args: ['--retry-tries', '3', '--retry-base', '8s'], ms: 180_000, shotPrefix: 'outcomes-', acceptDialogs: true, bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors } = s;

before(async () => {
  receiver = await startReceiver({ status: 410, body: 'this receiver is gone', path: '/orders' });
  console.log(`# refusing receiver at ${receiver.url}`);
});

after(() => receiver?.close());

describe('honest outcomes', { concurrency: false }, () => {
  test('the demo workflows open with no problems and their webhooks exist', { timeout: 45_000 }, async () => {
    const list = await api('GET', '/api/workflows');
    const ids = list.body.workflows.map((w) => w.id).sort();
    assert.deepEqual(ids, ['lead-nurture', 'opt-in-webhook', 'sales-handoff', 'webinar-follow-up']);
    for (const id of ids) {
      await page.goto(server.url + '/#/workflows/' + id);
      await page.locator('.step-card').first().waitFor({ timeout: T.med });
      await until(`"No problems" on ${id}`, async () => (await page.getByTestId('problems-button').textContent()) === 'No problems', T.med);
      assert.equal(await page.locator('.toolbar .switch').getAttribute('aria-checked'), 'true', `${id} is on`);
    }
    await page.goto(server.url + '/#/webhooks');
    await page.getByText('WebinarGeek (demo)').waitFor({ timeout: T.med });
    await page.getByText('Newsletter opt-in form (demo)').waitFor({ timeout: T.short });
    const tpls = await api('GET', '/api/email-templates');
    assert.deepEqual(tpls.body.templates.map((t) => t.name).sort(), ['newsletter-welcome', 'we-miss-you', 'webinar-replay', 'webinar-thanks']);

    // every template of the gallery opens as a draft with no problems on the demo database
    for (const key of ['webinar-follow-up', 'lead-nurture', 'opt-in-webhook']) {
      await page.goto(server.url + '/#/workflows');
      await page.getByTestId('create').click();
      await page.locator(`button.choice[data-template="${key}"]`).click();
      await until(`the ${key} draft in the editor`, async () => page.url().includes('#/workflows/new'), T.short);
      await page.locator('.step-card').first().waitFor({ timeout: T.med });
      await until(`"No problems" on the ${key} template`, async () => (await page.getByTestId('problems-button').textContent()) === 'No problems', T.med);
    }
  });

  test('a refused webhook shows as failed on the card, the toolbar, the enrollment and the dead letters', { timeout: 90_000 }, async () => {
    // build: Create workflow → Start from scratch → event trigger → webhook step → save → on
    await page.goto(server.url + '/#/workflows');
    await page.getByTestId('create').click();
    await page.getByRole('button', { name: /Start from scratch/ }).click();
    await page.locator('.side-panel').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Order follow-up');
    await page.getByLabel('Id', { exact: true }).fill(WF);
    await page.locator('.trigger-card').click();
    await page.getByRole('button', { name: 'event', exact: true }).click();
    await page.getByLabel('Trigger id').fill('placed');
    await page.getByLabel('Event type').fill('customer.sale.completed');
    await page.locator('.edge-plus').first().click();
    await page.locator('.palette-item[data-type="webhook"]').click();
    const step = await page.locator('.step-card').first().getAttribute('data-step');
    assert.ok(step, 'a webhook card appears');
    await page.locator('.side-panel').getByLabel('URL', { exact: true }).fill(receiver.url);
    await until('"No problems"', async () => (await page.getByTestId('problems-button').textContent()) === 'No problems', T.med);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await until('the saved workflow route', async () => page.url().endsWith('#/workflows/' + WF), T.med);
    await page.getByText('All changes saved').waitFor({ timeout: T.med });
    await page.locator('.toolbar .switch').click();
    await publishReview(page);
    await until('the switch to be on', async () => (await page.locator('.toolbar .switch').getAttribute('aria-checked')) === 'true', T.med);

    // an outside system posts the event; the receiver refuses the webhook
    const ev = await api('POST', '/api/events', { type: 'customer.sale.completed', record: { type: 'contact', email: 'olga.e2e@example.com', properties: { first_name: 'Olga' } } });
    assert.equal(ev.status, 201, JSON.stringify(ev.body));
    assert.equal(ev.body.enrollments.length, 1);
    const enr = ev.body.enrollments[0];
    const enrollmentId = typeof enr === 'object' ? enr.id : enr;
    await until('the refused request at the receiver', async () => receiver.requests.length >= 1, T.med);

    // the card: a solid red failed counter of 1
    const failedOnCard = page.locator(`.step-card[data-step="${step}"] [data-testid="step-failed"]`);
    await until('the failed counter on the card', async () => (await failedOnCard.count()) === 1 && (await failedOnCard.textContent()) === '1', T.med);
    assert.match(await failedOnCard.getAttribute('class'), /\bhas\b/, 'the failed counter is highlighted');
    assert.equal(await page.locator(`.step-card[data-step="${step}"] .counters .c.completed`).textContent(), '0', 'the step is not counted as completed');
    // the toolbar: 1 failed, 0 done
    await until('the toolbar failed count', async () => (await page.getByTestId('toolbar-failed').textContent()) === '1', T.med);
    const totals = await page.locator('.toolbar .totals').textContent();
    assert.match(totals, /0 done/);
    assert.match(totals, /1 failed/);
    await shot('01-editor');

    // the enrollments page: the status, the tab count and the failed delivery
    await page.locator('.toolbar .totals').click();
    await until('the enrollments screen', async () => page.url().includes(`#/workflows/${WF}/enrollments`), T.short);
    const row = page.locator(`table.enrollments tr[data-enrollment="${enrollmentId}"]`);
    await row.waitFor({ timeout: T.med });
    await until('the completed-with-errors pill', async () => (await row.locator('.pill.completed_with_errors').count()) === 1, T.med);
    assert.match(await row.textContent(), /completed with errors/);
    assert.equal(await page.locator('table.enrollments .pill.completed').count(), 0, 'no row claims plain "completed"');
    assert.match(await page.getByRole('tab', { name: /^completed with errors/ }).textContent(), /completed with errors 1/);
    const dead = page.getByTestId('dead-letters');
    await until('the failed delivery listed', async () => (await dead.locator('tr.row-failed').count()) === 1, T.med);
    assert.match(await dead.textContent(), /410/);
    assert.doesNotMatch(await page.locator('.screen').textContent(), /was delivered/);
    await shot('02-enrollments');
    // "Retry all" of the step is a server-side job: its progress shows, a reload finds it again,
    // and it ends with the summary; the receiver still refuses, and the retry stays failed
    const refusedBefore = receiver.requests.length;
    receiver.holdMs = 4000;
    await dead.getByTestId('retry-all').click();
    await dead.getByTestId('retry-all-progress').getByText('Sending again 0 of 1 · 0 delivered · 0 failed again').waitFor({ timeout: T.med });
    await page.reload();
    await page.getByTestId('dead-letters').getByTestId('retry-all-progress').getByText(/^Sending again 0 of 1/).waitFor({ timeout: T.med });
    await shot('02-retry-job-running');
    await until('the receiver to get the retry', async () => receiver.requests.length === refusedBefore + 1, T.med);
    receiver.holdMs = 0;
    await dead.getByTestId('retry-all-result').getByText('Done: 0 of 1 delivered · 1 failed again (each keeps its Retry)').waitFor({ timeout: T.med });
    await until('the failed retry listed in red', async () => (await dead.locator('tr.row-failed').count()) === 2, T.med);
    assert.match(await dead.locator('tr.row-failed').first().textContent(), /failed[\s\S]*410[\s\S]*Retry/, 'the retry is failed, with its status and a Retry button');
    const jobs = await api('GET', `/api/deliveries/retry-jobs?workflow=${WF}`);
    assert.equal(jobs.body.jobs.length, 1);
    assert.deepEqual([jobs.body.jobs[0].status, jobs.body.jobs[0].total, jobs.body.jobs[0].ok, jobs.body.jobs[0].failed], ['done', 1, 0, 1]);
    assert.equal(receiver.requests.length, refusedBefore + 1, 'the dead letter was sent again once');

    // the enrollment page: status, banner, the red history entry
    await row.click();
    await until('the enrollment page', async () => page.url().endsWith('#/enrollments/' + enrollmentId), T.short);
    await page.getByTestId('history').waitFor({ timeout: T.med });
    await until('the status pill', async () => (await page.locator('h1 .pill.completed_with_errors').count()) === 1, T.med);
    assert.match(await page.getByTestId('failed-banner').textContent(), /Completed with errors: 1 step failed/);
    const red = page.locator('[data-testid="history"] li.tl-fail');
    await until('red history entries', async () => (await red.count()) >= 2, T.med);
    assert.match(await red.first().textContent(), /Failed \(HTTP 410\)/);
    assert.match(await red.last().textContent(), /Completed the workflow with errors/);
    assert.doesNotMatch(await page.getByTestId('history').textContent(), /Delivered: webhook/);
    await shot('03-enrollment');

    // the API says the same
    const got = await api('GET', `/api/enrollments/${enrollmentId}`);
    assert.equal(got.body.enrollment.status, 'completed_with_errors');
    assert.equal(got.body.enrollment.failed_steps, 1);
  });

  test('an email to a mail server that refuses connections shows as retrying, then failed in the list and the bell', { timeout: 90_000 }, async () => {
    // a closed port on 127.0.0.1: listened on, then closed
    const tcp = createTCPServer();
    await new Promise((r) => tcp.listen(0, '127.0.0.1', r));
    const port = tcp.address().port;
    await new Promise((r) => tcp.close(r));
    const set = await api('PUT', '/api/settings', { smtp: { host: '127.0.0.1', port, tls: 'none', from: 'news@acme.example' } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const def = {
      id: 'welcome-mail', name: 'Welcome mail', object: 'contact',
      triggers: [{ id: 'joined', type: 'event', event: 'app.joined' }],
      start: 'welcome',
      steps: [{ id: 'welcome', type: 'send_email', name: 'Welcome email', subject: 'Welcome', body: 'Hello.', next: 'later' }, { id: 'later', type: 'delay', duration: '1d' }],
    };
    assert.equal((await api('POST', '/api/workflows', def)).status, 201);
    assert.equal((await api('POST', '/api/workflows/welcome-mail/enable')).status, 200);
    await page.goto(server.url + '/#/workflows/welcome-mail');
    await page.locator('.step-card[data-step="welcome"]').waitFor({ timeout: T.med });
    const ev = await api('POST', '/api/events', { type: 'app.joined', record: { type: 'contact', email: 'ann.e2e@example.com' } });
    assert.equal(ev.status, 201, JSON.stringify(ev.body));

    // while it waits for its next try: an amber "↻ 1" on the card (short, so the step's type
    // stays readable; "retrying" in its tooltip and for screen readers) and "1 retrying" in the
    // toolbar, 0 failed
    const retrying = page.locator('.step-card[data-step="welcome"] [data-testid="step-retrying"]');
    await until('"↻ 1" on the card', async () => (await retrying.count()) === 1 && (await retrying.textContent()) === '↻ 1', T.med);
    assert.match(await retrying.getAttribute('title'), /^1 retrying/);
    assert.equal(await page.locator('.step-card[data-step="welcome"] .step-type').evaluate((el) => el.scrollWidth <= el.clientWidth), true, 'the step type is not cut');
    assert.match(await retrying.getAttribute('title'), new RegExp(`Could not reach the mail server 127\\.0\\.0\\.1:${port} \\(connection refused\\)`));
    await until('"1 retrying" in the toolbar', async () => (await page.getByTestId('toolbar-retrying').textContent()) === '1', T.short);
    assert.equal(await page.getByTestId('toolbar-failed').textContent(), '0', 'not failed yet');
    await shot('04-retrying');

    // the Outbox's "Failed" tab lists it with the reason in words while it waits, and the
    // Settings email badge no longer reads as merely "configured"
    await page.goto(server.url + '/#/outbox');
    await page.getByRole('tab', { name: 'Failed' }).click();
    const failedRow = page.locator('.outbox-list tbody tr').filter({ hasText: 'ann.e2e@example.com' });
    await until('the failed email in the Outbox', async () => (await failedRow.count()) === 1, T.med);
    // not sent, but not failed for good either: amber "retrying" with the next try, so nobody
    // resends it by hand
    assert.equal(await failedRow.locator('[data-status]').getAttribute('data-status'), 'failed');
    assert.equal(await failedRow.locator('[data-status]').textContent(), 'retrying');
    assert.match(await failedRow.locator('.outbox-reason').textContent(), new RegExp(`^Not sent yet; the step tries again at .+\\. Last try: Could not reach the mail server 127\\.0\\.0\\.1:${port}`));
    await page.goto(server.url + '/#/settings');
    await until('"last email failed" on the email badge', async () => (await page.getByTestId('smtp-badge').textContent()) === 'configured · last email failed', T.med);
    await page.locator('#smtp-test-to').fill('me.e2e@example.com');
    await page.getByRole('button', { name: 'Send a test email' }).click();
    await until('"test failed" on the email badge', async () => (await page.getByTestId('smtp-badge').textContent()) === 'configured · test failed', T.med);
    assert.match(await page.getByTestId('test-email-result').textContent(), /^Not sent: Could not reach the mail server/);
    await shot('04b-settings-badge');

    // after the last try: the list marks it failed, and the bell has one notification
    await until('the dead letter', async () => (await api('GET', '/api/workflows/welcome-mail/stats')).body.open_with_failed_steps === 1, 45_000, 500);
    // after the last try the Outbox says failed, in red
    await page.goto(server.url + '/#/outbox');
    await page.getByRole('tab', { name: 'Failed' }).click();
    await until('"failed" in the Outbox after the last try', async () => (await failedRow.locator('[data-status]').textContent().catch(() => '')) === 'failed', T.med);
    await shot('05a-outbox-failed');
    await page.goto(server.url + '/#/workflows');
    const marker = page.locator('tr[data-workflow="welcome-mail"] [data-testid="list-failed"]');
    await until('the failed marker in the list', async () => (await marker.count()) === 1 && (await marker.textContent()) === '1', T.med);
    await until('the unread notification', async () => (await page.getByTestId('unread-count').count()) === 1, 15_000);
    await page.locator('button.bell').click();
    const note = page.locator('.bell-menu li.unread').first();
    await note.waitFor({ timeout: T.short });
    assert.match(await note.textContent(), /Welcome mail: Welcome email failed/);
    assert.match(await note.textContent(), new RegExp(`the email to ann\\.e2e@example\\.com failed for good after 3 tries: Could not reach the mail server 127\\.0\\.0\\.1:${port}`));
    await shot('05-dead-letter');
    // the menu closes when the user goes elsewhere, and on a press on a canvas card
    await page.evaluate(() => { location.hash = '#/workflows/welcome-mail'; });
    await until('the menu closed on navigating', async () => (await page.locator('.bell-menu').count()) === 0, T.short);
    const card = page.locator('.step-card[data-step="welcome"]');
    await card.waitFor({ timeout: T.med });
    await page.locator('button.bell').click();
    await page.locator('.bell-menu').waitFor({ timeout: T.short });
    await card.click();
    await until('the menu closed on a press on a card', async () => (await page.locator('.bell-menu').count()) === 0, T.short);
  });

  test('no errors in the page', () => {
    // the one 502 is the test send's answer to the refusing mail server (checked above)
    assert.deepEqual(pageErrors.filter((e) => !/status of 502/.test(e)), []);
  });
});
