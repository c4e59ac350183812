// End-to-end: pickers and Activity on `flowdesk serve --demo`, in headless system Chromium, as a
// new user works. (a) A new workflow on WebinarGeek's viewer event: "only in scope" offers the
// webinars seen in stored viewer events by title; its branch offers the
// event's own fields (watch_pct as a number) beside the contact's properties; the If path enrolls
// in another workflow picked from a searchable list marked On/Off that never offers the workflow
// itself and refuses its id typed in; saved, reloaded, the stored definition has both. (b)
// Activity: the filters picked land in the URL, survive a reload, open the same view in a new
// tab, and a hand-edited value that makes no sense is named and left out; the Step column names
// steps, never by id; a record's filter shows its email.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T, suite, until } from './rig.mjs';

let server;
let page;

const s = suite('authoring', { demo: true, acceptDialogs: true, bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors } = s;

const WF = 'viewer-routing';

const stepIds = () => page.locator('.step-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')));
async function addStep(slot, type) {
  const before = await stepIds();
  await page.locator(`.edge-plus[data-slot="${slot}"]`).click();
  await page.locator(`.palette[data-slot="${slot}"] .palette-item[data-type="${type}"]`).click();
  return until(`the new ${type} card`, async () => (await stepIds()).find((x) => !before.includes(x)), T.short);
}

describe('pickers and activity', { concurrency: false }, () => {
  test('a branch offers the trigger event\'s fields; the enroll step picks a workflow, never itself', { timeout: 90_000 }, async () => {
    // a viewer event of one webinar has arrived before (as WebinarGeek would send it)
    await api('POST', '/api/events', { type: 'webinar.viewer', record: { type: 'contact', email: 'scope-e2e@example.com' }, scope: { webinar: '54072' },
      data: { webinar: { id: 54072, title: 'Email marketing that converts' }, subscriber: { watch_pct: 80 } } });
    await page.goto(server.url + '/#/workflows');
    await page.getByTestId('create').click();
    await page.getByTestId('from-scratch').click();
    const panel = page.locator('.side-panel');
    await panel.waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Viewer routing');
    await page.getByLabel('Id', { exact: true }).fill(WF);
    await page.locator('.trigger-card').click();
    await page.getByRole('button', { name: 'event', exact: true }).click();
    const picker = panel.getByRole('combobox', { name: 'Event type' });
    await picker.click();
    await picker.fill('viewer');
    await panel.getByRole('listbox', { name: 'Events' }).getByRole('option', { name: /^Viewer webinar\.viewer/ }).click();

    // "only in scope" offers the webinars seen in stored viewer events, named by their title
    await panel.getByRole('button', { name: '+ Add' }).first().click();
    const scopeKey = panel.getByLabel('Scope key').first();
    const keyList = await until('the scope keys offered', async () => scopeKey.getAttribute('list'), T.med);
    const keys = await page.locator(`datalist[id="${keyList}"] option`).evaluateAll((os) => os.map((o) => o.value));
    assert.ok(keys.includes('webinar'), `the scope keys: ${keys.join(', ')}`);
    await scopeKey.fill('webinar');
    const scopeValue = panel.getByLabel('Value', { exact: true }).first();
    const valueList = await until('the webinars offered', async () => scopeValue.getAttribute('list'), T.short);
    const webinars = await page.locator(`datalist[id="${valueList}"] option`).evaluateAll((os) => os.map((o) => `${o.value}|${o.textContent}`));
    assert.ok(webinars.some((w) => /^54072\|Email marketing that converts · \d+ events?$/.test(w)), `the webinars: ${webinars.join('; ')}`);
    await scopeValue.fill('54072');
    await panel.getByTestId('kv-picked').filter({ hasText: 'Email marketing that converts' }).waitFor({ timeout: T.short });
    await shot('authoring-00-scope-picker');

    // the branch: its condition offers the viewer event's fields with their types
    const branch = await addStep('__trigger:start', 'branch');
    await panel.getByTestId('branch-event-hint').filter({ hasText: 'webinar.viewer' }).waitFor({ timeout: T.short });
    await panel.getByRole('button', { name: '+ Condition' }).first().click();
    const prop = panel.getByLabel('Property', { exact: true }).first();
    const listId = await prop.getAttribute('list');
    const offered = await page.locator(`datalist[id="${listId}"] option`).evaluateAll((os) => os.map((o) => `${o.value}|${o.textContent}`));
    assert.ok(offered.some((o) => o.startsWith('event.subscriber.watch_pct|Event: ') && o.endsWith('(number)')), `the event's fields: ${offered.join('; ')}`);
    assert.ok(offered.some((o) => o.startsWith('lifecycle|')), 'and the contact properties');
    await prop.fill('event.subscriber.watch_pct');
    await panel.getByLabel('Operator').first().selectOption('gte');
    const value = panel.getByLabel('Value', { exact: true }).first();
    assert.equal(await value.getAttribute('type'), 'number');
    await value.fill('50');
    await shot('authoring-01-branch-event-field');
    // the path's label on the canvas shows its condition in full on hover
    await until('the condition on the label', async () => /: event\.subscriber\.watch_pct .*50/.test(await page.locator(`.edge-label[data-edge="${branch}:branch:0"]`).getAttribute('title')), T.short);

    // the If path enrolls in another workflow, picked from the list
    const enroll = await addStep(`${branch}:branch:0`, 'enroll');
    const wf = panel.getByRole('combobox', { name: 'Workflow' });
    await wf.click();
    const list = panel.getByRole('listbox', { name: 'Workflows' });
    const options = async () => list.getByRole('option').allTextContents();
    await until('the contact workflows', async () => (await options()).length >= 3, T.med);
    const all = await options();
    assert.ok(all.some((o) => /Sales hand-off.*sales-handoff/.test(o) && /(On|Off)$/.test(o)), `each workflow with On or Off: ${all.join(' | ')}`);
    await wf.fill('hand');
    await until('the search', async () => (await options()).length === 1, T.short);
    await list.getByRole('option').first().click();
    assert.equal(await wf.inputValue(), 'sales-handoff');
    await panel.getByTestId('picked-workflow').filter({ hasText: 'Sales hand-off' }).waitFor({ timeout: T.short });
    await shot('authoring-02-enroll-picker');
    // the card names the target workflow, not its id
    const card = page.locator(`.step-card[data-step="${enroll}"] [data-testid="enroll-title"]`);
    await until('the name on the card', async () => (await card.textContent()) === 'Enroll in “Sales hand-off”', T.short);

    // saved, the workflow itself is never offered, and its id typed in is refused
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await until('the saved workflow route', async () => page.url().endsWith('#/workflows/' + WF), T.med);
    await page.getByText('All changes saved').waitFor({ timeout: T.med });
    await page.locator(`.step-card[data-step="${enroll}"]`).click();
    await wf.click();
    await wf.fill('');
    await until('the list again', async () => (await options()).length >= 3, T.med);
    assert.ok(!(await options()).some((o) => o.includes(WF)), 'the workflow being edited is not offered');
    await wf.fill(WF);
    await wf.press('Escape');
    await panel.getByText('This is the workflow you are editing').waitFor({ timeout: T.short });
    await until('the server problem too', async () => /enrolls the record in this same workflow/.test(await page.locator('.side-panel').innerText()) || /problem/.test(await page.getByTestId('problems-button').textContent()), T.med);
    await wf.fill('sales-handoff');
    await wf.press('Escape');
    await page.getByText('Unsaved changes', { exact: true }).or(page.getByText('All changes saved')).first().waitFor();
    if (await page.getByRole('button', { name: 'Save', exact: true }).isEnabled()) await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('All changes saved').waitFor({ timeout: T.med });

    // reload: what was picked is what is stored
    await page.reload();
    await page.locator(`.step-card[data-step="${enroll}"]`).waitFor({ timeout: T.med });
    const stored = (await api('GET', '/api/workflows/' + WF)).body.definition;
    assert.deepEqual(stored.triggers[0].scope, { webinar: '54072' });
    const b = stored.steps.find((s) => s.id === branch);
    assert.deepEqual(b.branches[0].filter, { all: [{ property: 'event.subscriber.watch_pct', op: 'gte', value: 50 }] });
    assert.equal(stored.steps.find((s) => s.id === enroll).workflow, 'sales-handoff');
    await until('the name on the card after reload', async () => (await card.textContent()) === 'Enroll in “Sales hand-off”', T.med);
    assert.deepEqual(pageErrors, []);
  });

  test('Activity: filters in the URL survive a reload and open the same view in a new tab', { timeout: 60_000 }, async () => {
    await page.goto(server.url + '/#/workflows');
    await page.getByRole('link', { name: 'Activity', exact: true }).click();
    const table = page.getByTestId('activity');
    await table.locator('tbody tr').first().waitFor({ timeout: T.med });
    await page.getByLabel('Workflow').selectOption('webinar-follow-up');
    await until('the workflow in the URL', async () => page.url().includes('workflow=webinar-follow-up'), T.short);
    await until('only its enrollments', async () => {
      const names = await table.locator('tbody tr td:nth-child(2) a').allTextContents();
      return names.length > 0 && names.every((n) => n === 'Webinar follow-up');
    }, T.med);
    await page.getByLabel('Started from').fill('2020-01-01');
    await until('the day in the URL', async () => page.url().includes('from=2020-01-01'), T.short);
    const url = page.url();
    const rows = await table.locator('tbody tr').count();
    assert.ok(rows > 0);

    // the step column names the steps
    const def = (await api('GET', '/api/workflows/webinar-follow-up')).body.definition;
    const ids = def.steps.map((s) => s.id);
    const cells = await table.locator('tbody tr td:nth-child(5)').allTextContents();
    assert.ok(!cells.some((c) => ids.includes(c.trim())), `no step shown by id: ${cells.join(' | ')}`);
    await shot('authoring-03-activity-filtered');

    // reload: the same filters and rows
    await page.reload();
    await table.locator('tbody tr').first().waitFor({ timeout: T.med });
    assert.equal(await page.getByLabel('Workflow').inputValue(), 'webinar-follow-up');
    assert.equal(await page.getByLabel('Started from').inputValue(), '2020-01-01');
    await until('the same rows', async () => (await table.locator('tbody tr').count()) === rows, T.med);

    // shared: the URL in a new tab
    const other = await page.context().newPage();
    await other.goto(url);
    await other.getByTestId('activity').locator('tbody tr').first().waitFor({ timeout: T.med });
    assert.equal(await other.getByLabel('Workflow').inputValue(), 'webinar-follow-up');
    await other.close();

    // a record's activity: the chip names the record
    const recordLink = table.locator('tbody tr td:nth-child(3) a').first();
    const email = (await recordLink.textContent()).trim();
    const recordId = (await recordLink.getAttribute('href')).split('/').pop();
    await page.goto(server.url + '/#/activity?record=' + recordId);
    await page.getByTestId('record-filter').filter({ hasText: email }).waitFor({ timeout: T.med });
    // the chip shows before the rows of the new filter arrive: wait for them
    let emails = [];
    await until(`only ${email}'s rows`, async () => {
      emails = await table.locator('tbody tr td:nth-child(3)').allTextContents();
      return emails.length > 0 && emails.every((e) => e.trim() === email);
    }, T.med).catch(() => assert.fail(`only ${email}: ${emails.join(', ')}`));
    await page.getByRole('button', { name: 'Clear the record filter' }).click();
    await until('the record out of the URL', async () => !page.url().includes('record='), T.short);

    // a hand-edited address: what makes no sense is named and left out
    await page.goto(server.url + '/#/activity?status=finished&record=abc');
    await page.getByText('"finished" is not a status').waitFor({ timeout: T.med });
    await page.getByText('"abc" is not a record id').waitFor({ timeout: T.short });
    await table.locator('tbody tr').first().waitFor({ timeout: T.med });
    assert.deepEqual(pageErrors, []);
  });
});
