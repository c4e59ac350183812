// End-to-end: testing a workflow before it goes live, as a new user does, against
// `flowdesk serve --demo`. (1) Dry run: open the demo webinar workflow, Test → Dry run over all
// contacts; the progress shows as counts of records, the records per path appear on the
// canvas's arrows, and clicking the Watched path's count lists exactly the contacts who watched
// at least half. (2) "Why not enrolled?" on a record page explains, per trigger, what is
// missing. (3) Test panel: a run saved as a scenario passes on the Scenarios tab; after the
// wait is changed in the editor it fails with the diff of expected and actual. Nothing of the
// dry run or the test runs is written: the row counts of records, enrollments and outbox stay.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T, rowCounts, suite, until } from './rig.mjs';

let server;
let page;

const s = suite('testing', { demo: true, viewport: { width: 1600, height: 950 }, bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors } = s;

const counts = () => rowCounts(api);

describe('testing a workflow before it goes live', { concurrency: false }, () => {
  test('a dry run over every contact: progress in records, counts on the arrows, the records behind a count', { timeout: 60_000 }, async () => {
    // 300 new contacts sign up through a form (the demo's own are in the workflow already):
    // every third watched the webinar for 60 %
    for (let i = 0; i < 300; i++) {
      const res = await api('POST', '/api/events', { type: 'form.submitted', record: { email: `signup${i}@example.com`, properties: { first_name: `Signup ${i}`, watch_pct: i % 3 === 0 ? 60 : 10 } } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    const before = await counts();
    const contacts = (await api('GET', '/api/records?type=contact&limit=1000')).body.records;
    assert.ok(contacts.length >= 305, 'the demo contacts and the sign-ups');
    await page.goto(server.url + '/#/workflows/webinar-follow-up');
    await page.locator('.step-card').first().waitFor({ timeout: T.med });
    await page.locator('.react-flow__minimap').waitFor({ timeout: T.short });
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Test' });
    // the canvas beside the Test panel is too narrow for the map: it would cover the last path's cards
    await until('the map stepped aside for the Test panel', async () => (await page.locator('.react-flow__minimap').count()) === 0, T.short);
    await panel.getByRole('tab', { name: 'Dry run' }).click();
    await panel.getByRole('button', { name: 'Run dry run' }).click();
    // progress as counts of records, then done
    const progress = panel.getByTestId('dry-progress');
    await progress.waitFor({ timeout: T.med });
    const seen = new Set();
    const watch = setInterval(() => progress.textContent().then((t) => seen.add(t), () => undefined), 100);
    await until('the dry run to finish', async () => /^Done: \d+ of \d+ records/.test(await progress.textContent()), T.long);
    clearInterval(watch);
    const text = await progress.textContent();
    console.log('# progress seen: ' + [...seen].join(' | '));
    assert.ok([...seen].some((t) => /^Simulating… \d+ of \d+ records$/.test(t)), 'the progress was shown while it ran: ' + [...seen].join(' | '));
    const [, done, total] = text.match(/(\d+) of (\d+) records/);
    assert.equal(done, total, text);
    assert.equal(Number(total), contacts.length, `every contact is selected: ${text}`);
    const run = (await api('GET', '/api/dry-runs/1')).body;
    assert.equal(run.status, 'done');

    // the counts on the arrows are the server's, edge by edge
    const shown = await page.getByTestId('dry-count').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-edge'), Number(e.textContent.replace(/\D/g, ''))])));
    for (const e of run.edges) assert.equal(shown[`${e.source}:${e.port}`], e.n, `edge ${e.source}:${e.port}: ${JSON.stringify(shown)}`);
    const watched = run.edges.find((e) => e.source === 'watched?' && e.port === 'branch:0')?.n ?? 0;
    assert.equal(watched, 100, 'the 100 sign-ups who watched 60 % take the Watched path: ' + JSON.stringify(run));
    assert.equal(run.edges.find((e) => e.source === 'watched?' && e.port === 'else')?.n, 200, JSON.stringify(run.edges));
    assert.equal(await page.locator('.step-card[data-step="thank-you-mail"] [data-testid="sim-badge"]').textContent(), String(watched));
    await shot('testing-01-dry-run');

    // click the Watched path's count: the records behind it, each a watcher
    await page.locator('[data-testid="dry-count"][data-edge="watched?:branch:0"]').click();
    const list = panel.getByTestId('dry-records');
    await list.waitFor({ timeout: T.short });
    await until('the first page of the records', async () => (await list.locator('li').count()) === 50, T.short);
    assert.match(await list.textContent(), /^100 records: after Watched at least half\? \(branch:0\)/);
    await list.getByRole('button', { name: 'Show more' }).click();
    await until('the second page', async () => (await list.locator('li').count()) === 100, T.short);
    for (const href of await list.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
      const rec = (await api('GET', '/api/' + href.slice(2))).body;
      assert.ok(Number(rec.record.properties.watch_pct) >= 50, `a record behind the Watched count watched ${rec.record.properties.watch_pct} %`);
    }
    await shot('testing-02-records');
    assert.equal(await counts(), before, 'the dry run changed the database');
    await panel.getByTitle('Close').click();
    assert.equal(await page.getByTestId('dry-count').count(), 0, 'closing the panel takes the counts off the canvas');
  });

  test('why not enrolled: the record page says what each trigger is missing', { timeout: 30_000 }, async () => {
    const bram = (await api('GET', '/api/records?email=bram.jansen@example.com')).body.records[0];
    // a contact nothing registered for the webinar: make one, as a form would
    const made = await api('POST', '/api/events', { type: 'form.submitted', record: { email: 'nora.new@example.com', properties: { first_name: 'Nora' } } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const nora = made.body.record_id;
    assert.ok(bram && nora);
    await page.goto(`${server.url}/#/records/${nora}`);
    await page.getByRole('button', { name: 'Why not enrolled?' }).click();
    const why = page.getByTestId('why-not');
    await why.getByLabel('Workflow').selectOption('webinar-follow-up');
    const answer = why.getByTestId('why-answer');
    await answer.waitFor({ timeout: T.med });
    const trig = answer.getByTestId('why-trigger').first();
    assert.equal(await trig.getAttribute('data-code'), 'no_event');
    assert.match(await trig.textContent(), /no webinar\.registered event has arrived/);
    await shot('testing-03-why-not');
    await page.keyboard.press('Escape');
  });

  test('a run saved as a scenario passes, and fails with the diff once the workflow changes', { timeout: 60_000 }, async () => {
    const before = await counts();
    await page.goto(server.url + '/#/workflows/webinar-follow-up');
    await page.locator('.step-card').first().waitFor({ timeout: T.med });
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Test' });
    await panel.getByLabel('Record properties').fill('{"email": "greta@example.com", "first_name": "Greta", "watch_pct": 62}');
    await panel.getByRole('button', { name: 'Add an event' }).click();
    await panel.getByLabel('Event 1 type').fill('webinar.registered');
    await panel.getByLabel('Event 1 scope').fill('webinar=54072');
    await panel.getByRole('button', { name: 'Run test' }).click();
    await panel.getByTestId('test-result').waitFor({ timeout: T.med });
    await panel.getByLabel('Scenario name').fill('Greta watched 62 %');
    await panel.getByRole('button', { name: 'Save as scenario' }).click();
    await panel.getByText('Saved scenario "Greta watched 62 %"').waitFor({ timeout: T.med });

    await panel.getByRole('tab', { name: 'Scenarios' }).click();
    const sc = panel.getByTestId('scenario').filter({ hasText: 'Greta watched 62 %' });
    await sc.waitFor({ timeout: T.med });
    await panel.getByRole('button', { name: 'Run all scenarios' }).click();
    await until('the scenario to pass', async () => (await sc.getAttribute('data-result')) === 'pass', T.med);
    assert.match(await panel.getByTestId('scenario-summary').textContent(), /^1 of 1 passing$/);

    // change the workflow in the editor: the first wait becomes 3 hours (not saved)
    await page.locator('.step-card[data-step="wait-2h"]').click();
    await page.getByRole('spinbutton', { name: 'Wait for' }).fill('3');
    await page.getByTestId('save-state').filter({ hasText: 'Unsaved changes' }).waitFor({ timeout: T.short });
    await panel.getByRole('button', { name: 'Run all scenarios' }).click();
    await until('the scenario to fail', async () => (await sc.getAttribute('data-result')) === 'fail', T.med);
    const diff = await sc.getByTestId('scenario-diff').innerText();
    assert.match(diff, /^- \+2h thank-you-mail:ok$/m, diff);
    assert.match(diff, /^\+ \+3h thank-you-mail:ok$/m, diff);
    await shot('testing-04-scenario-fails');
    assert.equal(await counts(), before, 'running tests changed the database');
    assert.deepEqual(pageErrors, []);
  });
});
