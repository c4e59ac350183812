// End-to-end: a workflow goal. On a fresh `flowdesk serve`, the marketer builds a workflow in the
// UI (an event trigger, a two-day delay, a follow-up), sets its goal "lifecycle is customer" in
// the enrollment panel, saves, reloads (the goal is still there), switches it on. A contact
// enrolls and waits; when another system marks it a customer it leaves at once: its enrollment
// reads "goal reached" and its history says which value met the goal; the trigger card counts
// the conversion. A second contact that is a customer already is not enrolled. A split that
// does not add up to 100 is shown as a problem on the step and refused when switching on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T, publishReview, suite, until } from './rig.mjs';

const WF = 'e2e-goal';

let server;
let page;

const s = suite('goals', { bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors } = s;

describe('workflow goal', { concurrency: false }, () => {
  test('set a goal in the UI → save → reload → on → a contact that meets it leaves, with why in its history', { timeout: 100_000 }, async () => {
    // Another system has sent contacts with a lifecycle stage, so the property exists.
    assert.equal((await api('POST', '/api/events', { type: 'crm.synced', record: { email: 'seed.goal@example.com', properties: { lifecycle: 'lead' } } })).status, 201);
    // A choice property declared without options (any text).
    assert.equal((await api('POST', '/api/properties', { object: 'contact', name: 'webinar_track', type: 'enum' })).status, 201);

    await page.goto(server.url + '/#/workflows');
    await page.getByRole('button', { name: 'Start from scratch' }).click();
    await page.locator('.side-panel').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Goal flow');
    await page.getByLabel('Id', { exact: true }).fill(WF);

    // Trigger: a form submission.
    await page.locator('.trigger-card').click();
    await page.getByRole('button', { name: 'event', exact: true }).click();
    await page.getByLabel('Trigger id').fill('signup');
    await page.getByLabel('Event type').fill('form.submitted');

    // The goal: lifecycle is customer.
    const goal = page.getByTestId('goal-section');
    await goal.getByLabel('Set a goal').check();
    await goal.getByRole('button', { name: '+ Condition' }).first().click();
    // A choice property without declared options: the rule says so, and its value is typed.
    await goal.getByLabel('Property', { exact: true }).first().fill('webinar_track');
    await goal.getByLabel('Operator').first().selectOption('eq');
    await goal.getByTestId('no-options-hint').filter({ hasText: 'Add its options in Properties' }).waitFor({ timeout: T.short });
    // lifecycle comes with HubSpot's stages: they are picked from a list, and the hint goes.
    await goal.getByLabel('Property', { exact: true }).first().fill('lifecycle');
    const goalValue = goal.getByLabel('Value', { exact: true }).first();
    await until('the lifecycle stages offered', async () => (await goalValue.locator('option').allTextContents()).includes('customer'), T.short);
    assert.equal(await goal.getByTestId('no-options-hint').count(), 0, 'no hint for a property with options');
    await goalValue.selectOption('customer');
    await page.getByTestId('goal-line').filter({ hasText: 'lifecycle' }).waitFor({ timeout: T.short });

    // Steps: wait two days, then tag the contact.
    await page.locator('.edge-plus').first().click();
    await page.locator('.palette-item[data-type="delay"]').click();
    await page.getByRole('spinbutton', { name: 'Wait for' }).fill('2');
    await page.getByLabel('Wait for unit').selectOption('d');
    await page.locator('.edge-plus').last().click();
    await page.locator('.palette-item[data-type="set_property"]').click();
    const spanel = page.locator('.side-panel');
    await spanel.getByLabel('Property', { exact: true }).fill('lead_status');
    await spanel.locator('#sp-value').selectOption('connected');

    await until('"No problems"', async () => {
      const t = await page.getByTestId('problems-button').textContent();
      return t === 'No problems' || (t.includes('warning') && !t.includes('problem')) || Promise.reject(new Error(t));
    }, T.med);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await until('the saved workflow route', async () => page.url().endsWith('#/workflows/' + WF), T.med);
    await page.getByText('All changes saved').waitFor({ timeout: T.med });
    const def = (await api('GET', '/api/workflows/' + WF)).body.definition;
    assert.deepEqual(def.goal, { all: [{ property: 'lifecycle', op: 'eq', value: 'customer' }] });

    // Reload: the goal is still on the trigger card and in the panel.
    await page.reload();
    await page.getByTestId('goal-line').filter({ hasText: 'lifecycle' }).waitFor({ timeout: T.med });
    await page.locator('.trigger-card').click();
    assert.equal(await page.getByTestId('goal-section').getByLabel('Set a goal').isChecked(), true);
    await shot('goal-01-saved');

    // Switch it on (through the review of what goes live).
    await page.locator('.toolbar .switch').click();
    await publishReview(page);
    await until('the switch to be on', async () => (await page.locator('.toolbar .switch').getAttribute('aria-checked')) === 'true', T.med);

    // Ann enrolls and waits at the delay.
    const ann = await api('POST', '/api/events', { type: 'form.submitted', record: { email: 'ann.goal@example.com', properties: { lifecycle: 'lead' } } });
    assert.equal(ann.status, 201, JSON.stringify(ann.body));
    assert.equal(ann.body.enrollments.length, 1);
    const enr = ann.body.enrollments[0];
    await until('Ann waiting', async () => (await api('GET', '/api/enrollments/' + enr)).body.enrollment.status === 'waiting', T.med);

    // The CRM marks her a customer: she leaves at once, before the delay ends.
    const patch = await api('PATCH', '/api/records/' + ann.body.record_id, { properties: { lifecycle: 'customer' } });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));
    const after = (await api('GET', '/api/enrollments/' + enr)).body;
    assert.equal(after.enrollment.status, 'goal_reached');
    assert.equal((await api('GET', '/api/records/' + ann.body.record_id)).body.record.properties.lead_status, undefined, 'the follow-up never ran');

    // The enrollment page says so, with the value that met the goal.
    await page.goto(server.url + '/#/enrollments/' + enr);
    const hist = page.getByTestId('history');
    await hist.waitFor({ timeout: T.med });
    await until('the goal line in the history', async () => /Reached the goal/.test(await hist.textContent()), T.med);
    assert.match(await hist.textContent(), /lifecycle = customer/);
    assert.match(await page.locator('body').textContent(), /goal reached/);
    await shot('goal-02-history');

    // A contact that is a customer already is not enrolled.
    const bob = await api('POST', '/api/events', { type: 'form.submitted', record: { email: 'bob.goal@example.com', properties: { lifecycle: 'customer' } } });
    assert.equal(bob.status, 201);
    assert.deepEqual(bob.body.enrollments, []);

    // The trigger card counts the conversion: one of one enrollment reached the goal.
    await page.goto(server.url + '/#/workflows/' + WF);
    await until('the conversion on the trigger card', async () => /1 reached \(100%\)/.test(await page.getByTestId('goal-line').textContent()), T.med);
    const stats = (await api('GET', `/api/workflows/${WF}/stats`)).body;
    assert.equal(stats.enrollments.goal_reached, 1);
    assert.equal(stats.goal_conversion, 1);
    await shot('goal-03-conversion');
  });

  test('a split that does not add up to 100 is a problem on the card and is not switched on', { timeout: 60_000 }, async () => {
    await page.goto(server.url + '/#/workflows');
    await page.getByTestId('create').click();
    await page.getByTestId('from-scratch').click();
    await page.locator('.side-panel').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Split flow');
    await page.getByLabel('Id', { exact: true }).fill('e2e-split');
    await page.locator('.edge-plus').first().click();
    await page.locator('.palette-item[data-type="split"]').click();
    const panel = page.locator('.side-panel');
    await panel.getByLabel('Share of records (%)').first().fill('70');
    await panel.getByRole('status').filter({ hasText: 'Total: 120%' }).waitFor({ timeout: T.short });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await until('the saved workflow route', async () => page.url().endsWith('#/workflows/e2e-split'), T.med);
    const saved = await api('POST', '/api/workflows/e2e-split/enable');
    assert.equal(saved.status, 422, JSON.stringify(saved.body));
    assert.ok(saved.body.error.details.problems.some((p) => p.field === 'paths' && /add up to 100/.test(p.message)), JSON.stringify(saved.body));
    assert.equal((await api('GET', '/api/workflows/e2e-split')).body.enabled, false, 'nothing switched on');
    await page.locator('.edge-label').filter({ hasText: 'A · 70%' }).waitFor({ timeout: T.short });
    await shot('goal-04-split');
  });

  test('"has reached the goal of" picks the workflow by name, a suppression list keeps Ann out → save → reload → on → her record says why', { timeout: 60_000 }, async () => {
    // Ann reached the goal above; she is also a customer on a list the new workflow suppresses.
    const ann = (await api('GET', '/api/records?email=ann.goal@example.com')).body.records[0];
    assert.equal((await api('POST', '/api/lists', { id: 'customers', name: 'Customers' })).status, 201);
    assert.equal((await api('POST', '/api/lists/customers/members', { record_ids: [ann.id] })).status, 200);
    await page.goto(server.url + '/?picker#/workflows');
    await page.getByTestId('create').click();
    await page.getByTestId('from-scratch').click();
    await page.locator('.side-panel').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('After the goal');
    await page.getByLabel('Id', { exact: true }).fill('e2e-after-goal');
    await page.locator('.trigger-card').click();
    await page.getByRole('button', { name: 'criteria', exact: true }).click();
    const trig = page.locator('.side-panel');
    await trig.getByRole('button', { name: '+ Workflow goal' }).first().click();
    const rule = trig.getByTestId('workflow-rule').first();
    const picker = rule.getByLabel('Workflow', { exact: true });
    await until('the workflows in the picker', async () => (await picker.locator('option').allTextContents()).some((t) => t.startsWith('Goal flow')), T.med);
    await picker.selectOption({ label: 'Goal flow' });
    await page.locator('.edge-plus').first().click();
    await page.locator('.palette-item[data-type="set_property"]').click();
    const spanel = page.locator('.side-panel');
    await spanel.getByLabel('Property', { exact: true }).fill('lead_status');
    await spanel.locator('#sp-value').selectOption('open_deal');
    // Settings: the Customers list suppresses; the trigger card says so.
    await page.locator('.wf-name').click();
    await page.getByTestId('suppression').getByLabel('Add a suppression list').selectOption({ label: 'Customers (1 static)' });
    await page.getByTestId('suppress-line').filter({ hasText: 'members of Customers' }).waitFor({ timeout: T.short });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await until('the saved workflow route', async () => page.url().endsWith('#/workflows/e2e-after-goal'), T.med);
    await page.getByText('All changes saved').waitFor({ timeout: T.med });
    const def = (await api('GET', '/api/workflows/e2e-after-goal')).body.definition;
    assert.deepEqual(def.triggers[0].filter, { all: [{ workflow: WF, op: 'goal_reached' }] });
    assert.deepEqual(def.suppress, ['customers']);
    await page.reload();
    await page.getByTestId('suppress-line').filter({ hasText: 'members of Customers' }).waitFor({ timeout: T.med });
    await page.locator('.trigger-card').click();
    const again = page.locator('.side-panel').getByTestId('workflow-rule').first().getByLabel('Workflow', { exact: true });
    await until('the picked workflow after reload', async () => (await again.inputValue()) === WF, T.med);
    await shot('goal-05-workflow-picker');

    // Switch on, enrolling who meets the trigger now: the review counts Ann as suppressed.
    await page.locator('.toolbar .switch').click();
    const review = await publishReview(page, { enroll: true });
    assert.match(review, /1 are in a suppression list/);
    await until('the switch to be on', async () => (await page.locator('.toolbar .switch').getAttribute('aria-checked')) === 'true', T.med);
    assert.equal((await api('GET', '/api/workflows/e2e-after-goal/stats')).body.enrollments.active, 0);
    // Ann's page says why she is not in the workflow.
    await page.goto(server.url + '/#/records/' + ann.id);
    const line = page.getByTestId('not-enrolled');
    await line.waitFor({ timeout: T.med });
    assert.match(await line.textContent(), /After the goal: not enrolled, in suppression list customers/);
    await shot('goal-06-not-enrolled');
  });

  test('"when they enroll here, remove them from" picks workflows by name → save → reload shows the names', { timeout: 60_000 }, async () => {
    await page.goto(server.url + '/#/workflows/e2e-after-goal');
    await page.locator('.trigger-card').click();
    // the criteria's "+ …" buttons all fit in the side panel, each on one line
    const sidePanel = await page.locator('.side-panel').boundingBox();
    const actions = page.locator('.side-panel .filter-actions').first().locator('button');
    await actions.first().waitFor({ timeout: T.short });
    for (const b of await actions.all()) {
      const r = await b.boundingBox();
      const name = await b.textContent();
      assert.ok(r.x >= sidePanel.x && r.x + r.width <= sidePanel.x + sidePanel.width, `"${name}" is inside the panel`);
      assert.ok(r.height < 24, `"${name}" is on one line (${r.height} px high)`);
    }
    const section = page.getByTestId('unenroll-section');
    const box = section.getByRole('combobox', { name: 'When they enroll here, remove them from' });
    await box.click();
    const options = () => section.getByRole('listbox', { name: 'Workflows' }).getByRole('option').allTextContents();
    await until('the other workflows', async () => (await options()).some((o) => o.startsWith('Goal flow')), T.med);
    assert.ok(!(await options()).some((o) => o.includes('e2e-after-goal')), 'the workflow being edited is not offered');
    await box.fill('goal fl');
    await section.getByRole('listbox', { name: 'Workflows' }).getByRole('option', { name: /Goal flow/ }).click();
    const picked = section.getByRole('list', { name: 'When they enroll here, remove them from' });
    await until('the picked workflow by name', async () => (await picked.locator('li').allTextContents()).join('|') === 'Goal flow×', T.short);
    assert.equal(await box.inputValue(), '', 'the search is cleared for the next one');
    await box.click();
    assert.ok(!(await options()).some((o) => o.startsWith('Goal flow')), 'a picked workflow is not offered again');
    await box.press('Escape');
    // the workflow is on: saving goes through the review
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await publishReview(page, { enroll: false });
    await page.getByText('All changes saved').waitFor({ timeout: T.med });
    assert.deepEqual((await api('GET', '/api/workflows/e2e-after-goal')).body.definition.unenroll, { on_enroll_remove_from: [WF] });
    await page.reload();
    await page.locator('.trigger-card').click();
    await until('the name after reload', async () => (await picked.locator('li').allTextContents()).join('|') === 'Goal flow×', T.med);
    // removing it is an unsaved change
    await picked.getByRole('button', { name: 'Remove Goal flow' }).click();
    await page.getByText('Unsaved changes', { exact: true }).waitFor({ timeout: T.short });
    assert.equal(await picked.count(), 0);
    await shot('goal-07-remove-from');
  });

  test('no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
