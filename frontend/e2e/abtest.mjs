// End-to-end: a marketer new to Flowdesk builds an A/B test with a goal, in the order a new user
// works and only in the UI: create → an event trigger → a 50/50 split → on each path a property
// for the variant and a one-day wait → the goal "lifecycle is customer" → save → reload (split,
// paths, steps and goal still there) → switch on through the review → contacts arrive → watch:
// each contact went down one path and carries that path's variant, the enrollment page names the
// path taken, and the Performance tab shows each path's share and goal conversion.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T, publishReview, suite, until } from './rig.mjs';

const WF = 'e2e-ab-ui';
const N = 20;

let server;
let page;

const s = suite('abtest', { bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors } = s;

const panel = () => page.locator('.side-panel');
const stepIds = () => page.locator('.step-card[data-step]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')));

/** Adds a step of type on the slot ("<step>:<port>") through its "+" button; returns its id. */
async function addStep(slot, type) {
  const before = await stepIds();
  await page.locator(`.edge-plus[data-slot="${slot}"]`).click();
  await page.locator(`.palette[data-slot="${slot}"] .palette-item[data-type="${type}"]`).click();
  return until(`the new ${type} card`, async () => (await stepIds()).find((x) => !before.includes(x)), T.short);
}

/** Fills the open set-property panel and the delay after it on one path. */
async function variantPath(slot, variant) {
  const set = await addStep(slot, 'set_property');
  const prop = panel().getByLabel('Property', { exact: true });
  if (variant === 'A') {
    // a name one letter off a contact property is a typo the check catches, as in a rule
    await prop.fill('lifecycel');
    await panel().getByTestId('step-problems').getByText('did you mean "lifecycle"?', { exact: false }).waitFor({ timeout: T.med });
  }
  await prop.fill('variant');
  // a new name near no property is taken as meant: the panel says the run adds it
  await panel().getByTestId('new-property').getByText('“variant” is not a property', { exact: false }).waitFor({ timeout: T.short });
  await until('the typo warning gone', async () => (await panel().getByText('did you mean', { exact: false }).count()) === 0, T.med);
  await panel().locator('#sp-value').fill(variant);
  const wait = await addStep(`${set}:next`, 'delay');
  await page.getByRole('spinbutton', { name: 'Wait for' }).fill('1');
  await page.getByLabel('Wait for unit').selectOption('d');
  return { set, wait };
}

describe('an A/B test with a goal, built as a new user', { concurrency: false }, () => {
  test('create → split 50/50 → a variant and a wait per path → goal → save → reload → on → watch each path convert', { timeout: 120_000 }, async () => {
    // Another system has sent contacts with a lifecycle stage, so the property exists.
    assert.equal((await api('POST', '/api/events', { type: 'crm.synced', record: { email: 'seed.ab@example.com', properties: { lifecycle: 'lead' } } })).status, 201);

    await page.goto(server.url + '/#/workflows');
    await page.getByTestId('create').click();
    await page.getByTestId('from-scratch').click();
    await panel().waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Subject line test');
    await page.getByLabel('Id', { exact: true }).fill(WF);

    await page.locator('.trigger-card').click();
    await page.getByRole('button', { name: 'event', exact: true }).click();
    await page.getByLabel('Event type').fill('webinar.registered');

    const split = await addStep('__trigger:start', 'split');
    await panel().getByLabel('Share of records (%)').first().waitFor({ timeout: T.short });
    await panel().getByRole('status').filter({ hasText: 'Total: 100%' }).waitFor({ timeout: T.short });
    const a = await variantPath(`${split}:path:0`, 'A');
    const b = await variantPath(`${split}:path:1`, 'B');

    // The goal, set on the trigger card's enrollment panel: the canvas followed the new cards
    // down, so zoom to fit to see the trigger again.
    await page.getByRole('button', { name: 'Zoom to fit' }).click();
    await page.waitForTimeout(300);
    await page.locator('.trigger-card').click();
    const goal = page.getByTestId('goal-section');
    await goal.getByLabel('Set a goal').check();
    await goal.getByRole('button', { name: '+ Condition' }).first().click();
    await goal.getByLabel('Property', { exact: true }).first().fill('lifecycle');
    await goal.getByLabel('Operator').first().selectOption('eq');
    await goal.getByLabel('Value', { exact: true }).first().selectOption('customer');
    await page.getByTestId('goal-line').filter({ hasText: 'lifecycle' }).waitFor({ timeout: T.short });

    await until('no problems', async () => {
      const t = await page.getByTestId('problems-button').textContent();
      return t === 'No problems' || Promise.reject(new Error(t));
    }, T.med).catch(async (e) => {
      await page.getByTestId('problems-button').click();
      throw new Error(e.message + ': ' + await page.getByRole('region', { name: 'Problems' }).textContent());
    });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await until('the saved workflow route', async () => page.url().endsWith('#/workflows/' + WF), T.med);
    await page.getByTestId('save-state').filter({ hasText: 'All changes saved' }).waitFor({ timeout: T.med });

    const def = (await api('GET', '/api/workflows/' + WF)).body.definition;
    assert.equal(def.start, split);
    const sp = def.steps.find((s) => s.id === split);
    assert.deepEqual(sp.paths.map((p) => [p.percent, p.next]), [[50, a.set], [50, b.set]]);
    for (const [path, v] of [[a, 'A'], [b, 'B']]) {
      const set = def.steps.find((s) => s.id === path.set);
      assert.deepEqual([set.property, set.value, set.next], ['variant', v, path.wait]);
      assert.equal(def.steps.find((s) => s.id === path.wait).duration, '1d');
    }
    assert.deepEqual(def.goal, { all: [{ property: 'lifecycle', op: 'eq', value: 'customer' }] });

    // Reload: what was built is what is shown, and nothing reads as unsaved.
    await page.reload();
    await page.locator(`.step-card[data-step="${split}"]`).waitFor({ timeout: T.med });
    for (const id of [a.set, a.wait, b.set, b.wait]) await page.locator(`.step-card[data-step="${id}"]`).waitFor({ timeout: T.short });
    await page.locator('.edge-label').filter({ hasText: 'A · 50%' }).waitFor({ timeout: T.short });
    await page.locator('.edge-label').filter({ hasText: 'B · 50%' }).waitFor({ timeout: T.short });
    await page.getByTestId('goal-line').filter({ hasText: 'lifecycle' }).waitFor({ timeout: T.short });
    await page.getByTestId('save-state').filter({ hasText: 'All changes saved' }).waitFor({ timeout: T.short });
    await shot('ab-01-built');

    // On, through the review.
    await page.locator('.toolbar .switch').click();
    await publishReview(page);
    await until('the switch to be on', async () => (await page.locator('.toolbar .switch').getAttribute('aria-checked')) === 'true', T.med);

    // Contacts arrive; each goes down one path and waits there.
    const contacts = [];
    for (let i = 0; i < N; i++) {
      const ev = await api('POST', '/api/events', { type: 'webinar.registered', record: { email: `ab${i}.ui@example.com`, properties: { lifecycle: 'lead' } } });
      assert.equal(ev.status, 201, JSON.stringify(ev.body));
      assert.equal(ev.body.enrollments.length, 1, 'one enrollment per contact');
      contacts.push({ record: ev.body.record_id, enrollment: ev.body.enrollments[0] });
    }
    await until('everyone waiting', async () => (await api('GET', `/api/workflows/${WF}/stats`)).body.enrollments.waiting === N, T.med);
    const onA = [];
    for (const c of contacts) {
      const v = (await api('GET', '/api/records/' + c.record)).body.record.properties.variant;
      assert.ok(v === 'A' || v === 'B', `contact ${c.record} has variant ${v}`);
      if (v === 'A') onA.push(c);
    }
    assert.ok(onA.length > 0 && onA.length < N, `the split sent ${onA.length} of ${N} down A`);

    // Watch one A contact's enrollment: it is waiting on path A's delay, after path A's step.
    const one = onA[0];
    await page.goto(server.url + '/#/enrollments/' + one.enrollment);
    const hist = page.getByTestId('history');
    await hist.waitFor({ timeout: T.med });
    await until('the path in the history', async () => /took path A \(50% of records\)/.test(await hist.textContent()), T.med);
    assert.match(await hist.textContent(), /Set variant = A/);
    assert.doesNotMatch(await hist.textContent(), /variant = B/, 'nothing of path B ran');
    assert.match(await page.locator('body').textContent(), /waiting/i);
    // unnamed steps are called what their cards say, never by their ids
    const heads = await hist.locator('.tl-head strong').allTextContents();
    assert.deepEqual(heads, ['Enrollment', 'Split A 50% / B 50%', 'Set variant = A', 'Wait 1 day']);
    assert.match(await page.locator('body').textContent(), /now at Wait 1 day/);
    await shot('ab-02-enrollment');

    // Two A contacts become customers: they leave at once as goal reached.
    for (const c of onA.slice(0, 2)) {
      assert.equal((await api('PATCH', '/api/records/' + c.record, { properties: { lifecycle: 'customer' } })).status, 200);
      assert.equal((await api('GET', '/api/enrollments/' + c.enrollment)).body.enrollment.status, 'goal_reached');
    }
    const reached = Math.min(2, onA.length);

    // The Performance tab: each path's share and goal conversion, the same as the API's.
    await page.goto(server.url + '/#/workflows/' + WF);
    await page.locator(`.step-card[data-step="${split}"]`).waitFor({ timeout: T.med });
    await page.getByRole('link', { name: 'Performance', exact: true }).click();
    const fig = page.getByTestId('split-figures');
    await fig.waitFor({ timeout: T.med });
    const pct = (x) => `${Math.round(x * 1000) / 10}%`;
    const row = async (p) => (await fig.locator(`tr[data-path="${p}"] td`).allTextContents()).map((x) => x.trim());
    await until('path A\'s figures', async () => (await row('A'))[3] === String(reached), T.med);
    assert.deepEqual(await row('A'), ['A', String(onA.length), pct(onA.length / N), String(reached), pct(reached / onA.length)]);
    assert.deepEqual(await row('B'), ['B', String(N - onA.length), pct((N - onA.length) / N), '0', '0%']);
    const perf = (await api('GET', `/api/workflows/${WF}/performance`)).body;
    assert.deepEqual(perf.paths.map((x) => [x.path, x.n, x.goal_reached]), [['A', onA.length, reached], ['B', N - onA.length, 0]]);
    await fig.scrollIntoViewIfNeeded();
    await shot('ab-03-performance');
    assert.deepEqual(pageErrors, [], 'no errors in the page');
  });
});
