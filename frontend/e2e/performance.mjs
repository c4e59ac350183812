// End-to-end: the Performance tab. Against `flowdesk serve --demo` (its contacts registered for
// the demo webinar), a workflow that branches by city gets traffic through POST /api/events; the
// user opens it, sees the counts on the branch edges of the canvas, opens Performance and sees
// the three charts drawn (enrollments per day, runs and failures per step, paths taken) with the
// figures of that traffic, changes the time range, and the demo webinar's enrollments too; then
// Activity lists both workflows' enrollments, filters and searches them and opens one. An A/B
// split with a goal shows the goal conversion of the range and each path's share and conversion.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ART, T, suite, until } from './rig.mjs';

const WF = 'e2e-by-city';

let server;
let page;

const s = suite('performance', { demo: true, ms: 120_000, fullPage: true, bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors } = s;

describe('performance', { concurrency: false }, () => {
  test('traffic → path counts on the canvas → charts of the rollup → another range', { timeout: 90_000 }, async () => {
    const def = {
      id: WF, name: 'By city', object: 'contact', triggers: [{ id: 'signed', type: 'event', event: 'e2e.signed_up' }],
      reenroll: { enabled: false, triggers: [] }, start: 'city',
      steps: [
        { id: 'city', type: 'branch', name: 'Which city?', branches: [{ name: 'Dublin', filter: { all: [{ property: 'city', op: 'eq', value: 'Dublin' }] }, next: 'local' }], else: 'other' },
        { id: 'local', type: 'set_property', name: 'Mark local', property: 'stage', value: 'local' },
        { id: 'other', type: 'set_property', name: 'Mark elsewhere', property: 'stage', value: 'elsewhere' },
      ],
    };
    assert.equal((await api('POST', '/api/workflows', def)).status, 201);
    assert.equal((await api('POST', `/api/workflows/${WF}/publish`, { enroll_existing: false })).status, 200);
    const cities = ['Dublin', 'Dublin', 'Dublin', 'Cork', 'Galway'];
    for (const [i, city] of cities.entries()) {
      const ev = await api('POST', '/api/events', { type: 'e2e.signed_up', record: { type: 'contact', email: `p${i}.perf@example.com`, properties: { city } } });
      assert.equal(ev.status, 201, JSON.stringify(ev.body));
    }
    await until('the traffic to finish', async () => (await api('GET', `/api/workflows/${WF}/stats`)).body.enrollments.completed === 5, T.med);

    // the canvas: counts on the branch's edges
    await page.goto(server.url + '/#/workflows/' + WF);
    await page.locator('.step-card[data-step="city"]').waitFor({ timeout: T.med });
    await until('the path counts on the edges', async () => {
      const t = await page.getByTestId('path-count').allTextContents();
      return t.length === 2 && t.map((x) => x.trim()).sort().join('|') === '· 2|· 3';
    }, T.med);
    await shot('perf-01-canvas-path-counts');

    // the Performance tab
    await page.getByRole('link', { name: 'Performance', exact: true }).click();
    await until('the performance route', async () => page.url().endsWith(`#/workflows/${WF}/performance`), T.med);
    const totals = page.getByTestId('perf-totals');
    await totals.waitFor({ timeout: T.med });
    assert.match(await totals.textContent(), /5 enrolled · 5 completed · 0 failed · 0 reached the goal/);
    const days = page.getByTestId('chart-days');
    await until('four lines in the daily chart', async () => (await days.locator('.recharts-line').count()) === 4, T.med);
    for (const name of ['Enrolled', 'Completed', 'Failed', 'Goal reached']) assert.ok((await days.textContent()).includes(name), `the legend names ${name}`);
    const steps = page.getByTestId('chart-steps');
    await until('a bar per step', async () => (await steps.locator('.recharts-bar-rectangle').count()) >= 3, T.med);
    assert.match(await steps.textContent(), /Which city\?.*Mark local.*Mark elsewhere/);
    const paths = page.getByTestId('chart-paths');
    await until('the branch chart', async () => (await paths.locator('.path-chart[data-step="city"] .recharts-bar-rectangle').count()) === 2, T.med);
    assert.match(await paths.textContent(), /Which city\?.*Dublin.*Else/);
    await shot('perf-02-charts');

    // another range: today only still holds the traffic; a custom range the wrong way round says so
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    await until('the 7-day range', async () => /5 enrolled/.test(await totals.textContent()), T.med);
    await page.getByRole('button', { name: 'Custom' }).click();
    await page.getByLabel('From').fill('2030-01-02');
    await page.getByLabel('To').fill('2030-01-01');
    await page.getByText('The first day must come before the last.').waitFor({ timeout: T.short });

    // the demo webinar workflow: its registrations are enrollments of today
    await page.goto(server.url + '/#/workflows/webinar-follow-up/performance');
    await until('demo enrollments', async () => /[1-9]\d* enrolled/.test(await page.getByTestId('perf-totals').textContent().catch(() => '')), T.med);
    await page.getByTestId('chart-paths').locator('.path-chart[data-step="watched?"]').waitFor({ timeout: T.med });
    await shot('perf-03-demo-webinar');
  });

  test('an A/B split with a goal → the goal conversion of the range and of each path', { timeout: 60_000 }, async () => {
    const ab = {
      id: 'e2e-ab', name: 'A/B subject', object: 'contact', triggers: [{ id: 'signed', type: 'event', event: 'e2e.ab_signed_up' }],
      reenroll: { enabled: false, triggers: [] }, goal: { all: [{ property: 'lifecycle', op: 'eq', value: 'customer' }] }, start: 'ab',
      steps: [
        { id: 'ab', type: 'split', name: 'Subject test', paths: [{ name: 'A', percent: 50, next: 'a' }, { name: 'B', percent: 50, next: 'b' }] },
        { id: 'a', type: 'set_property', name: 'Variant A', property: 'variant', value: 'A', next: 'wait' },
        { id: 'b', type: 'set_property', name: 'Variant B', property: 'variant', value: 'B', next: 'wait' },
        { id: 'wait', type: 'delay', name: 'Wait a week', duration: '7d' },
      ],
    };
    assert.equal((await api('POST', '/api/workflows', ab)).status, 201, 'create');
    const pub = await api('POST', '/api/workflows/e2e-ab/publish', { enroll_existing: false });
    assert.equal(pub.status, 200, JSON.stringify(pub.body));
    const ids = [];
    for (let i = 0; i < 20; i++) {
      const ev = await api('POST', '/api/events', { type: 'e2e.ab_signed_up', record: { email: `ab${i}.perf@example.com`, properties: { lifecycle: 'lead' } } });
      assert.equal(ev.status, 201, JSON.stringify(ev.body));
      ids.push(ev.body.record_id);
    }
    await until('everyone waiting', async () => (await api('GET', '/api/workflows/e2e-ab/stats')).body.enrollments.waiting === 20, T.med);
    // Every A contact becomes a customer, and none of B's.
    let nA = 0;
    for (const id of ids) {
      const rec = (await api('GET', '/api/records/' + id)).body.record;
      if (rec.properties.variant !== 'A') continue;
      nA++;
      assert.equal((await api('PATCH', '/api/records/' + id, { properties: { lifecycle: 'customer' } })).status, 200);
    }
    assert.ok(nA > 0 && nA < 20, `the split sent ${nA} of 20 down A`);
    const pct = (x) => `${Math.round(x * 1000) / 10}%`;

    await page.goto(server.url + '/#/workflows/e2e-ab');
    await page.locator('.step-card[data-step="ab"]').waitFor({ timeout: T.med });
    await page.getByRole('link', { name: 'Performance', exact: true }).click();
    const totals = page.getByTestId('perf-totals');
    await until('the totals', async () => /20 enrolled/.test(await totals.textContent().catch(() => '')), T.med);
    assert.match(await totals.textContent(), new RegExp(`${nA} reached the goal \\(${pct(nA / 20).replace('.', '\\.')} goal conversion\\)`));
    const fig = page.getByTestId('split-figures');
    await fig.waitFor({ timeout: T.med });
    const row = async (p) => (await fig.locator(`tr[data-path="${p}"] td`).allTextContents()).map((x) => x.trim());
    assert.deepEqual(await row('A'), ['A', String(nA), pct(nA / 20), String(nA), '100%']);
    assert.deepEqual(await row('B'), ['B', String(20 - nA), pct((20 - nA) / 20), '0', '0%']);
    // the figures are the API's
    const perf = (await api('GET', '/api/workflows/e2e-ab/performance')).body;
    assert.equal(perf.totals.goal_conversion, nA / 20);
    assert.deepEqual(perf.paths.map((x) => [x.path, x.n, x.goal_reached]), [['A', nA, nA], ['B', 20 - nA, 0]]);
    await fig.scrollIntoViewIfNeeded();
    await page.screenshot({ path: ART + 'perf-04-split-goal.png' });
  });

  test('activity: every workflow\'s enrollments, filtered by workflow, status and contact, opens one', { timeout: 45_000 }, async () => {
    await page.getByRole('link', { name: 'Activity', exact: true }).click();
    const table = page.getByTestId('activity');
    await table.waitFor({ timeout: T.med });
    const rows = table.locator('tbody tr');
    await until('enrollments of both workflows', async () => {
      const text = await table.textContent();
      return text.includes('By city') && text.includes('Webinar follow-up');
    }, T.med);
    await page.getByLabel('Workflow').selectOption(WF);
    await until('only By city', async () => (await rows.count()) === 5, T.med);
    await page.getByLabel('Status').selectOption('completed');
    await until('five completed', async () => (await rows.count()) === 5, T.med);
    await page.getByLabel('Contact').fill('P3.PERF');
    await until('one contact', async () => (await rows.count()) === 1, T.med);
    assert.match(await rows.first().textContent(), /By city.*p3\.perf@example\.com.*completed/i);
    await shot('perf-04-activity');
    await page.getByLabel('Started from').fill('2030-01-01');
    await page.getByText('No enrollments match these filters').waitFor({ timeout: T.med });
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await until('everything again', async () => (await rows.count()) > 5, T.med);
    const id = await rows.first().getAttribute('data-enrollment');
    await rows.first().click();
    // opened from Activity: the URL says so and the top bar keeps Activity highlighted
    await until('the enrollment page', async () => page.url().endsWith('#/enrollments/' + id + '?from=activity'), T.med);
    await until('Activity highlighted', async () => (await page.locator('.topbar nav a.on').textContent()) === 'Activity', T.short);
    await page.getByTestId('crumbs').getByRole('link', { name: 'Activity' }).waitFor({ timeout: T.short });
    assert.deepEqual(pageErrors, []);
  });
});
