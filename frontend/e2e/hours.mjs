// End-to-end: business hours, associations, re-run and erase. On a fresh `flowdesk serve`:
// the marketer builds a workflow whose in-app notification keeps to business hours (set in
// the workflow's settings), saves, reloads (the hours are on the card), switches it on; a
// contact that arrives outside the hours is held, and its history says until when. On a
// contact's page they associate its company, re-run an enrollment that failed once the data is
// fixed, and erase the contact after confirming.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T, publishReview, suite, until } from './rig.mjs';

const WF = 'e2e-hours';
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

let server;
let page;

const s = suite('hours', { ms: 180_000, bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors } = s;

describe('business hours, associations, re-run, erase', { concurrency: false }, () => {
  test('business hours in settings → save → reload → on the card → a contact outside them is held', { timeout: 90_000 }, async () => {
    await page.goto(server.url + '/#/workflows');
    await page.getByRole('button', { name: 'Start from scratch' }).click();
    await page.locator('.side-panel').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Hours flow');
    await page.getByLabel('Id', { exact: true }).fill(WF);

    await page.locator('.trigger-card').click();
    await page.getByRole('button', { name: 'event', exact: true }).click();
    await page.getByLabel('Trigger id').fill('signup');
    await page.getByLabel('Event type').fill('form.submitted');

    await page.locator('.edge-plus').first().click();
    await page.locator('.palette-item[data-type="notify"]').click();
    const panel = page.locator('.side-panel');
    await panel.getByLabel('Users').fill('sam');
    await panel.getByLabel('Notification').fill('New signup: {{contact.email}}');

    // Business hours: one night only, starting two days from now (UTC, the workflow's zone) at
    // 22:00 and running over midnight to 06:00, so the contact below is always outside them
    // whenever this runs.
    const day = DAYS[(new Date().getUTCDay() + 2) % 7];
    await page.locator('.wf-name').click();
    const hours = page.getByTestId('business-hours');
    await hours.getByLabel('Only send during business hours').check();
    for (const d of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri']) await hours.locator('label.day', { hasText: d }).click(); // all off
    await hours.locator('label.day', { hasText: day }).click();
    await hours.getByLabel('From (24-hour clock)').fill('22:00');
    await hours.getByLabel('To', { exact: true }).fill('06:00');
    await hours.getByTestId('overnight-hint').filter({ hasText: 'Runs over midnight' }).waitFor({ timeout: T.short });
    await shot('hours-01-settings');

    await until('"No problems"', async () => {
      const t = await page.getByTestId('problems-button').textContent();
      return t === 'No problems' || (t.includes('warning') && !t.includes('problem')) || Promise.reject(new Error(t));
    }, T.med);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await until('the saved workflow route', async () => page.url().endsWith('#/workflows/' + WF), T.med);
    await page.getByText('All changes saved').waitFor({ timeout: T.med });
    const def = (await api('GET', '/api/workflows/' + WF)).body.definition;
    assert.deepEqual(def.execution_window, { days: [day.toLowerCase()], from: '22:00', to: '06:00' });

    // Reload: the card of the notification shows the hours.
    await page.reload();
    const badge = page.getByTestId('hours-badge');
    await badge.waitFor({ timeout: T.med });
    assert.equal((await badge.textContent()).trim(), `${day} 22:00–06:00 next day`);
    await shot('hours-02-card');

    await page.locator('.toolbar .switch').click();
    await publishReview(page);
    await until('the switch to be on', async () => (await page.locator('.toolbar .switch').getAttribute('aria-checked')) === 'true', T.med);

    const ev = await api('POST', '/api/events', { type: 'form.submitted', record: { email: 'held.hours@example.com' } });
    assert.equal(ev.status, 201, JSON.stringify(ev.body));
    const enr = ev.body.enrollments[0];
    const held = await until('the notification held', async () => {
      const d = (await api('GET', '/api/enrollments/' + enr)).body;
      return d.enrollment.status === 'waiting' && d.history.find((h) => h.outcome === 'held');
    }, T.med);
    assert.match(held.detail.until_local, new RegExp(`^${day} 22:(0\\d|1[0-4])$`));
    assert.equal((await api('GET', '/api/notifications')).body.notifications.length, 0, 'nothing was sent outside the hours');

    await page.goto(server.url + '/#/enrollments/' + enr);
    const hist = page.getByTestId('history');
    await hist.waitFor({ timeout: T.med });
    await until('the held line', async () => new RegExp(`Held until ${day} 22:\\d\\d: outside the workflow's business hours`).test(await hist.textContent()), T.med);
    await shot('hours-03-held');
  });

  test('associate a company on the record page, re-run a failed enrollment, erase the contact', { timeout: 90_000 }, async () => {
    // A workflow copies a score the CRM sends as text into the number property; then the CRM
    // sends a contact (whose score is not a number yet) and its company.
    const wf = await api('POST', '/api/workflows', { id: 'e2e-score', name: 'Score', object: 'contact', triggers: [], reenroll: { enabled: false, triggers: [] }, start: 'copy',
      steps: [{ id: 'copy', type: 'copy_property', name: 'Copy the score', from: 'score_text', to: 'score' }] });
    assert.equal(wf.status, 201, JSON.stringify(wf.body));
    const on = await api('POST', '/api/workflows/e2e-score/enable');
    assert.equal(on.status, 200, JSON.stringify(on.body));
    const zoe = await api('POST', '/api/events', { type: 'crm.synced', record: { email: 'zoe.hours@example.com', properties: { first_name: 'Zoe', score_text: 'lots' } } });
    assert.equal(zoe.status, 201, JSON.stringify(zoe.body));
    const acme = await api('POST', '/api/events', { type: 'crm.synced', record: { type: 'company', email: 'info@acme-hours.example', properties: { name: 'Acme Hours' } } });
    assert.equal(acme.status, 201, JSON.stringify(acme.body));
    const en = await api('POST', '/api/workflows/e2e-score/enroll', { record_id: zoe.body.record_id });
    assert.equal(en.status, 201, JSON.stringify(en.body));
    await until('the enrollment failed', async () => (await api('GET', '/api/enrollments/' + en.body.id)).body.enrollment.status === 'failed', T.med);

    // Associate the company.
    await page.goto(server.url + '/#/records/' + zoe.body.record_id);
    const assoc = page.getByTestId('associations');
    await assoc.waitFor({ timeout: T.med });
    await assoc.getByRole('button', { name: 'Associate a record…' }).click();
    await assoc.getByLabel('Type').selectOption('company');
    await assoc.getByLabel('Find').fill('Acme');
    await until('Acme among the matches', async () => (await assoc.getByTestId('assoc-pick').locator('option', { hasText: 'Acme Hours' }).count()) === 1, T.med);
    await assoc.getByTestId('assoc-pick').selectOption({ label: `Acme Hours (#${acme.body.record_id})` });
    await assoc.getByLabel('Label').fill('Primary');
    await assoc.getByRole('button', { name: 'Associate', exact: true }).click();
    await assoc.locator(`tr[data-association="${acme.body.record_id}"]`).waitFor({ timeout: T.med });
    await page.reload();
    const row = page.getByTestId('associations').locator(`tr[data-association="${acme.body.record_id}"]`);
    await row.waitFor({ timeout: T.med });
    assert.match(await row.textContent(), /companyAcme HoursPrimary/);
    const fromCompany = (await api('GET', `/api/records/${acme.body.record_id}/associations`)).body.associations;
    assert.equal(fromCompany[0].record_id, zoe.body.record_id, 'the company lists the contact too');
    await shot('hours-04-associations');

    // The CRM fixes the score; the user re-runs the failed enrollment from its failed step.
    assert.equal((await api('PATCH', '/api/records/' + zoe.body.record_id, { properties: { score_text: '12' } })).status, 200);
    await page.goto(server.url + '/#/enrollments/' + en.body.id);
    await page.getByRole('button', { name: 'Re-run from failed step' }).click();
    const hist = page.getByTestId('history');
    await until('the re-run in the history', async () => /Re-run from this step by hand/.test(await hist.textContent()), T.med);
    await until('completed', async () => /Completed the workflow/.test(await hist.textContent()), T.med);
    assert.equal((await api('GET', '/api/enrollments/' + en.body.id)).body.enrollment.status, 'completed');
    assert.equal((await api('GET', '/api/records/' + zoe.body.record_id)).body.record.properties.score, 12);
    await shot('hours-05-rerun');

    // Erase the contact: the dialog wants the email typed first.
    await page.goto(server.url + '/#/records/' + zoe.body.record_id);
    await page.getByRole('button', { name: 'Erase record…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase Zoe?' });
    await dialog.waitFor();
    const go = dialog.getByRole('button', { name: 'Erase for good' });
    assert.equal(await go.isDisabled(), true, 'not before the email is typed');
    await dialog.getByLabel(/Type/).fill('zoe.hours@example.com');
    await shot('hours-06-erase');
    await go.click();
    await until('the Records screen', async () => page.url().endsWith('#/records'), T.med);
    assert.equal((await api('GET', '/api/records/' + zoe.body.record_id)).status, 410);
    assert.equal((await api('GET', `/api/records/${acme.body.record_id}/associations`)).body.associations.length, 0);
    assert.equal((await api('GET', '/api/records?email=zoe.hours@example.com')).body.records.length, 0);
  });

  test('no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
