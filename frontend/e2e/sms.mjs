// End-to-end: an SMS that waits for its delivery status. On a fresh `flowdesk serve` the user
// sets up the SMS provider in Settings (a wrong wait is refused under its field and nothing is
// saved; the right one survives a reload). A Twilio-style provider on 127.0.0.1 answers
// "queued" and later reports "delivered" to the listener, signed with the auth token; the
// enrollment's page shows the step waiting, then delivered. A second message the provider
// reports undelivered is failed everywhere it shows: the enrollment page, Activity, the step's
// counters in the editor, the Outbox (Failed, with the reason) and the delivery log. The workflow
// is made through the API (building an SMS step in the editor is the editor suite's).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ART, T, apiClient, openBrowser, until, watchdog } from './rig.mjs';
import { startServer } from './server.mjs';

const TOKEN = 'tok-e2e-secret';

let server;
let browser;
let page;
let provider;
const pageErrors = [];
const sent = []; // the provider's messages: their form fields

const timer = watchdog('sms', 150_000, () => server);
const api = apiClient(() => server);
const shot = (name) => page.screenshot({ path: ART + name + '.png' });

// report posts a status as Twilio does: a form signed with HMAC-SHA1 over the URL and the
// fields sorted by name.
async function report(callback, status, errorCode) {
  const form = { MessageSid: 'SM0001', AccountSid: 'AC1', MessageStatus: status };
  if (errorCode) form.ErrorCode = errorCode;
  const signed = callback + Object.keys(form).sort().map((k) => k + form[k]).join('');
  const res = await fetch(callback, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': createHmac('sha1', TOKEN).update(signed).digest('base64') },
    body: new URLSearchParams(form).toString(),
  });
  return res.status;
}

before(async () => {
  server = await startServer({});
  provider = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      sent.push(Object.fromEntries(new URLSearchParams(body)));
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ sid: 'SM0001', status: 'queued' }));
    });
  });
  await new Promise((r) => provider.listen(0, '127.0.0.1', r));
  ({ browser, page } = await openBrowser({ errors: pageErrors }));
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await new Promise((r) => (provider ? provider.close(r) : r()));
  await server?.stop();
  clearTimeout(timer);
});

describe('SMS delivery status', { concurrency: false }, () => {
  test('set up the provider in Settings → bad wait refused → save → reload', { timeout: 60_000 }, async () => {
    const provURL = `http://127.0.0.1:${provider.address().port}`;
    await page.goto(server.url + '/#/settings');
    await page.locator('#sms-url').fill(provURL);
    await page.locator('#sms-account').fill('AC1');
    await page.locator('#sms-from').fill('+15005550006');
    await page.locator('[data-secret="sms-token"]').getByRole('button', { name: 'Set' }).click();
    await page.locator('#sms-token').fill(TOKEN);
    await page.locator('#sms-status-timeout').fill('1000');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const field = page.locator('.field', { has: page.locator('#sms-status-timeout') });
    await until('the error under the wait field', async () => /between 1 and 720 hours/.test(await field.textContent()), T.med);
    const unsaved = await api('GET', '/api/settings');
    assert.equal(unsaved.body.sms.url, '', 'a refused save wrote the provider address');
    assert.equal(unsaved.body.sms.auth_token.set, false, 'a refused save wrote the token');

    await page.locator('#sms-status-timeout').fill('24');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor({ timeout: T.med });
    await page.reload();
    await page.locator('#sms-url').waitFor();
    assert.equal(await page.locator('#sms-url').inputValue(), provURL);
    assert.equal(await page.locator('#sms-status-timeout').inputValue(), '24');
    assert.equal(await page.getByTestId('sms-token-state').textContent(), 'set');
    await shot('sms-settings');
  });

  test('a queued SMS waits on the enrollment page until the provider reports it delivered', { timeout: 80_000 }, async () => {
    const def = {
      id: 'e2e-sms', name: 'Text reminder', object: 'contact',
      triggers: [{ id: 'go', type: 'event', event: 'webinar.registered' }], reenroll: { enabled: false, triggers: [] },
      start: 'text', steps: [
        { id: 'text', type: 'sms', name: 'Text the reminder', to: ['{{contact.phone}}'], text: 'See you at 11!', next: 'done' },
        { id: 'done', type: 'set_property', property: 'lead_status', value: 'attempted_to_contact' },
      ],
    };
    assert.equal((await api('POST', '/api/workflows', def)).status, 201);
    assert.equal((await api('POST', '/api/workflows/e2e-sms/enable')).status, 200);
    const ev = await api('POST', '/api/events', { type: 'webinar.registered', record: { email: 'ann.sms@example.com', properties: { phone: '+31612345678' } } });
    assert.equal(ev.status, 201, JSON.stringify(ev.body));
    await until('the provider to get the message', async () => sent.length === 1, T.long);
    const callback = sent[0].StatusCallback;
    assert.ok(callback?.startsWith(server.url + '/hooks/sms-status/'), `StatusCallback ${callback}`);
    assert.equal(sent[0].To, '+31612345678');

    const list = await until('the enrollment to wait', async () => {
      const r = await api('GET', '/api/enrollments?workflow=e2e-sms');
      return r.body.enrollments?.[0]?.status === 'waiting' && r.body.enrollments;
    }, T.long);
    await page.goto(server.url + `/#/enrollments/${list[0].id}`);
    await page.getByText(/Accepted by the provider \(queued\); waiting for a delivery status from the SMS provider/).waitFor({ timeout: T.med });
    await shot('sms-waiting');

    assert.equal(await report(callback, 'sending'), 200);
    assert.equal(await report(callback, 'delivered'), 200);
    // The page refreshes a waiting enrollment by itself.
    await page.getByText('Delivered: the provider reported the message delivered').waitFor({ timeout: T.long });
    await page.getByText(/Completed the workflow/).waitFor({ timeout: T.med });
    await shot('sms-delivered');
  });

  test('an SMS the provider reports undelivered is failed on every screen', { timeout: 90_000 }, async () => {
    const reason = 'the provider reported the message undelivered (error 30003)';
    const ev = await api('POST', '/api/events', { type: 'webinar.registered', record: { email: 'bob.sms@example.com', properties: { phone: '+31612345679' } } });
    assert.equal(ev.status, 201, JSON.stringify(ev.body));
    await until('the provider to get the second message', async () => sent.length === 2, T.long);
    assert.equal(sent[1].To, '+31612345679');
    const id = await until('the enrollment to wait', async () => {
      const r = await api('GET', '/api/enrollments?workflow=e2e-sms&status=waiting');
      return r.body.enrollments?.[0]?.id;
    }, T.long);
    assert.equal(await report(sent[1].StatusCallback, 'undelivered', '30003'), 200);

    // the enrollment page: status, banner, the red line with the provider's reason, the delivery log
    await page.goto(server.url + `/#/enrollments/${id}`);
    await page.getByText(`Failed: ${reason}`).waitFor({ timeout: T.long });
    await until('the status pill', async () => (await page.locator('h1 .pill.completed_with_errors').count()) === 1, T.med);
    assert.match(await page.getByTestId('failed-banner').textContent(), /1 step failed/);
    const log = page.getByTestId('deliveries');
    await until('the failure in the delivery log', async () => (await log.locator('tr.row-failed').count()) === 1, T.med);
    assert.match(await log.locator('tr.row-failed').textContent(), /undelivered \(error 30003\)/);
    await shot('sms-failed-enrollment');

    // Activity, filtered to "completed with errors" through the URL: this enrollment, not Ann's
    await page.goto(server.url + '/#/activity?status=completed_with_errors');
    const row = page.locator(`[data-testid="activity"] tr[data-enrollment="${id}"]`);
    await row.waitFor({ timeout: T.med });
    assert.match(await row.textContent(), /bob\.sms@example\.com/);
    assert.equal(await page.locator('[data-testid="activity"] tbody tr').count(), 1, 'only the failed enrollment is listed');

    // the editor: the step's counters say 1 done (Ann's) and 1 failed (Bob's)
    await page.goto(server.url + '/#/workflows/e2e-sms');
    const failedOnCard = page.locator('.step-card[data-step="text"] [data-testid="step-failed"]');
    await until('the failed counter on the card', async () => (await failedOnCard.count()) === 1 && (await failedOnCard.textContent()) === '1', T.med);
    assert.equal(await page.locator('.step-card[data-step="text"] .counters .c.completed').textContent(), '1');

    // the Outbox: Bob's message under Failed with the reason, Ann's under Delivered, none under Sent
    await page.goto(server.url + '/#/outbox');
    const tab = (name) => page.getByRole('tablist', { name: 'Status' }).getByRole('tab', { name, exact: true });
    await tab('Failed').click();
    const failedRow = page.locator('table.outbox-list tbody tr');
    await until('one failed message', async () => (await failedRow.count()) === 1 && /\+31612345679/.test(await failedRow.textContent()), T.med);
    assert.match(await failedRow.textContent(), new RegExp(`failed${reason.replace(/[()]/g, '\\$&')}`));
    await failedRow.click();
    assert.match(await page.getByRole('region', { name: 'Message' }).textContent(), /Failed.*undelivered \(error 30003\)/);
    await shot('sms-failed-outbox');
    await tab('Delivered').click();
    await until('Ann\'s message under Delivered', async () => (await failedRow.count()) === 1 && /\+31612345678/.test(await failedRow.textContent()), T.med);
    await tab('Sent').click();
    await page.getByText('No messages match these filters').waitFor({ timeout: T.med });

    // the API says the same
    const box = await api('GET', '/api/outbox?status=failed');
    assert.equal(box.body.messages.length, 1);
    assert.equal(box.body.messages[0].reason, reason);
    const stats = await api('GET', '/api/workflows/e2e-sms/stats');
    assert.equal(stats.body.steps.text.failed, 1);
    assert.equal(stats.body.enrollments.completed_with_errors, 1);
    // The refused settings save answered 422 on purpose; nothing else may have gone wrong.
    assert.deepEqual(pageErrors.filter((e) => !/status of 422/.test(e)), []);
  });
});
