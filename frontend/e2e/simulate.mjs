// End-to-end: the editor's Test panel. Against `flowdesk serve --demo`, a marketer opens the demo
// webinar workflow, clicks Test, types a contact who watched 62 %, adds the registration event
// from the catalogue, runs the test; the steps reached light up on the canvas with their time
// offsets, the timeline shows the thank-you email, and clicking it shows the rendered email.
// Then an unsaved edit (the draft, not the saved version) is tested. Nothing may be written:
// the event, record and enrollment counts stay as they were.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ART, T, rowCounts, suite, until } from './rig.mjs';

let server;
let page;

const s = suite('simulate', { demo: true, ms: 90_000, viewport: { width: 1600, height: 900 }, acceptDialogs: true, bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors } = s;

const counts = () => rowCounts(api);

describe('the Test panel', { concurrency: false }, () => {
  test('a viewer of the demo webinar: the path lights up and the thank-you email is previewed', { timeout: 60_000 }, async () => {
    const before = await counts();
    await page.goto(server.url + '/#/workflows/webinar-follow-up');
    await page.locator('.step-card').first().waitFor({ timeout: T.med });
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Test' });
    await panel.waitFor();
    // a search typed but no record picked never runs the sample record in its place: several
    // matches ask to pick one; a single match is the record run
    const search = panel.getByLabel('Find a real record');
    await search.fill('example.com');
    await panel.locator('.test-found li').nth(1).waitFor({ timeout: T.med });
    await panel.getByRole('button', { name: 'Run test' }).click();
    await panel.getByRole('alert').filter({ hasText: /Pick one of the \d+ records found for “example.com”/ }).waitFor({ timeout: T.short });
    assert.equal(await panel.getByTestId('test-result').count(), 0, 'nothing ran');
    await search.fill('ciara');
    await until('one match', async () => (await panel.locator('.test-found li').count()) === 1, T.med);
    await panel.getByRole('button', { name: 'Run test' }).click();
    await panel.getByTestId('test-result').waitFor({ timeout: T.med });
    assert.match(await panel.locator('.test-record').textContent(), /ciara\.byrne@example\.com/, 'the record run is the one found');
    await panel.getByRole('button', { name: 'Type one instead' }).click();
    await panel.getByLabel('Record properties').fill('{"email": "greta@example.com", "first_name": "Greta", "watch_pct": 62}');
    await panel.getByRole('button', { name: 'Add an event' }).click();
    await panel.getByLabel('Event 1 time').fill('+0h');
    await panel.getByLabel('Event 1 type').fill('webinar.registered');
    await panel.getByLabel('Event 1 scope').fill('webinar=54072');
    await panel.getByRole('button', { name: 'Run test' }).click();
    await panel.getByTestId('test-result').waitFor({ timeout: T.med });
    assert.equal(await panel.locator('.test-outcome').getAttribute('data-outcome'), 'completed', await panel.getByTestId('test-result').textContent());

    // the path: the steps reached carry a badge with their offset; the replay branch does not.
    // The canvas draws only the cards in view (the open panel narrows it): zoom to fit first,
    // as a user would, so every card is there to check
    await page.getByRole('button', { name: 'Zoom to fit' }).click();
    await page.locator('.step-card.simulated[data-step="thank-you-mail"]').waitFor({ timeout: T.short });
    assert.equal(await page.locator('.step-card[data-step="thank-you-mail"] [data-testid="sim-badge"]').textContent(), '+2h');
    assert.equal(await page.locator('.step-card[data-step="wait-2h"] [data-testid="sim-badge"]').textContent(), '+0');
    assert.equal(await page.locator('.step-card.simulated[data-step="replay-mail"]').count(), 0, 'the replay branch was not taken');
    const timeline = await panel.locator('.test-timeline').textContent();
    assert.match(timeline, /t\+2h.*Watched/s, timeline);
    // each step at the workflow's clock ("Tue 11:00"), the offset beside it as a hint
    const clocks = await panel.locator('.test-timeline .when').allTextContents();
    assert.ok(clocks.length > 0 && clocks.every((c) => /^\S+ \d\d:\d\d$/.test(c)), clocks.join(' | '));
    assert.equal(await panel.locator('.test-timeline .when').first().getAttribute('title').then((t) => /after the start/.test(t)), true);

    // the effect: what would be sent
    await panel.getByTestId('test-effect').first().click();
    const subject = await panel.getByTestId('preview-subject').textContent();
    assert.match(subject, /Greta|Thanks|watch/i, subject);
    // the template's subject reads as its label and its value, never run together ("SubjectThanks…")
    assert.match(await panel.getByTestId('test-preview').innerText(), /^Subject Thanks for watching, Greta$/m);
    const html = await panel.locator('iframe.test-mail').getAttribute('srcdoc');
    assert.ok(html && html.length > 50, 'the rendered email body is shown');
    await shot('simulate-01-webinar');

    // nothing was written by the test
    assert.equal(await counts(), before, 'the test run changed the database');

    // save the run as a scenario: the file passes `flowdesk test` as it is
    const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Download scenario file' }).click()]);
    const file = join(ART, 'webinar-scenario.json');
    await download.saveAs(file);
    const scenario = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(scenario.workflow, 'webinar-follow-up');
    assert.equal(scenario.expect.outcome, 'completed');
    assert.ok(scenario.expect.effects.some((l) => /thank-you-mail send_email ok/.test(l)), JSON.stringify(scenario.expect));
    const cli = spawnSync(process.env.FLOWDESK_BIN ?? new URL('../../build/bin/flowdesk', import.meta.url).pathname, ['test', file], { encoding: 'utf8', timeout: T.long });
    assert.equal(cli.status, 0, `flowdesk test on the saved scenario: ${cli.stdout}${cli.stderr}`);
    assert.match(cli.stdout, /^ok /, cli.stdout);

    // closing the panel clears the highlight
    await panel.getByTitle('Close').click();
    assert.equal(await page.locator('.step-card.simulated').count(), 0);
  });

  test('a non-viewer gets the replay; an unknown event type is a warning with a suggestion', { timeout: 45_000 }, async () => {
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Test' });
    await panel.getByLabel('Record properties').fill('{"email": "sam@example.com", "first_name": "Sam", "watch_pct": 10}');
    await panel.getByRole('button', { name: 'Add an event' }).click();
    await panel.getByLabel('Event 1 type').fill('webinar.registered');
    await panel.getByLabel('Event 1 scope').fill('webinar=54072');
    await panel.getByRole('button', { name: 'Add an event' }).click();
    await panel.getByLabel('Event 2 time').fill('+1d');
    await panel.getByLabel('Event 2 type').fill('webinar.replay_viewr');
    await panel.getByRole('button', { name: 'Run test' }).click();
    await panel.getByTestId('test-result').waitFor({ timeout: T.med });
    await page.getByRole('button', { name: 'Zoom to fit' }).click();
    await page.locator('.step-card.simulated[data-step="replay-mail"]').waitFor({ timeout: T.short });
    await page.locator('.step-card.simulated[data-step="tell-owner"]').waitFor({ timeout: T.short });
    const warn = await panel.locator('.test-warning').first().textContent();
    assert.match(warn, /did you mean "webinar\.replay_viewer"/, warn);
    await shot('simulate-02-replay');
    assert.deepEqual(pageErrors, []);
  });

  test('a real contact: the record and its company after the run, changed properties marked', { timeout: 45_000 }, async () => {
    const company = (await api('POST', '/api/events', { type: 'crm.synced', record: { type: 'company', email: 'info@acme-sim.example', properties: { name: 'Acme Sim', industry: 'computer_software' } } })).body.record_id;
    const contact = (await api('POST', '/api/events', { type: 'crm.synced', record: { type: 'contact', email: 'ann.sim@example.com', properties: { first_name: 'Ann' } } })).body.record_id;
    assert.equal((await api('POST', `/api/records/${contact}/associations`, { record_id: company })).status, 201);
    const made = await api('POST', '/api/workflows', { id: 'mark-company', name: 'Mark the company', object: 'contact', triggers: [], reenroll: { enabled: false, triggers: [] }, start: 'mark',
      steps: [{ id: 'mark', type: 'set_property', target: 'associated:company', property: 'segment', value: 'tech', next: 'note' },
        { id: 'note', type: 'set_property', property: 'path', value: 'software' }] });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const before = await counts();
    await page.goto(server.url + '/#/workflows/mark-company');
    await page.locator('.step-card[data-step="mark"]').waitFor({ timeout: T.med });
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Test' });
    await panel.getByLabel('Find a real record').fill('ann.sim');
    await panel.getByRole('button', { name: 'ann.sim@example.com' }).click();
    await panel.getByRole('button', { name: 'Run test' }).click();
    await panel.getByTestId('test-result').waitFor({ timeout: T.med });
    // the contact's own view: "path" is new
    const own = panel.getByTestId('test-after').locator('details').first();
    assert.match(await own.locator('summary').textContent(), /The record after the run · 1 changed/);
    assert.match(await own.locator('tr[data-changed]').textContent(), /path\s*software \(new\)/);
    // its company, under its real id: "segment" is new, "industry" unchanged
    const linked = panel.getByTestId('test-associated');
    await linked.waitFor({ timeout: T.short });
    assert.match(await linked.locator('summary').textContent(), new RegExp(`company Acme Sim \\(#${company}\\) after the run · 1 changed`));
    assert.deepEqual(await linked.locator('tr[data-changed] th').allTextContents(), ['segment']);
    assert.match(await linked.textContent(), /industry\s*computer_software/);
    await shot('simulate-03-associated');
    // nothing real changed: the company keeps its properties
    const got = (await api('GET', `/api/records/${contact}/associations`)).body.associations;
    assert.equal(got[0].record.properties.segment, undefined);
    assert.equal(await counts(), before, 'a test writes nothing');
    assert.deepEqual(pageErrors, []);
  });
});
