// End-to-end: an SMS that waits for its delivery status. On a fresh `flowdesk serve` the user
// sets up the SMS provider in Settings (a wrong wait is refused under its field and nothing is
// saved; the right one survives a reload). A Twilio-style provider on 127.0.0.1 answers
// "queued" and later reports "delivered" to the listener, signed with the auth token; the
// enrollment's page shows the step waiting, then delivered. The workflow is made through the
// API (building an SMS step in the editor is the editor suite's).
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
async function report(callback, status) {
  const form = { MessageSid: 'SM0001', AccountSid: 'AC1', MessageStatus: status };
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
        { id: 'done', type: 'set_property', property: 'lead_status', value: 'texted' },
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
    // The refused settings save answered 422 on purpose; nothing else may have gone wrong.
    assert.deepEqual(pageErrors.filter((e) => !/status of 422/.test(e)), []);
  });
});
