// End-to-end: review and publish, and versions. On a fresh `flowdesk serve` with four contacts
// (three in Dublin), the user builds a workflow whose trigger is "city is Dublin", saves it and
// turns it on: the review shows what goes live and that 3 records meet the trigger now; "yes"
// enrolls them. An edit of the live workflow is reviewed the same way (the added step named).
// The Versions screen lists both versions, compares them with the added card marked, and
// restores the first as a new revision. A version whose target workflow was deleted since opens
// in the editor with the problem listed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ART, T, apiClient, openBrowser, publishReview, until, watchdog } from './rig.mjs';
import { startServer } from './server.mjs';

const WF = 'dublin-welcome';
const TARGET = 'dublin-follow-up';

let server;
let browser;
let page;
const pageErrors = [];

const timer = watchdog('versions', 240_000, () => server);
const api = apiClient(() => server);
const shot = (name) => page.screenshot({ path: ART + name + '.png' });

before(async () => {
  server = await startServer({});
  console.log(`# server ${server.version} at ${server.url} (pid ${server.pid})`);
  ({ browser, page } = await openBrowser({ errors: pageErrors }));
  page.on('dialog', (d) => d.accept().catch(() => undefined));
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  clearTimeout(timer);
});

const versions = async () => (await api('GET', `/api/workflows/${WF}/versions`)).body.versions;

describe('review, publish and versions', { concurrency: false }, () => {
  test('turn on → review counts the records there now → publish enrolls them; a live edit is reviewed', { timeout: 90_000 }, async () => {
    for (const [who, city] of [['ann', 'Dublin'], ['bob', 'Dublin'], ['cat', 'Dublin'], ['dan', 'Cork']]) {
      const ev = await api('POST', '/api/events', { type: 'form.submitted', record: { type: 'contact', email: `${who}.versions@example.com`, properties: { city } } });
      assert.equal(ev.status, 201, JSON.stringify(ev.body));
    }
    // the workflow the second version enrolls into (deleted later, so an old version breaks)
    const target = await api('POST', '/api/workflows', { id: TARGET, name: 'Dublin follow-up', object: 'contact', triggers: [], reenroll: { enabled: false, triggers: [] },
      start: 'tag', steps: [{ id: 'tag', type: 'add_to_list', list: 'dublin' }] });
    assert.equal(target.status, 201, JSON.stringify(target.body));

    // build: Start from scratch → "city is Dublin" → a delay → save
    await page.goto(server.url + '/#/workflows');
    await page.getByTestId('create').click();
    await page.getByRole('button', { name: /Start from scratch/ }).click();
    await page.locator('.side-panel').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Dublin welcome');
    await page.getByLabel('Id', { exact: true }).fill(WF);
    await page.locator('.trigger-card').click();
    await page.getByRole('button', { name: 'criteria', exact: true }).click();
    const tpanel = page.locator('.side-panel');
    await tpanel.getByLabel('Trigger id').fill('in-dublin');
    if ((await tpanel.locator('.filter-rule').count()) === 0) await tpanel.getByRole('button', { name: '+ Condition' }).first().click();
    await tpanel.getByLabel('Property', { exact: true }).first().fill('city');
    await tpanel.getByLabel('Operator').first().selectOption('eq');
    await tpanel.getByLabel('Value', { exact: true }).first().fill('Dublin');
    await page.locator('.edge-plus').first().click();
    await page.locator('.palette-item[data-type="delay"]').click();
    const delay = await page.locator('.step-card').first().getAttribute('data-step');
    await page.getByRole('spinbutton', { name: 'Wait for' }).fill('1');
    await page.getByLabel('Wait for unit').selectOption('d');
    await until('"No problems"', async () => (await page.getByTestId('problems-button').textContent()) === 'No problems', T.med);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await until('the saved workflow route', async () => page.url().endsWith('#/workflows/' + WF), T.med);
    await page.getByText('All changes saved').waitFor({ timeout: T.med });
    assert.equal((await api('GET', `/api/workflows/${WF}`)).body.enabled, false, 'saving a draft puts nothing live');

    // turn on: the review says what goes live and how many records meet the trigger now
    await page.locator('.toolbar .switch').click();
    const dlg = page.getByTestId('review-dialog');
    await dlg.waitFor({ timeout: T.med });
    await until('the count', async () => (await page.getByTestId('review-count').textContent().catch(() => '')) === '3', T.med);
    const first = await dlg.textContent();
    assert.match(first, /What goes live \(nothing is live yet\)/);
    assert.match(first, /Added step Delay/);
    assert.match(first, /Added the filter criteria trigger/);
    assert.match(first, /Also enroll records that meet the triggers now\?/);
    assert.equal(await page.getByTestId('publish-button').isDisabled(), true, 'publish waits for the answer');
    assert.equal((await api('GET', `/api/workflows/${WF}`)).body.enabled, false, 'the review alone puts nothing live');
    await shot('versions-01-review-first');
    await publishReview(page, { enroll: true });
    await until('the switch on', async () => (await page.locator('.toolbar .switch').getAttribute('aria-checked')) === 'true', T.med);
    await page.getByText('Published version 1 and enrolled 3 records that meet the triggers now').waitFor({ timeout: T.med });
    const en = (await api('GET', `/api/enrollments?workflow=${WF}`)).body.enrollments;
    assert.deepEqual(en.map((e) => e.record_email).sort(), ['ann.versions@example.com', 'bob.versions@example.com', 'cat.versions@example.com']);

    // a live edit: add "enroll in Dublin follow-up" after the delay; the save opens the review
    await page.locator(`.edge-plus[data-slot="${delay}:next"]`).click();
    await page.locator('.palette-item[data-type="enroll"]').click();
    await until('the enroll card', async () => (await page.locator('.step-card').count()) === 2, T.short);
    const picker = page.getByRole('combobox', { name: 'Workflow' });
    await picker.click();
    await picker.fill('dublin');
    await page.getByRole('option').filter({ hasText: TARGET }).click();
    await page.getByTestId('picked-workflow').waitFor({ timeout: T.short });
    await until('"No problems"', async () => (await page.getByTestId('problems-button').textContent()) === 'No problems', T.med);
    const live = (await api('GET', `/api/workflows/${WF}`)).body;
    await page.keyboard.press('Control+s');
    await dlg.waitFor({ timeout: T.med });
    await until('the changes', async () => /Changes against the live version 1/.test(await dlg.textContent()), T.med);
    assert.equal((await api('GET', `/api/workflows/${WF}`)).body.revision, live.revision, 'nothing is saved before Publish');
    const second = await dlg.textContent();
    assert.match(second, /Added step Enroll/);
    assert.match(second, /Changed step Delay .*\(what follows\)/);
    assert.match(second, /3 meet them now; 3 are in the workflow already/);
    await shot('versions-02-review-edit');
    await publishReview(page, { enroll: false });
    await page.getByText('Published version 2').waitFor({ timeout: T.med });
    await page.getByText('All changes saved').waitFor({ timeout: T.med });
    const vs = await versions();
    assert.deepEqual(vs.map((v) => [v.version, v.active]), [[2, true], [1, false]]);
  });

  test('versions: list, compare with the added card marked, restore as a new revision', { timeout: 60_000 }, async () => {
    // the toolbar's Versions opens the panel; its link opens the full screen
    await page.getByRole('button', { name: 'Versions', exact: true }).click();
    await page.getByRole('region', { name: 'Versions' }).getByRole('link', { name: 'Open the versions screen' }).click();
    await until('the versions route', async () => page.url().includes(`#/workflows/${WF}/versions`), T.med);
    const rows = page.locator('.version-row');
    await until('two versions', async () => (await rows.count()) === 2, T.med);
    assert.match(await rows.nth(0).textContent(), /Version 2.*Live.*Added 1 step/);
    assert.match(await rows.nth(1).textContent(), /Version 1.*First version: 1 trigger, 1 step/);
    // version 2 is shown read-only: no "+" to add steps
    await page.locator('.step-card').nth(1).waitFor({ timeout: T.med });
    assert.equal(await page.locator('.edge-plus').count(), 0, 'a version cannot be edited');

    await page.locator('.version-row[data-version="1"]').getByTestId('compare').click();
    await until('the comparison', async () => (await page.getByTestId('version-title').textContent()) === 'Version 2 compared with version 1', T.med);
    const added = page.locator('.step-card.diff-added');
    await added.waitFor({ timeout: T.med });
    assert.match(await added.textContent(), /Enroll/);
    assert.equal(await page.locator('.step-card.diff-changed').count(), 1, 'the delay now leads somewhere: changed');
    assert.match(await page.getByTestId('version-changes').textContent(), /Added step Enroll/);
    await shot('versions-03-compare');
    await page.getByRole('button', { name: 'Show version 1' }).click();
    await until('version 1 on the canvas', async () => (await page.locator('.step-card').count()) === 1, T.med);
    assert.equal(await page.locator('.step-card.diff-added').count(), 0, 'the older side marks nothing as added');

    // restore version 1: the editor opens it as unsaved changes; saving reviews and publishes it
    await page.locator('.version-row[data-version="1"]').getByTestId('restore').click();
    await until('the editor', async () => page.url().endsWith('#/workflows/' + WF), T.med);
    await page.getByText('Version 1 is in the editor as unsaved changes').waitFor({ timeout: T.med });
    await page.getByText('Unsaved changes', { exact: true }).waitFor({ timeout: T.short });
    assert.equal(await page.locator('.step-card').count(), 1);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const text = await publishReview(page, { enroll: false });
    assert.match(text, /Removed step Enroll/);
    await page.getByText('Published version 3').waitFor({ timeout: T.med });
    const vs = await versions();
    assert.deepEqual(vs.map((v) => v.version), [3, 2, 1]);
    assert.match(vs[0].summary, /removed 1 step: enroll/);
  });

  test('a version that no longer validates opens with its problems listed', { timeout: 45_000 }, async () => {
    assert.equal((await api('DELETE', `/api/workflows/${TARGET}`)).status, 200);
    await page.goto(server.url + `/#/workflows/${WF}/versions`);
    await page.locator('.version-row[data-version="2"]').getByTestId('restore').click();
    await until('the editor', async () => page.url().endsWith('#/workflows/' + WF), T.med);
    await page.getByText('Version 2 is in the editor as unsaved changes').waitFor({ timeout: T.med });
    await until('the problem', async () => (await page.getByTestId('problems-button').textContent()) === '1 problem', T.med);
    const list = page.getByRole('region', { name: 'Problems' });
    await list.waitFor({ timeout: T.short });
    assert.match(await list.textContent(), new RegExp(TARGET));
    await shot('versions-04-restore-invalid');
    assert.equal((await versions()).length, 3, 'restoring alone publishes nothing');
  });

  test('workflow list: tags, search, sort, bulk off and on through the review', { timeout: 45_000 }, async () => {
    await page.getByRole('button', { name: 'Undo' }).click(); // drop the restored version unsaved
    await page.getByText('All changes saved').waitFor({ timeout: T.med });
    await page.goto(server.url + '/#/workflows');
    const row = page.locator(`tr[data-workflow="${WF}"]`);
    await row.waitFor({ timeout: T.med });
    const rev = (await api('GET', `/api/workflows/${WF}`)).body.revision;
    await row.getByRole('button', { name: 'Tags' }).click();
    const dlg = page.getByRole('dialog', { name: 'Tags of "Dublin welcome"' });
    await dlg.getByLabel('Tags, separated by commas').fill('onboarding, Dublin');
    await dlg.getByRole('button', { name: 'Save tags' }).click();
    await until('the tags on the row', async () => (await row.locator('.tag').allTextContents()).join('|') === 'onboarding|Dublin', T.med);
    assert.deepEqual((await api('GET', `/api/workflows/${WF}`)).body.tags, ['onboarding', 'Dublin']);
    assert.equal((await api('GET', `/api/workflows/${WF}`)).body.revision, rev, 'tags are not a new revision');
    await page.getByRole('button', { name: 'onboarding', exact: true }).click();
    await until('the tag filter', async () => (await page.locator('tr[data-workflow]').count()) === 1, T.short);
    await page.getByLabel('Search workflows').fill('zzz');
    await page.getByText('No workflow matches.').waitFor({ timeout: T.short });
    await page.getByRole('button', { name: 'Clear the search' }).click();
    await page.getByLabel('Sort by').selectOption('enrollments');
    await row.waitFor({ timeout: T.short });

    // bulk: off (letting them finish), then on again through the review
    await row.getByRole('checkbox').check();
    await page.getByTestId('bulk-off').click();
    await page.getByTestId('bulk-disable-keep').click();
    await until('off', async () => (await api('GET', `/api/workflows/${WF}`)).body.enabled === false, T.med);
    await row.getByRole('checkbox').check();
    await page.getByTestId('bulk-on').click();
    const text = await publishReview(page, { enroll: false });
    // it ran a version before it was switched off: the review compares with that one
    assert.match(text, /Changes against version \d+, the one it ran before it was switched off/, text);
    await until('on', async () => (await api('GET', `/api/workflows/${WF}`)).body.enabled === true, T.med);
    await shot('versions-05-list');
    assert.deepEqual(pageErrors, []);
  });

  test('the editor\'s versions panel: view v1, compare with the draft, restore as a new revision', { timeout: 90_000 }, async () => {
    const ID = 'panel-versions';
    const made = await api('POST', '/api/workflows', { id: ID, name: 'Panel versions', object: 'contact', timezone: 'Asia/Tokyo',
      triggers: [{ id: 'signed-up', type: 'event', event: 'form.submitted' }], reenroll: { enabled: false, triggers: [] },
      start: 'tag', steps: [{ id: 'tag', type: 'add_to_list', list: 'panel' }] });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((await api('POST', `/api/workflows/${ID}/enable`)).status, 200, 'version 1');
    // checked, and nothing that keeps it from going live (an event warning may stay)
    const noErrors = (t) => t !== 'Checking…' && !/\d+ problems?/.test(t);
    const panelVersions = async () => (await api('GET', `/api/workflows/${ID}/versions`)).body.versions;

    // two edits, each saved (and published: the workflow is on)
    await page.goto(server.url + `/#/workflows/${ID}`);
    await page.locator('.step-card[data-step="tag"]').waitFor({ timeout: T.med });
    await page.locator('.edge-plus[data-slot="tag:next"]').click();
    await page.locator('.palette-item[data-type="delay"]').click();
    await until('the delay card', async () => (await page.locator('.step-card').count()) === 2, T.short);
    const delay = await page.locator('.step-card').nth(1).getAttribute('data-step');
    await page.getByRole('spinbutton', { name: 'Wait for' }).fill('2');
    await page.getByLabel('Wait for unit').selectOption('d');
    await until('no errors', async () => noErrors(await page.getByTestId('problems-button').textContent()), T.med);
    await page.keyboard.press('Control+s');
    await publishReview(page);
    await page.getByText('Published version 2').waitFor({ timeout: T.med });
    await page.locator(`.step-card[data-step="${delay}"]`).click();
    await page.getByRole('spinbutton', { name: 'Wait for' }).fill('3');
    await until('no errors', async () => noErrors(await page.getByTestId('problems-button').textContent()), T.med);
    await page.keyboard.press('Control+s');
    await publishReview(page);
    await page.getByText('Published version 3').waitFor({ timeout: T.med });
    await page.getByText('All changes saved').waitFor({ timeout: T.med });
    // an edit left unsaved: restoring asks before it replaces it
    await page.getByRole('spinbutton', { name: 'Wait for' }).fill('4');
    await page.getByText('Unsaved changes', { exact: true }).waitFor({ timeout: T.short });

    // the panel: three versions, newest first, at the workflow's (Tokyo) clock, with their summaries
    await page.getByRole('button', { name: 'Versions', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Versions' });
    const rows = panel.locator('.version-row');
    await until('three versions', async () => (await rows.count()) === 3, T.med);
    const vs = await panelVersions();
    assert.deepEqual(vs.map((v) => v.version), [3, 2, 1]);
    const tokyo = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(vs[2].created_at));
    const v1 = panel.locator('.version-row[data-version="1"]');
    assert.match(await v1.textContent(), /Version 1.*First version: 1 trigger, 1 step/);
    assert.ok((await v1.textContent()).includes(tokyo), `v1 at ${tokyo} Tokyo time: ${await v1.textContent()}`);
    assert.match(await panel.textContent(), /Times in Asia\/Tokyo/);
    assert.match(await rows.nth(0).textContent(), /Version 3.*Live/);

    // view version 1: read only, one card, no "+", then back to the draft
    await v1.click();
    const bar = page.getByTestId('viewing-bar');
    await until('the bar', async () => /Viewing version 1 — read only/.test(await bar.textContent().catch(() => '')), T.med);
    await until('version 1 on the canvas', async () => (await page.locator('.step-card').count()) === 1, T.med);
    assert.equal(await page.locator('.edge-plus').count(), 0, 'a version cannot be edited');
    await shot('versions-06-panel-view');
    await bar.getByRole('button', { name: 'Back to the draft' }).click();
    await until('the draft again', async () => (await page.locator('.step-card').count()) === 2 && (await page.locator('.edge-plus').count()) > 0, T.med);
    assert.equal(await page.getByText('Unsaved changes', { exact: true }).count(), 1, 'the draft kept its unsaved edit');

    // compare version 1 with the current draft: the delay marked added
    await v1.getByTestId('compare-current').click();
    await until('the comparison', async () => (await page.getByTestId('version-title').textContent().catch(() => '')) === 'The current draft compared with version 1', T.med);
    assert.match(await bar.textContent(), /Comparing version 1 with the current draft — read only/);
    const added = page.locator('.step-card.diff-added');
    await added.waitFor({ timeout: T.med });
    assert.equal(await added.count(), 1);
    assert.equal(await added.getAttribute('data-step'), delay);
    assert.match(await page.getByTestId('version-changes').textContent(), /Added step Delay/);
    await shot('versions-07-panel-compare');

    // restore version 1: the unsaved edit is not dropped without asking; then the review publishes it
    await v1.getByTestId('restore-version').click();
    const ask = page.getByRole('dialog', { name: 'Restore version 1?' });
    await ask.waitFor({ timeout: T.short });
    await ask.getByRole('button', { name: 'Replace my changes and restore' }).click();
    const text = await publishReview(page);
    assert.match(text, /Removed step Delay/);
    await page.getByText('Published version 4').waitFor({ timeout: T.med });
    await page.getByText('All changes saved').waitFor({ timeout: T.med });

    // after a reload: the draft is version 1's, and the panel lists version 4 as live
    await page.reload();
    await page.locator('.step-card[data-step="tag"]').waitFor({ timeout: T.med });
    assert.equal(await page.locator('.step-card').count(), 1);
    const wf = (await api('GET', `/api/workflows/${ID}`)).body;
    assert.deepEqual(wf.definition.steps.map((s) => s.id), ['tag']);
    assert.equal(wf.active_version, 4);
    await page.getByRole('button', { name: 'Versions', exact: true }).click();
    await until('four versions', async () => (await rows.count()) === 4, T.med);
    assert.match(await rows.nth(0).textContent(), /Version 4.*Live.*Removed 1 step/i);
    await shot('versions-08-panel-restored');
    assert.deepEqual(pageErrors, []);
  });
});
