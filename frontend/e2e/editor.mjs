// End-to-end: the editor's defects a new user met in the demo (`flowdesk serve --demo`), each
// reproduced the way they met it: a save pressed while a change is still being checked, the
// list picker after a save, condition messages, a new trigger's problems, a split inserted above
// steps, the Test panel's hints, the publish review, layout details and business hours.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ART, T, apiClient, openBrowser, publishReview, until, watchdog } from './rig.mjs';
import { startServer } from './server.mjs';

let server;
let browser;
let page;
const pageErrors = [];
const dialogs = [];
let dismissNext = false; // the next dialog is answered Cancel (the rest OK)

const timer = watchdog('editor', 200_000, () => server);
const api = apiClient(() => server);
const shot = (name) => page.screenshot({ path: ART + 'editor-' + name + '.png' });
const panel = () => page.locator('.side-panel');

/** The step ids on the canvas, in DOM order. */
const stepIds = () => page.locator('.step-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')));

/** Adds a step of `type` on the "+" of `slot` and returns its id. */
async function addStep(slot, type) {
  const before = await stepIds();
  await page.locator(`.edge-plus[data-slot="${slot}"]`).click();
  await page.locator(`.palette[data-slot="${slot}"] .palette-item[data-type="${type}"]`).click();
  return until(`the new ${type} card`, async () => (await stepIds()).find((x) => !before.includes(x)), T.short);
}

/** Opens a workflow in the editor and waits for its cards and its first check. */
async function open(id) {
  await page.goto(server.url + '/#/workflows/' + encodeURIComponent(id));
  await page.locator('.step-card').first().waitFor({ timeout: T.med });
  await until('the first check', async () => (await page.getByTestId('problems-button').textContent()) !== 'Checking…', T.med);
}

const saved = () => page.getByTestId('save-state').filter({ hasText: 'All changes saved' }).waitFor({ timeout: T.med });

before(async () => {
  server = await startServer({ demo: true });
  // a static list the steps can pick (the demo's lists are made when their first record joins)
  const l = await api('POST', '/api/lists', { id: 'webinar-fans', name: 'Webinar fans' });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  console.log(`# server ${server.version} at ${server.url} (pid ${server.pid})`);
  ({ browser, page } = await openBrowser({ errors: pageErrors }));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    const no = dismissNext;
    dismissNext = false;
    (no ? d.dismiss() : d.accept()).catch(() => undefined);
  });
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  clearTimeout(timer);
});

describe('the editor a marketer can trust', { concurrency: false }, () => {
  // Ctrl+S right after a change, while the toolbar says "Checking…": the save must decide on
  // the problems of what is on screen, not the ones from before the change.
  test('1: Ctrl+S while "Checking…" on a live workflow goes through the review', { timeout: 60_000 }, async () => {
    await open('lead-nurture');
    const before = (await api('GET', '/api/workflows/lead-nurture')).body;
    assert.equal(before.enabled, true, 'the demo workflow is on');
    const step = await addStep('mark-nurtured:next', 'add_to_list');
    // a new add-to-list step names no list yet: a problem
    await until('the new step\'s problem', async () => /problem/.test(await page.getByTestId('problems-button').textContent()), T.med);
    await panel().getByLabel('List', { exact: true }).selectOption('webinar-fans');
    await page.keyboard.press('Control+s');
    const text = await publishReview(page, { enroll: false });
    assert.match(text, /added/i, 'the review names the change: ' + text);
    await saved();
    const after = (await api('GET', '/api/workflows/lead-nurture')).body;
    assert.equal(after.revision, before.revision + 1, 'one save');
    assert.equal(after.definition.steps.find((s) => s.id === step)?.list, 'webinar-fans');
    assert.equal(await page.locator('.banner.error').count(), 0, 'no refusal');
    await shot('1-saved-through-review');
  });

  // The list picker after a save: the server's canonical answer replaces the definition, and
  // the panel must still show the chosen list (not "Choose a list…") without a reload.
  test('2: the add-to-list panel keeps its list after a save', { timeout: 60_000 }, async () => {
    const picked = () => panel().getByLabel('List', { exact: true }).locator('option:checked').textContent();
    assert.match(await picked(), /^Webinar fans/, 'the list saved in test 1 is shown');
    // a list made on the spot, on the live workflow, saved through the review
    await panel().getByLabel('List', { exact: true }).selectOption('\u0000new');
    await panel().getByLabel('New list name').fill('Nurtured');
    await panel().getByRole('button', { name: 'Create', exact: true }).click();
    await until('the new list picked', async () => /^Nurtured/.test(await picked()), T.med);
    await page.keyboard.press('Control+s');
    await publishReview(page, { enroll: false });
    await saved();
    await page.waitForTimeout(500);
    assert.match(await picked(), /^Nurtured/, 'the panel shows the list after publishing');
    // a list made on the spot in the panel, on a draft workflow (no review)
    await page.goto(server.url + '/#/workflows/new');
    await page.locator('.side-panel').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('List keeper');
    await page.locator('.trigger-card').click();
    await page.getByRole('button', { name: 'event', exact: true }).click();
    await page.getByLabel('Event type').fill('webinar.registered');
    const step = await addStep('__trigger:start', 'add_to_list');
    await panel().getByLabel('List', { exact: true }).selectOption('\u0000new');
    await panel().getByLabel('New list name').fill('Spring leads');
    await panel().getByRole('button', { name: 'Create', exact: true }).click();
    await until('the new list picked', async () => /^Spring leads/.test(await picked()), T.short);
    await page.keyboard.press('Control+s');
    await saved();
    assert.equal((await api('GET', '/api/workflows/list-keeper')).body.definition.steps.find((s) => s.id === step)?.list, 'spring-leads');
    await page.waitForTimeout(500);
    assert.match(await picked(), /^Spring leads/, 'the panel still shows the list after the save');
    await page.locator('.react-flow__pane').click({ position: { x: 40, y: 300 } });
    await page.locator(`.step-card[data-step="${step}"]`).click();
    assert.match(await picked(), /^Spring leads/, 'and when the step is opened again');
  });

  // A condition's message names the operator the user chose, in the editor's words, and
  // follows the input at once (the server's answer comes after a pause).
  test('3: condition messages name the chosen operator and follow the input', { timeout: 60_000 }, async () => {
    await open('lead-nurture');
    await page.locator('.step-card[data-step="hot?"]').click();
    const body = panel().locator('.panel-body');
    await body.getByRole('button', { name: '+ Condition' }).first().click();
    const rule = body.locator('.filter-rule').nth(1);
    await rule.getByLabel('Property', { exact: true }).fill('score');
    const valueAt = async () => (await rule.getByLabel('Value', { exact: true }).boundingBox())?.y;
    const inline = () => panel().getByTestId('step-problems').innerText().catch(() => '');
    await rule.getByLabel('Operator').selectOption('gte');
    // at once, before any server answer could arrive for this choice
    await until('the message about "is at least"', async () => /score is at least" needs a value/.test(await inline()), 300, 30);
    assert.doesNotMatch(await inline(), /"eq"|operator/, 'no message about the operator that was there before');
    // after the server's check: still the user's words
    await until('the server\'s check', async () => (await page.getByTestId('problems-button').textContent()) !== 'Checking…', T.med);
    await page.waitForTimeout(300);
    const checked = await inline();
    assert.match(checked, /score is at least/, 'the server names the operator as the editor shows it: ' + checked);
    assert.doesNotMatch(checked, /"eq"|"gte"|operator/, checked);
    await shot('3-condition-message');
    // a value: the message goes at once, and the list with it; the list is below the form, so
    // the field being typed in stays where it was
    const before = await valueAt();
    await rule.getByLabel('Value', { exact: true }).fill('20');
    await until('the message to go', async () => !/needs a value/.test(await inline()), 300, 30);
    assert.equal(await inline(), '', 'no problem left on the step');
    assert.equal(await valueAt(), before, 'the Value field did not move when the message went');
  });

  // A trigger just added keeps its problems to itself until the user fills it in, leaves it or
  // tries to save (the toolbar still counts them).
  test('4: a new trigger shows its problems only once touched, left or saved', { timeout: 60_000 }, async () => {
    await page.goto(server.url + '/#/workflows/new');
    await page.locator('.side-panel').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Untouched trigger');
    await page.locator('.trigger-card').click();
    await page.getByRole('button', { name: 'event', exact: true }).click();
    const section = panel().locator('.card-section[data-trigger]').first();
    const said = () => section.locator('.problems-inline li').allTextContents();
    await until('the check of the new trigger', async () => /problem/.test(await page.getByTestId('problems-button').textContent()), T.med);
    await page.waitForTimeout(300);
    assert.deepEqual(await said(), [], 'nothing said about a trigger the user has not touched');
    await shot('4-untouched');
    // the user visits the event type and leaves it empty: now it is said
    await section.getByLabel('Event type').focus();
    await page.keyboard.press('Tab');
    await page.locator('.side-panel .panel-head').click();
    await until('the problem after leaving the field', async () => (await said()).length > 0, T.short);
    await section.getByLabel('Event type').fill('webinar.registered');
    await until('the problem to go', async () => (await said()).length === 0, T.med);
    // a second trigger, not touched, shows its problem at the save attempt
    await page.getByRole('button', { name: 'webhook', exact: true }).click();
    const second = panel().locator('.card-section[data-trigger]').nth(1);
    await until('the second trigger checked', async () => /problem/.test(await page.getByTestId('problems-button').textContent()), T.med);
    assert.deepEqual(await second.locator('.problems-inline li').allTextContents(), []);
    await page.keyboard.press('Control+s');
    await saved();
    await until('the problem after the save attempt', async () => (await second.locator('.problems-inline li').count()) > 0, T.short);
  });

  // A split inserted above existing steps: they go on path A, and path B's emptiness is said on
  // the canvas (an amber "B ends" marker) and in the toolbar (a warning naming the path).
  test('5: a split inserted above steps says that path B is empty', { timeout: 60_000 }, async () => {
    await open('sales-handoff');
    const first = (await api('GET', '/api/workflows/sales-handoff')).body.definition.start;
    const split = await addStep('__trigger:start', 'split');
    const button = page.getByTestId('problems-button');
    await until('the warning in the toolbar', async () => /1 warning/.test(await button.textContent()), T.med);
    assert.doesNotMatch(await button.textContent(), /No problems/);
    await button.click();
    const list = page.getByRole('region', { name: 'Problems' });
    await until('the warning in the list', async () => /path "B" has no steps/.test(await list.textContent()), T.short);
    const end = page.locator(`.react-flow__node[data-id="__end:${split}:path:1"] .end-marker`);
    assert.equal((await end.textContent()).trim(), 'B ends');
    assert.match(await end.getAttribute('title'), /50% of records/);
    // the steps that were there are on path A
    await page.keyboard.press('Control+s');
    await publishReview(page);
    await saved();
    const def = (await api('GET', '/api/workflows/sales-handoff')).body.definition;
    assert.equal(def.start, split);
    assert.equal(def.steps.find((s) => s.id === split).paths[0].next, first, 'path A goes on with the steps that were there');
    await shot('5-split-path-b');
  });

  // The Test panel's event data hint comes from the catalogue entry of the chosen event: the
  // viewer event's watch_pct is an event field (subscriber.watch_pct), not a record property.
  test('6: the Test panel hints the chosen event\'s own data fields', { timeout: 60_000 }, async () => {
    await open('webinar-follow-up');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    const test = page.getByRole('region', { name: 'Test' });
    await test.getByRole('button', { name: 'Add an event' }).click();
    const data = test.getByLabel('Event 1 data');
    assert.doesNotMatch(await data.getAttribute('placeholder'), /watch_pct/, 'no event chosen: no made-up field');
    await test.getByLabel('Event 1 type').fill('webinar.viewer');
    await until('the viewer event\'s fields', async () => /subscriber.*watch_pct/.test(await data.getAttribute('placeholder')), T.short);
    const hint = await test.getByTestId('event-fields').textContent();
    assert.match(hint, /subscriber\.watch_pct \(number\)/);
    assert.match(hint, /not record properties/);
    await shot('6-test-hint');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
  });

  // Publishing a change to a live workflow says that the records in it stay on the old version,
  // with their count.
  test('7: the review says how many enrolled records stay on the live version', { timeout: 60_000 }, async () => {
    await open('lead-nurture');
    const totals = page.locator('.toolbar .totals .c.active');
    await totals.waitFor({ timeout: T.med });
    const n = Number(await totals.textContent());
    assert.ok(n > 0, 'the demo contacts wait in lead nurture');
    const live = (await api('GET', '/api/workflows/lead-nurture')).body.active_version;
    await page.locator('.step-card[data-step="mark-nurtured"]').click();
    await panel().getByLabel('Step name').fill('Mark as nurtured');
    await page.keyboard.press('Control+s');
    const text = await publishReview(page, { enroll: false });
    assert.match(text, new RegExp(`${n} records? (is|are) in the workflow now: (it stays|they stay) on version ${live} until`), text);
    await saved();
  });

  // Switching a workflow back on after "Let them finish": the review says the records still in
  // it stay on their version.
  test('8: switching back on says the records from before stay on their version', { timeout: 60_000 }, async () => {
    await open('lead-nurture');
    const live = (await api('GET', '/api/workflows/lead-nurture')).body.active_version;
    const sw = page.locator('.toolbar .switch');
    await sw.click();
    await page.getByRole('button', { name: 'Let them finish' }).click();
    await until('the switch to be off', async () => (await sw.getAttribute('aria-checked')) === 'false', T.med);
    assert.equal((await api('GET', '/api/workflows/lead-nurture')).body.enabled, false);
    await sw.click();
    const text = await publishReview(page, { enroll: false });
    assert.match(text, new RegExp(`Changes against version ${live}, the one it ran before it was switched off`), text);
    assert.match(text, /No changes against version/, 'nothing reads as added: ' + text);
    assert.match(text, new RegExp(`Records already in the workflow \\(from before it was switched off\\) stay on version ${live} until they finish`), text);
    await until('the switch to be on', async () => (await sw.getAttribute('aria-checked')) === 'true', T.med);
  });

  // The side panel commits typing when it pauses: the card follows a moment later, and a save,
  // an undo or leaving right after the last key still includes it.
  test('9: typing commits on a pause; Ctrl+S, leaving and undo right after the last key include it', { timeout: 60_000 }, async () => {
    const wf = { id: 'pause-test', name: 'Pause test', object: 'contact', triggers: [{ type: 'event', event: 'webinar.registered' }],
      start: 'wait', steps: [{ id: 'wait', type: 'delay', duration: '1d' }] };
    assert.equal((await api('POST', '/api/workflows', wf)).status, 201);
    await open('pause-test');
    const card = page.locator('.step-card[data-step="wait"]');
    await card.click();
    const name = panel().getByLabel('Step name');
    await name.fill('Wait a day');
    await until('the card shows the name once typing pauses', async () => /Wait a day/.test(await card.textContent()), T.short);
    await until('unsaved', async () => (await page.getByTestId('save-state').textContent()) === 'Unsaved changes', T.short);
    // Ctrl+S straight after the last key: the saved name has it
    await name.press('End');
    await page.keyboard.type('!!');
    await page.keyboard.press('Control+s');
    await saved();
    const stored = (await api('GET', '/api/workflows/pause-test')).body.definition.steps[0].name;
    assert.equal(stored, 'Wait a day!!', 'the save includes the keys typed just before it');
    // leaving straight after a key asks first (the dialog handler accepts: the change is dropped)
    await name.press('End');
    await page.keyboard.type('?');
    const asked = dialogs.length;
    await page.getByRole('link', { name: 'Workflows', exact: true }).click();
    await until('the unsaved-changes question', async () => dialogs.length > asked, T.short);
    assert.match(dialogs[dialogs.length - 1], /unsaved changes/);
    await page.locator('tr[data-workflow="pause-test"]').waitFor({ timeout: T.med });
    assert.equal((await api('GET', '/api/workflows/pause-test')).body.definition.steps[0].name, 'Wait a day!!', 'leaving saved nothing');
    // undo with the toolbar right after typing undoes what was typed, at once
    await open('pause-test');
    await card.click();
    await name.press('End');
    await page.keyboard.type(' more');
    await page.getByRole('button', { name: /^Undo/ }).click();
    await until('the name back as saved', async () => (await name.inputValue()) === 'Wait a day!!', T.short);
    await until('saved state again', async () => (await page.getByTestId('save-state').textContent()) === 'All changes saved', T.short);

    // the step id: a typed id counts as a change at once, Ctrl+S renames and saves it
    const stepId = panel().getByLabel('Step id');
    await stepId.fill('wait-a-day');
    await until('unsaved while the id is typed', async () => (await page.getByTestId('save-state').textContent()) === 'Unsaved changes', T.short);
    await page.keyboard.press('Control+s');
    await saved();
    assert.equal((await api('GET', '/api/workflows/pause-test')).body.definition.steps[0].id, 'wait-a-day', 'Ctrl+S in the id field saves the new id');
    // Tab out of the id field: the rename keeps the keyboard in the panel, on the next control
    const renamed = page.locator('.step-card[data-step="wait-a-day"]');
    await renamed.click();
    await panel().getByLabel('Step id').fill('wait-one-day');
    await page.keyboard.press('Tab');
    await until('the card renamed', async () => (await page.locator('.step-card[data-step="wait-one-day"]').count()) === 1, T.short);
    await until('focus on the next control of the panel', async () => page.evaluate(() => {
      const a = document.activeElement;
      return !!a && a !== document.body && !!a.closest('.side-panel') && a.id !== 'step-id';
    }), T.short);
  });

  // Deleting the step a go-to jumps to asks first, naming the go-to; "Cancel" keeps it, OK
  // deletes it and leaves the go-to asking for a new step.
  test('10: deleting a go-to\'s target asks first', { timeout: 60_000 }, async () => {
    const def = JSON.parse(readFileSync(new URL('../../testdata/workflows/re-engage-loop.json', import.meta.url), 'utf8'));
    const created = await api('POST', '/api/workflows', { ...def, id: 'goto-delete', name: 'Go-to delete' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await open('goto-delete');
    const target = page.locator('.step-card[data-step="send-nudge"]');
    await target.click();
    const was = dialogs.length;
    dismissNext = true;
    await panel().getByRole('button', { name: 'Delete step' }).click();
    await until('the question', async () => dialogs.length === was + 1, T.short);
    assert.match(dialogs[was], /^confirm: The go-to step “.+” jumps to “.+”\. Delete it anyway\?/);
    assert.equal(await target.count(), 1, 'Cancel keeps the step');
    // the Delete key asks the same; OK deletes
    await target.click();
    await page.keyboard.press('Delete');
    await until('the step deleted', async () => (await target.count()) === 0, T.short);
    assert.equal(dialogs.length, was + 2);
    assert.match(await page.locator('.step-card[data-step="try-again"]').textContent(), /pick a step/i);
  });

  test('no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
