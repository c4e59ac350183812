// End-to-end: an incoming webhook's endpoint settings, as a new user sets them up for
// ActiveCampaign. On a fresh `flowdesk serve` the user opens Webhooks, creates an endpoint in the
// UI, and in its "Endpoint settings" chooses form fields, refuses undeclared properties and lists
// two alert addresses; maps contact.email, contact.first_name and contact.orgname (a property
// nobody declared); saves, reloads and sees every value as saved. A form-encoded body with
// bracketed keys, posted as ActiveCampaign does, is applied (the request log shows it with its
// event; the contact has the mapped name); one that fills orgname is refused by the strict
// setting, red in the log. Bad input: an address that is not one is refused in the box; one the
// server refuses shows its reason under the field and on the chip; nothing is saved, and a
// reload shows the two saved addresses.
// Declaring what strict refused: a JSON endpoint made strict in the UI refuses a delivery that
// fills plan.seats → seats, which nobody declared; its line in Recent requests offers "Declare
// seats", prefilled (contact, seats, "Seats", Number from the 12 in the body). A name the server
// refuses shows its reason under Name and declares nothing; the fixed one is declared, the screen
// says the next delivery is applied (there is no replay), and the same delivery posted again is
// applied with the contact's seats set.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T, suite, until } from './rig.mjs';

let server;
let page;

const s = suite('webhooks', { ms: 240_000, acceptDialogs: true, bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors } = s;

const OPS = 'ops@acme.example';
const SALES = 'sales@acme.example';

describe('webhook endpoint settings', { concurrency: false }, () => {
  let id;
  let url;
  const settings = () => page.getByTestId('endpoint-settings');
  const alertBox = () => settings().getByLabel('Tell these addresses when the endpoint is switched off for failing');
  const chips = async () => settings().locator('[data-testid="address-list"] .chip').evaluateAll((els) => els.map((e) => e.getAttribute('data-address')));
  const alertField = () => settings().locator('.field', { has: page.getByTestId('address-list') });
  const openEndpoint = async () => {
    await page.goto(server.url + '/#/webhooks/' + encodeURIComponent(id));
    await page.reload();
    await settings().waitFor({ timeout: T.med });
  };

  test('create an endpoint → form fields, strict, two alert addresses → save → reload shows them → a form post is applied', { timeout: 90_000 }, async () => {
    await page.goto(server.url + '/#/workflows');
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor({ timeout: T.med });
    await page.getByText('No webhook endpoints yet').waitFor({ timeout: T.med });
    await page.getByRole('button', { name: 'New endpoint' }).first().click();
    const dlg = page.getByRole('dialog', { name: 'New webhook endpoint' });
    await dlg.getByLabel('Name').fill('ActiveCampaign list');
    await dlg.getByLabel('Authentication').selectOption('none');
    await dlg.getByLabel('Fixed event type').fill('activecampaign.subscribe');
    await dlg.getByRole('button', { name: 'Create endpoint' }).click();
    const once = page.getByTestId('secret-once');
    await once.waitFor({ timeout: T.med });
    url = await once.getByTestId('hook-url').inputValue();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/hooks\/\S+$/);
    await once.getByRole('button', { name: 'Done' }).click();
    await until('the endpoint page', async () => page.url().includes('#/webhooks/'), T.short);
    id = decodeURIComponent(page.url().split('#/webhooks/')[1]);
    await settings().waitFor({ timeout: T.med });

    // A new endpoint takes JSON, declares new properties, and tells Settings' address.
    const body = settings().getByRole('radiogroup', { name: 'What the sender posts' });
    assert.equal(await body.getByRole('radio', { name: 'JSON' }).getAttribute('aria-checked'), 'true');
    const strict = settings().getByLabel('Refuse deliveries that write a property nobody declared');
    assert.equal(await strict.isChecked(), false);
    assert.deepEqual(await chips(), []);

    await body.getByRole('radio', { name: 'Form fields (ActiveCampaign)' }).click();
    await strict.check();
    await alertBox().fill(OPS);
    await alertBox().press('Enter');
    await alertBox().fill(SALES + ',');
    await alertBox().press('Enter');
    assert.deepEqual(await chips(), [OPS, SALES]);
    for (const path of ['contact.email', 'contact.first_name', 'contact.orgname']) {
      await page.getByLabel('Add a payload path').fill(path);
      await page.getByRole('button', { name: 'Add path' }).click();
    }
    assert.equal(await page.getByLabel('Property for contact.orgname').inputValue(), 'orgname');
    await settings().scrollIntoViewIfNeeded();
    await shot('webhooks-01-settings-filled');
    await settings().getByTestId('save-settings').click();
    await page.getByText('Saved. The next request uses these settings and this mapping.').waitFor({ timeout: T.med });

    const saved = (await api('GET', '/api/hooks/' + id)).body.config;
    assert.equal(saved.body, 'form');
    assert.equal(saved.strict, true);
    assert.deepEqual(saved.alert_to, [OPS, SALES]);

    // Reload: every value is shown as saved.
    await openEndpoint();
    await until('the saved addresses after a reload', async () => JSON.stringify(await chips()) === JSON.stringify([OPS, SALES]), T.med);
    assert.equal(await settings().getByRole('radio', { name: 'Form fields (ActiveCampaign)' }).getAttribute('aria-checked'), 'true');
    assert.equal(await settings().getByLabel('Refuse deliveries that write a property nobody declared').isChecked(), true);
    assert.equal(await page.getByLabel('Property for contact.first_name').inputValue(), 'first_name');
    await shot('webhooks-02-settings-reloaded');

    // ActiveCampaign posts a form with bracketed keys: applied, and in the request log.
    const post = async (form) => {
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
      return { status: res.status, body: await res.json() };
    };
    const applied = await post({ 'contact[email]': 'ann.ac@example.com', 'contact[first_name]': 'Ann', 'list': '3', 'type': 'subscribe' });
    assert.equal(applied.status, 201, 'the form post: ' + JSON.stringify(applied.body));
    assert.equal(applied.body.outcome, 'applied');
    const log = page.getByTestId('hook-requests');
    await until('the applied form post in the request log', async () => (await log.locator('tr[data-outcome="applied"]').count()) === 1, T.med);
    const row = log.locator('tr[data-outcome="applied"]');
    assert.match(await row.textContent(), /201.*applied.*event #\d+/);
    await row.getByRole('button', { name: 'Body' }).click();
    await until('the form body shown', async () => /ann\.ac(%40|@)example\.com/.test(await log.locator('tr.detail-row').textContent()), T.short);
    const rec = (await api('GET', '/api/records?email=ann.ac%40example.com&limit=5')).body.records;
    assert.equal(rec.length, 1, 'one contact from the form: ' + JSON.stringify(rec));
    assert.equal(rec[0].properties.first_name, 'Ann');

    // Strict: a form that fills orgname, which nobody declared, is refused and shows red.
    const refused = await post({ 'contact[email]': 'bo.ac@example.com', 'contact[orgname]': 'Bo BV' });
    assert.equal(refused.status, 422, 'strict: ' + JSON.stringify(refused.body));
    assert.match(JSON.stringify(refused.body), /record\.properties\.orgname/);
    await until('the refused post red in the log', async () => (await log.locator('tr.row-failed').count()) === 1, T.med);
    assert.match(await log.locator('tr.row-failed').textContent(), /422.*orgname/);
    await log.getByRole('button', { name: 'Declare orgname' }).waitFor({ timeout: T.short });
    const props = (await api('GET', '/api/schema')).body.properties.map((p) => p.name);
    assert.ok(!props.includes('orgname'), 'strict declared nothing');
    await log.scrollIntoViewIfNeeded();
    await shot('webhooks-03-request-log');
  });

  test('bad input: an address that is not one, and one the server refuses, show under the field; nothing is saved', { timeout: 60_000 }, async () => {
    await openEndpoint();
    await until('the saved addresses', async () => (await chips()).length === 2, T.med);
    const save = settings().getByTestId('save-settings');

    // Not an address: refused in the box, no chip, nothing to save.
    await alertBox().fill('sales-at-acme');
    await alertBox().press('Enter');
    await alertField().getByText('"sales-at-acme" is not an email address.').waitFor({ timeout: T.short });
    assert.deepEqual(await chips(), [OPS, SALES]);
    assert.equal(await alertBox().inputValue(), 'sales-at-acme', 'the typed text stays to be fixed');
    assert.equal(await save.isDisabled(), true, 'nothing changed, nothing to save');
    await alertField().scrollIntoViewIfNeeded();
    await shot('webhooks-04-address-refused-in-the-box');

    // An address only the server can tell is wrong (a domain with an empty label): the save is
    // refused and its reason shows under the field, on the third chip.
    await alertBox().fill('ceo@acme..example');
    await alertBox().press('Enter');
    assert.deepEqual(await chips(), [OPS, SALES, 'ceo@acme..example']);
    await save.click();
    await alertField().locator('.hint.error').filter({ hasText: 'has no valid domain after the @' }).waitFor({ timeout: T.med });
    assert.equal(await settings().locator('.chip.bad').getAttribute('data-address'), 'ceo@acme..example');
    await alertField().scrollIntoViewIfNeeded();
    await shot('webhooks-05-address-refused-by-the-server');
    assert.deepEqual((await api('GET', '/api/hooks/' + id)).body.config.alert_to, [OPS, SALES], 'nothing saved');

    // Reload: the old values.
    await openEndpoint();
    await until('the two saved addresses after a reload', async () => JSON.stringify(await chips()) === JSON.stringify([OPS, SALES]), T.med);
    assert.equal(await settings().getByRole('radio', { name: 'Form fields (ActiveCampaign)' }).getAttribute('aria-checked'), 'true');

    // 0 failures in a row would quietly become the server's default of 10: said under the
    // field, and Save waits for a number in range
    const failures = settings().getByLabel('Switch the endpoint off after this many failed requests in a row');
    await failures.fill('0');
    await settings().getByText('Enter a number from 1 to 1000.').waitFor({ timeout: T.short });
    assert.equal(await save.isDisabled(), true, 'an out-of-range number is not saved');
    await failures.fill('5');
    await until('Save ready again', async () => !(await save.isDisabled()), T.short);
    assert.deepEqual(pageErrors.filter((e) => !/status of 422/.test(e)), [], 'no page errors but the refused save');
  });

  test('declare what strict refused: Declare seats on the refused request → a bad name is refused under the field → declared → the next delivery applies', { timeout: 90_000 }, async () => {
    // A JSON endpoint, made strict, mapping email and plan.seats (to seats, which nobody declared).
    await page.goto(server.url + '/#/webhooks');
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor({ timeout: T.med });
    await page.getByRole('button', { name: 'New endpoint' }).first().click();
    const dlg = page.getByRole('dialog', { name: 'New webhook endpoint' });
    await dlg.getByLabel('Name').fill('Signup form');
    await dlg.getByLabel('Authentication').selectOption('none');
    await dlg.getByLabel('Fixed event type').fill('signup.completed');
    await dlg.getByRole('button', { name: 'Create endpoint' }).click();
    const once = page.getByTestId('secret-once');
    await once.waitFor({ timeout: T.med });
    const signupURL = await once.getByTestId('hook-url').inputValue();
    await once.getByRole('button', { name: 'Done' }).click();
    await settings().waitFor({ timeout: T.med });
    const signupID = decodeURIComponent(page.url().split('#/webhooks/')[1]);
    await settings().getByLabel('Refuse deliveries that write a property nobody declared').check();
    for (const path of ['email', 'plan.seats']) {
      await page.getByLabel('Add a payload path').fill(path);
      await page.getByRole('button', { name: 'Add path' }).click();
    }
    assert.equal(await page.getByLabel('Property for plan.seats').inputValue(), 'seats');
    await settings().getByTestId('save-settings').click();
    await page.getByText('Saved. The next request uses these settings and this mapping.').waitFor({ timeout: T.med });
    assert.equal((await api('GET', '/api/hooks/' + signupID)).body.config.strict, true);

    // A delivery that fills seats is refused, with the property named in the log's own fields.
    const delivery = JSON.stringify({ email: 'cy.signup@example.com', plan: { name: 'Team', seats: 12 } });
    const post = async () => {
      const res = await fetch(signupURL, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: delivery });
      return { status: res.status, body: await res.json() };
    };
    const refused = await post();
    assert.equal(refused.status, 422, 'strict: ' + JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'undeclared_property');
    assert.equal(refused.body.error.details.field, 'record.properties.seats');
    const logged = (await api('GET', `/api/hooks/${signupID}/requests?limit=1`)).body.requests[0];
    assert.equal(logged.error_code, 'undeclared_property');
    assert.equal(logged.error_field, 'record.properties.seats');

    const log = page.getByTestId('hook-requests');
    await until('the refusal in Recent requests', async () => (await log.locator('tr.row-failed').count()) === 1, T.med);
    const declareBtn = log.getByRole('button', { name: 'Declare seats' });
    await declareBtn.click();
    const form = log.getByTestId('declare-form');
    await form.waitFor({ timeout: T.short });
    assert.equal(await form.getByLabel('Name').inputValue(), 'seats');
    assert.equal(await form.getByLabel('Label').inputValue(), 'Seats');
    assert.equal(await form.getByLabel('Type').inputValue(), 'number', 'the 12 in the body suggests a number');
    assert.match(await form.textContent(), /plan\.seats \(12 in this request\)/, "the path and value the listener logged");
    await form.scrollIntoViewIfNeeded();
    await shot('webhooks-06-declare-prefilled');

    // Bad input: a name the server refuses shows its reason under Name; nothing is declared.
    const schemaNames = async () => (await api('GET', '/api/schema')).body.properties.filter((p) => p.object === 'contact').map((p) => p.name);
    const namesBefore = await schemaNames();
    await form.getByLabel('Name').fill('9 seats');
    await form.getByRole('button', { name: 'Declare', exact: true }).click();
    const nameField = form.locator('.field', { has: page.getByLabel('Name') });
    await nameField.locator('.hint.error').filter({ hasText: 'property names start with a letter' }).waitFor({ timeout: T.med });
    assert.deepEqual(await schemaNames(), namesBefore, 'a refused declaration declares nothing');
    await shot('webhooks-07-declare-refused');

    // The fixed name, as a number: declared; the screen says what happens next (no replay here).
    await form.getByLabel('Name').fill('seats');
    await form.getByRole('button', { name: 'Declare', exact: true }).click();
    const done = log.getByTestId('declared');
    await done.waitFor({ timeout: T.med });
    assert.match(await done.textContent(), /Declared seats \(Number\) on contact\..*next delivery that fills seats is applied/);
    assert.equal(await log.getByRole('button', { name: 'Send it again' }).count(), 0, 'no replay is offered: the log has none');
    await until('the Declare button gone once seats is declared', async () => (await declareBtn.count()) === 0, T.med);
    const seats = (await api('GET', '/api/schema')).body.properties.find((p) => p.object === 'contact' && p.name === 'seats');
    assert.equal(seats?.type, 'number');
    assert.equal(seats?.label, 'Seats');
    await shot('webhooks-08-declared');

    // The sender's next delivery is applied, and the contact has its seats.
    const again = await post();
    assert.equal(again.status, 201, 'after declaring: ' + JSON.stringify(again.body));
    assert.equal(again.body.outcome, 'applied');
    await until('the applied delivery in Recent requests', async () => (await log.locator('tr[data-outcome="applied"]').count()) === 1, T.med);
    const rec = (await api('GET', '/api/records?email=cy.signup%40example.com&limit=5')).body.records;
    assert.equal(rec.length, 1, 'one contact from the delivery: ' + JSON.stringify(rec));
    assert.equal(rec[0].properties.seats, 12);
    assert.deepEqual(pageErrors.filter((e) => !/status of 422/.test(e)), [], 'no page errors but the refused ones');
  });
});
