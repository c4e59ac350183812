// End-to-end: a new user's first workflow, from an empty database, in the order they work, all
// through the UI (the API only posts events, as an outside system does, and reads what was
// stored): create → build with "+" → save → reload → switch on from the list → watch (a–f); build
// more on the live workflow and publish through the review (g); a send the receiver does not
// take, shown retrying and then failed everywhere (h); unenroll with a reason (i); delete, Trash,
// restore (j). Each step checks one of the defects a first run found: the first save must not
// remount or re-fit the canvas (a "+" aimed before the save is still hit after it), the event
// type is validated when the user stops typing (not at every key), Tab follows the layout (top to
// bottom, a branch's paths left to right), the editor's header fits on one line at 1280 and 1440
// px, the list marks drafts, a refused switch-on is explained next to that switch with links to
// the problems, and an enrollment that ended with a failed step is counted as failed on the
// trigger card (not dropped from its totals), a retry's history line says when once, and an
// ended enrollment's page says the step it "stopped at", not "now at".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { T, askDelete, openTrash, publishReview, restoreFromTrash, startReceiver, suite, unenroll, until } from './rig.mjs';

const NAME = 'Spring webinar registrations';
let WF = ''; // the id the server makes from the name at the first save

let server;
let page;

// a marketer in Amsterdam: a new workflow's days and times are hers, not UTC's
const s = suite('firstrun', { ms: 180_000, timezoneId: 'Europe/Amsterdam', shotPrefix: 'firstrun-', acceptDialogs: true, bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors, dialogs } = s;
const ids = {}; // step ids as the editor made them
const enr = {}; // enrollment ids of the contacts posted in h and j, by name

// the system the webhook step posts to: broken (500) until the test makes it refuse (422)
let receiver;
before(async () => {
  receiver = await startReceiver({ status: 500, body: 'receiver broken', path: '/registrations' });
});
after(() => receiver?.close());

/** The counter `kind` (active, waiting, completed, failed) on a step's card. */
const counter = (step, kind) => page.locator(`.step-card[data-step="${step}"] .counters .c.${kind}`);

/** Posts a registration as an outside system does and returns the id of the one enrollment it made. */
async function register(email, city) {
  const ev = await api('POST', '/api/events', { type: 'webinar.registered', record: { type: 'contact', email, properties: { city } } });
  assert.equal(ev.status, 201, JSON.stringify(ev.body));
  assert.equal(ev.body.enrollments.length, 1, `${email} enrolled once: ${JSON.stringify(ev.body)}`);
  return ev.body.enrollments[0];
}

/** The canvas viewport's transform ("translate(x, y) scale(z)"). */
const viewport = () => page.evaluate(() => document.querySelector('.react-flow__viewport')?.style.transform ?? '');

/** The step ids on the canvas, in DOM order. */
const stepIds = () => page.locator('.step-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')));

/** Adds a step of `type` on the "+" of `slot` and returns its id. */
async function addStep(slot, type) {
  const before = await stepIds();
  await page.locator(`.edge-plus[data-slot="${slot}"]`).click();
  await page.locator(`.palette[data-slot="${slot}"] .palette-item[data-type="${type}"]`).click();
  return until(`the new ${type} card`, async () => (await stepIds()).find((x) => !before.includes(x)), T.short);
}

/** Makes a new static list from the step panel's list picker ("New list…") and picks it. */
async function newList(name) {
  const panel = page.locator('.side-panel');
  await panel.getByLabel('List', { exact: true }).selectOption('\u0000new');
  await panel.getByLabel('New list name').fill(name);
  await panel.getByRole('button', { name: 'Create', exact: true }).click();
  await until(`the list ${name} picked`, async () => (await panel.getByLabel('List', { exact: true }).locator('option:checked').textContent()).startsWith(name), T.short);
}

/**
 * The editor's header at this width: it is one line (the height it has with nothing wrapped),
 * nothing sticks out of it or is cut, and no text inside wraps.
 */
async function headerFits(width, { nameMayCut = false } = {}) {
  await page.setViewportSize({ width, height: 900 });
  await page.waitForTimeout(150);
  const m = await page.evaluate(() => {
    const bar = document.querySelector('[data-testid="editor-toolbar"]');
    const box = bar.getBoundingClientRect();
    const items = [...bar.querySelectorAll(':scope > *, :scope > [role=group] > *')].filter((c) => !c.classList.contains('grow')).map((c) => {
      const r = c.getBoundingClientRect();
      return { name: c.classList.contains('wf-name'), what: c.getAttribute('aria-label') || c.textContent.trim().slice(0, 40) || c.className, left: r.left, right: r.right, top: r.top, bottom: r.bottom, cut: c.scrollWidth > c.clientWidth + 1, h: r.height };
    });
    return { height: box.height, right: box.right, top: box.top, bottom: box.bottom, scroll: bar.scrollWidth > bar.clientWidth + 1, items };
  });
  if (process.env.E2E_DEBUG) console.log(width, JSON.stringify(m.items.map((i) => [i.what.slice(0, 12), Math.round(i.right - i.left)])));
  assert.equal(m.height, 52, `the header is one line at ${width} px: ${JSON.stringify(m)}`);
  assert.equal(m.scroll, false, `nothing overflows the header at ${width} px`);
  for (const it of m.items) {
    assert.ok(it.right <= m.right + 0.5 && it.top >= m.top && it.bottom <= m.bottom, `"${it.what}" is inside the header at ${width} px: ${JSON.stringify(it)}`);
    assert.ok(it.h <= 36, `"${it.what}" does not wrap at ${width} px (height ${it.h})`);
    if (!(nameMayCut && it.name)) assert.equal(it.cut, false, `"${it.what}" is not truncated at ${width} px`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  return m.items.map((i) => i.what);
}

/** Keys of the canvas items Tab visits from the trigger card until focus leaves the canvas. */
async function tabOrder() {
  await page.locator('.trigger-card').focus();
  const keys = [];
  for (let i = 0; i < 40; i++) {
    const key = await page.evaluate(() => document.activeElement?.getAttribute('data-focus-key'));
    if (!key) break;
    keys.push(key);
    await page.keyboard.press('Tab');
  }
  return keys;
}

describe('a new user\'s first workflow', { concurrency: false }, () => {
  test('a: create and build; the event type is checked when the user stops typing', { timeout: 60_000 }, async () => {
    await page.goto(server.url + '/#/workflows');
    await page.getByText('Welcome to Flowdesk').waitFor({ timeout: T.med });
    await page.getByRole('button', { name: 'Start from scratch' }).click();
    await page.locator('.side-panel').waitFor();
    assert.equal(await page.locator('.side-panel').getByLabel('Time zone', { exact: true }).inputValue(), 'Europe/Amsterdam', 'the user\'s own zone');
    await page.getByLabel('Name', { exact: true }).fill(NAME);

    // the trigger: an event, its type typed key by key with a typo, at a normal typing pace
    await page.locator('.trigger-card').click();
    await page.getByRole('button', { name: 'event', exact: true }).click();
    await page.getByLabel('Trigger id').fill('registered');
    const type = page.getByLabel('Event type');
    await type.click();
    // record every moment the trigger's problems mention an unknown type while the field has focus
    await page.evaluate(() => {
      window.__warnedWhileTyping = [];
      window.__warnTimer = setInterval(() => {
        const input = document.activeElement;
        if (!input || input.getAttribute('list') === null) return;
        const panel = document.querySelector('.side-panel')?.innerText ?? '';
        if (/did you mean|no preset|not an event/i.test(panel)) window.__warnedWhileTyping.push(input.value);
      }, 40);
    });
    await type.pressSequentially('webinar.registred', { delay: 180 });
    const warned = await page.evaluate(() => window.__warnedWhileTyping);
    assert.deepEqual(warned, [], `no unknown-type warning while the user types (seen at: ${warned.join(', ')})`);
    // after a pause the warning comes, with the fix
    const inline = page.locator('.side-panel .panel-body');
    await until('the warning after a pause', async () => /Did you mean "webinar.registered"/.test(await inline.innerText()), T.short);
    await page.evaluate(() => clearInterval(window.__warnTimer));
    // the fix, then leaving the field: checked at once
    await type.fill('webinar.registered');
    await page.keyboard.press('Tab');
    await until('the warning to go', async () => !/Did you mean/.test(await inline.innerText()), T.short);

    // a branch after the trigger: If (no condition yet: a problem) / Else
    ids.branch = await addStep('__trigger:start', 'branch');
    await page.locator('.side-panel').getByLabel('Branch name').first().fill('Amsterdam');
    // the If path adds to a list, the Else path is left for later
    ids.city = await addStep(`${ids.branch}:branch:0`, 'add_to_list');
    await newList('Amsterdam');
    await shot('01-built');
  });

  test('b: the first save keeps the canvas: a "+" aimed before it is hit after it', { timeout: 60_000 }, async () => {
    await page.keyboard.press('Escape'); // close the side panel: the canvas as the user sees it
    await page.locator('.react-flow__pane').click({ position: { x: 40, y: 300 } });
    await page.waitForTimeout(300);
    await page.evaluate(() => { document.querySelector('.react-flow').dataset.mark = 'before-save'; });
    const before = await viewport();
    const plus = await page.locator(`.edge-plus[data-slot="${ids.branch}:else"]`).boundingBox();
    assert.ok(plus, 'the Else path has a "+"');
    assert.ok(page.url().endsWith('#/workflows/new'));

    await page.keyboard.press('Control+s');
    WF = await until('the route of the saved workflow', async () => /#\/workflows\/(spring-webinar-[a-z-]+)$/.exec(page.url())?.[1], T.med);
    await page.getByTestId('save-state').filter({ hasText: 'All changes saved' }).waitFor({ timeout: T.med });
    // the same canvas (not mounted again) at the same place
    assert.equal(await page.evaluate(() => document.querySelector('.react-flow')?.dataset.mark), 'before-save', 'the canvas was not mounted again');
    assert.equal(await viewport(), before, 'the view did not move');
    assert.deepEqual(dialogs, [], 'no question asked');

    // the click aimed before the save opens the palette of that "+"
    await page.mouse.click(plus.x + plus.width / 2, plus.y + plus.height / 2);
    await page.locator(`.palette[data-slot="${ids.branch}:else"]`).waitFor({ timeout: T.short });
    const known = await stepIds();
    await page.locator('.palette-item[data-type="add_to_list"]').click();
    ids.list = await until('the Else card', async () => (await stepIds()).find((x) => !known.includes(x)), T.short);
    await newList('Not in Amsterdam');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('save-state').filter({ hasText: 'All changes saved' }).waitFor({ timeout: T.med });
    const saved = (await api('GET', '/api/workflows/' + WF)).body.definition;
    assert.equal(saved.timezone, 'Europe/Amsterdam', 'saved with the user\'s zone');
    const branch = saved.steps.find((s) => s.id === ids.branch);
    assert.equal(branch.else, ids.list, 'the step went on the Else path');
    assert.equal(branch.branches[0].next, ids.city);
    // the branch has no condition yet: a draft, saved with its problem
    await page.getByRole('alert').filter({ hasText: 'Saved as a draft with 1 problem' }).waitFor({ timeout: T.short });
  });

  test('c: reload shows what was saved; Tab follows the layout', { timeout: 45_000 }, async () => {
    await page.reload();
    await until('3 cards after reload', async () => (await page.locator('.step-card').count()) === 3, T.med);
    await page.getByTestId('save-state').filter({ hasText: 'All changes saved' }).waitFor({ timeout: T.short });

    const keys = await tabOrder();
    const b = ids.branch;
    assert.deepEqual(keys, [
      'node:__trigger', 'plus:e:__trigger:start',
      'node:' + b,
      'plus:e:' + b + ':branch:0', 'node:' + ids.city, 'plus:e:' + ids.city + ':next',
      'plus:e:' + b + ':else', 'node:' + ids.list, 'plus:e:' + ids.list + ':next',
    ], 'Tab: top to bottom, the If path before the Else path');
    // ...which is where they are on screen: each card below the one before on its path, If left of Else
    const box = (id) => page.locator(id === '__trigger' ? '.trigger-card' : `.step-card[data-step="${id}"]`).boundingBox();
    const [tr, br, city, list] = [await box('__trigger'), await box(b), await box(ids.city), await box(ids.list)];
    assert.ok(tr.y < br.y && br.y < city.y && br.y < list.y, 'top to bottom');
    assert.ok(city.x < list.x, 'the If path is left of the Else path');
  });

  test('d: the header fits on one line at 1280 and 1440 px', { timeout: 30_000 }, async () => {
    // dirty, with a long name, the problems count and every button
    await page.locator(`.step-card[data-step="${ids.branch}"]`).click();
    await page.locator('.side-panel').getByLabel('Branch name').first().fill('In Amsterdam');
    await page.getByTestId('save-state').filter({ hasText: 'Unsaved changes' }).waitFor({ timeout: T.short });
    await page.keyboard.press('Escape');
    for (const w of [1280, 1440]) {
      const items = await headerFits(w);
      for (const want of [NAME, 'Unsaved changes', 'Save', 'Off', 'Undo', 'Redo', 'Settings']) assert.ok(items.some((x) => x.includes(want)), `${want} is in the header: ${items.join(' | ')}`);
    }
    // a very long name gives way (ellipsis, the whole name in its tooltip), the rest stays
    const long = 'Spring webinar registrations from the website and the partner portal, EMEA';
    await page.locator('.toolbar .wf-name').click();
    await page.getByLabel('Name', { exact: true }).fill(long);
    await page.keyboard.press('Escape');
    await headerFits(1280, { nameMayCut: true });
    assert.match(await page.locator('.toolbar .wf-name').getAttribute('title'), new RegExp('^' + long));
    await page.locator('.toolbar .wf-name').click();
    await page.getByLabel('Name', { exact: true }).fill(NAME);
    await page.keyboard.press('Escape');
    await shot('02-header');
    await page.keyboard.press('Control+s');
    await page.getByTestId('save-state').filter({ hasText: 'All changes saved' }).waitFor({ timeout: T.med });
  });

  test('e: the list marks the draft; switching it on is refused next to its switch, linking to the problem', { timeout: 45_000 }, async () => {
    await page.locator('.toolbar .crumb').click();
    const row = page.locator(`tr[data-workflow="${WF}"]`);
    await row.waitFor({ timeout: T.med });
    const mark = row.getByTestId('draft');
    await until('the draft mark', async () => /Draft · 1 problem/.test(await mark.textContent()), T.med);

    await row.getByRole('switch').click();
    const refusal = row.getByTestId('enable-refused');
    await refusal.waitFor({ timeout: T.med });
    const text = await refusal.innerText();
    assert.match(text, /Not switched on: 1 problem to fix/);
    assert.ok(text.length < 300, `a short message: ${text}`);
    // next to the switch: in the same cell, just below it
    const sw = await row.getByRole('switch').boundingBox();
    const rb = await refusal.boundingBox();
    assert.ok(rb.y >= sw.y + sw.height - 1 && rb.y - (sw.y + sw.height) < 40 && Math.abs(rb.x - sw.x) < 20, `the message sits under the switch: ${JSON.stringify({ sw, rb })}`);
    assert.equal(await row.getByRole('switch').getAttribute('aria-checked'), 'false');
    assert.equal(await page.locator('.error-banner, .banner.error').count(), 0, 'no banner far from the switch');
    await shot('03-list-refused');

    // the link opens the editor at the branch, with the problems listed
    await refusal.getByRole('link').first().click();
    await until('the editor at the problem', async () => page.url().includes(`#/workflows/${WF}?at=step`), T.short);
    await page.locator('.side-panel').getByLabel('Branch name').first().waitFor({ timeout: T.med });
    await page.getByRole('region', { name: 'Problems' }).waitFor({ timeout: T.short });
    assert.equal(await page.locator(`.step-card[data-step="${ids.branch}"]`).getAttribute('aria-current'), 'true', 'the branch is selected');
  });

  test('f: fix, save, switch on from the list, watch records go through', { timeout: 60_000 }, async () => {
    const panel = page.locator('.side-panel');
    if ((await panel.locator('.filter-rule').count()) === 0) await panel.getByRole('button', { name: '+ Condition' }).first().click();
    await panel.getByLabel('Property', { exact: true }).first().fill('city');
    await panel.getByLabel('Operator').first().selectOption('eq');
    await panel.getByLabel('Value', { exact: true }).first().fill('Amsterdam');
    await until('"No problems"', async () => (await page.getByTestId('problems-button').textContent()) === 'No problems', T.med);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('save-state').filter({ hasText: 'All changes saved' }).waitFor({ timeout: T.med });

    await page.locator('.toolbar .crumb').click();
    const row = page.locator(`tr[data-workflow="${WF}"]`);
    await until('the mark without problems', async () => (await row.getByTestId('draft').textContent()) === 'Draft', T.med);
    await row.getByRole('switch').click();
    // nothing goes live without the review: it says what goes live, then Publish
    await page.getByTestId('review-dialog').getByTestId('review-changes').waitFor({ timeout: T.med });
    await page.getByTestId('publish-button').click();
    await until('the switch on', async () => (await row.getByRole('switch').getAttribute('aria-checked')) === 'true', T.med);
    assert.equal(await row.getByTestId('draft').count(), 0, 'a workflow that is on is no draft');
    assert.equal(await row.getByTestId('enable-refused').count(), 0);

    // an outside system posts two registrations
    for (const [email, city] of [['ams@example.com', 'Amsterdam'], ['utr@example.com', 'Utrecht']]) {
      const ev = await api('POST', '/api/events', { type: 'webinar.registered', record: { type: 'contact', email, properties: { city } } });
      assert.equal(ev.status, 201, JSON.stringify(ev.body));
    }
    await row.getByRole('link', { name: NAME }).click();
    const count = (step) => page.locator(`.step-card[data-step="${step}"] .counters .c.completed`);
    await until('both paths counted on the cards', async () => (await count(ids.city).textContent()) === '1' && (await count(ids.list).textContent()) === '1', T.med);
    // the header with the live counters still fits
    for (const w of [1280, 1440]) {
      const items = await headerFits(w);
      assert.ok(items.some((x) => /2 done/.test(x)), `the counters are in the header: ${items.join(' | ')}`);
    }
    await shot('04-live');
    // the refused switch-on answered 422 on purpose
    assert.deepEqual(pageErrors.filter((e) => !/status of 422/.test(e)), []);
  });

  test('g: on the live workflow, "+" adds a webhook on the If path and a delay on the Else path; publish; reload shows them', { timeout: 90_000 }, async () => {
    // the editor of f, the workflow live: the If path ends in its list card, the Else path in its own
    ids.hook = await addStep(`${ids.city}:next`, 'webhook');
    const panel = page.locator('.side-panel');
    await panel.getByLabel('URL', { exact: true }).fill(receiver.url);
    ids.wait = await addStep(`${ids.list}:next`, 'delay');
    await panel.getByRole('spinbutton', { name: 'Wait for', exact: true }).fill('1');
    await panel.getByLabel('Wait for unit').selectOption('d');
    await until('"No problems"', async () => (await page.getByTestId('problems-button').textContent()) === 'No problems', T.med);
    await page.keyboard.press('Escape');
    assert.equal((await api('GET', '/api/workflows/' + WF)).body.definition.steps.length, 3, 'nothing is written before the review');

    // a live workflow's save goes through the review: it lists what goes live, then Publish
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const review = await publishReview(page);
    assert.match(review, /Changes against the live version 1/);
    assert.match(review, /Added step Send a webhook/);
    assert.match(review, /Added step Delay/);
    await page.getByTestId('save-state').filter({ hasText: 'All changes saved' }).waitFor({ timeout: T.med });
    await page.getByRole('status').filter({ hasText: /^Published version 2\b/ }).waitFor({ timeout: T.short });
    const wf = (await api('GET', '/api/workflows/' + WF)).body;
    assert.equal(wf.enabled, true, 'still live');
    const step = (id) => wf.definition.steps.find((x) => x.id === id);
    assert.equal(step(ids.city).next, ids.hook, 'the webhook follows the If path\'s list card');
    assert.equal(step(ids.hook).url, receiver.url);
    assert.equal(step(ids.list).next, ids.wait, 'the delay ends the Else path');
    assert.equal(step(ids.wait).duration, '1d');

    // reload: the five cards, each where it was put, saying what it does
    await page.reload();
    await until('5 cards after reload', async () => (await page.locator('.step-card').count()) === 5, T.med);
    await page.getByTestId('save-state').filter({ hasText: 'All changes saved' }).waitFor({ timeout: T.short });
    assert.equal(await page.locator('.toolbar .switch').getAttribute('aria-checked'), 'true');
    const card = (id) => page.locator(`.step-card[data-step="${id}"]`);
    assert.match(await card(ids.hook).textContent(), /POST http:\/\/127\.0\.0\.1/);
    assert.match(await card(ids.wait).textContent(), /Wait 1 day/);
    const [city, hook, list, wait] = [await card(ids.city).boundingBox(), await card(ids.hook).boundingBox(), await card(ids.list).boundingBox(), await card(ids.wait).boundingBox()];
    assert.ok(hook.y > city.y && Math.abs(hook.x - city.x) < 5, `the webhook is under the If path's card: ${JSON.stringify({ city, hook })}`);
    assert.ok(wait.y > list.y && Math.abs(wait.x - list.x) < 5, `the delay is under the Else path's card: ${JSON.stringify({ list, wait })}`);
    await shot('05-built-live');
  });

  test('h: a send the receiver does not take is shown retrying, then failed, everywhere the user looks', { timeout: 150_000 }, async () => {
    enr.eva = await register('eva@example.com', 'Amsterdam'); // If path: list, then the webhook
    enr.rob = await register('rob@example.com', 'Rotterdam'); // Else path: list, then the delay
    await until('the webhook at the receiver', async () => receiver.requests.length >= 1, T.long);
    assert.equal(receiver.requests[0].method, 'POST');
    assert.match(receiver.requests[0].body, /eva@example\.com/);

    // a 500 is retried: the card waits on the delay, the webhook has completed nothing
    await until('Rob waiting on the delay card', async () => (await counter(ids.wait, 'waiting').textContent()) === '1', T.med);
    assert.equal(await counter(ids.hook, 'completed').textContent(), '0', 'a send not taken is not completed');
    // Eva's enrollment: not completed, its history says the try failed and when it is retried
    await page.locator('.toolbar .totals').click();
    await until('the enrollments screen', async () => page.url().includes(`#/workflows/${WF}/enrollments`), T.short);
    const evaRow = page.locator(`table.enrollments tr[data-enrollment="${enr.eva}"]`);
    await evaRow.waitFor({ timeout: T.med });
    await evaRow.click();
    await until('Eva\'s enrollment page', async () => page.url().endsWith('#/enrollments/' + enr.eva), T.short);
    const history = page.getByTestId('history');
    await history.waitFor({ timeout: T.med });
    // (the receiver may have had its second try by now: a second such line)
    const retrying = history.locator('li.tl-wait').filter({ hasText: /Try \d did not succeed: the receiver had an error \(HTTP 500\); retrying \S/ });
    await until('the retry in the history', async () => (await retrying.count()) >= 1, T.med);
    assert.doesNotMatch(await page.locator('.screen-head h1').textContent(), /completed/, 'a send being retried is not completed');
    assert.doesNotMatch(await history.textContent(), /Completed the workflow/);
    await shot('06-retrying');

    // the receiver now refuses for good: the next try fails the step, and the enrollment ends with the error
    receiver.status = 422;
    receiver.body = 'registration refused';
    const tries = receiver.requests.length;
    await until('the refused try', async () => receiver.requests.length > tries, 60_000);
    await until('the completed-with-errors status', async () => (await page.locator('.screen-head h1 .pill.completed_with_errors').count()) === 1, T.med);
    assert.match(await page.getByTestId('failed-banner').textContent(), /Completed with errors: 1 step failed/);
    const red = history.locator('li.tl-fail');
    await until('the red history entries', async () => (await red.count()) >= 2, T.med);
    assert.match(await red.first().textContent(), /Failed \(HTTP 422\)/);
    assert.match(await red.last().textContent(), /Completed the workflow with errors/);
    assert.equal(await history.locator('li:not(.tl-fail)').filter({ hasText: /Completed the workflow/ }).count(), 0, 'no plain "completed" line');
    await shot('07-enrollment-failed');

    // the editor: the webhook card's red counter, the toolbar's failed count
    await page.locator('.crumbs').getByRole('link', { name: NAME }).click();
    const failedOnCard = page.locator(`.step-card[data-step="${ids.hook}"] [data-testid="step-failed"]`);
    await until('the failed counter on the webhook card', async () => (await failedOnCard.textContent()) === '1', T.med);
    assert.match(await failedOnCard.getAttribute('class'), /\bhas\b/, 'the failed counter is highlighted');
    assert.equal(await counter(ids.hook, 'completed').textContent(), '0', 'the webhook is not counted as completed');
    assert.equal(await counter(ids.city, 'completed').textContent(), '2', 'the If path\'s list card counts Ams and Eva');
    await until('the toolbar failed count', async () => (await page.getByTestId('toolbar-failed').textContent()) === '1', T.med);
    const totals = await page.locator('.toolbar .totals').textContent();
    assert.match(totals, /1 in workflow/);
    assert.match(totals, /2 done/, 'the two of f, not Eva');
    assert.match(totals, /1 failed/);
    // the trigger card's totals count Eva as failed too, not as gone
    await until('the trigger card\'s totals', async () => (await page.getByTestId('trigger-totals').textContent()) === '1 in workflow · 2 done · 1 failed', T.med);
    await shot('08-editor-failed');

    // the enrollments page: Eva's status, the tab counts and the refused delivery among the dead letters
    await page.locator('.toolbar .totals').click();
    await evaRow.waitFor({ timeout: T.med });
    await until('Eva\'s completed-with-errors pill', async () => (await evaRow.locator('.pill.completed_with_errors').count()) === 1, T.med);
    assert.equal(await evaRow.locator('.pill.completed').count(), 0, 'Eva\'s row does not claim plain "completed"');
    assert.match(await page.getByRole('tab', { name: /^completed with errors/ }).textContent(), /completed with errors 1/);
    assert.match(await page.locator(`table.enrollments tr[data-enrollment="${enr.rob}"]`).textContent(), /waiting/);
    const dead = page.getByTestId('dead-letters');
    await until('the refused delivery listed', async () => (await dead.locator('tr.row-failed').count()) === 1, T.med);
    const deadRow = await dead.locator('tr.row-failed').textContent();
    assert.match(deadRow, /422/);
    assert.match(deadRow, /registration refused/, 'the receiver\'s answer is shown');
    assert.match(deadRow, new RegExp('#' + enr.eva));
    assert.doesNotMatch(await page.locator('.screen').textContent(), /was delivered/);
    await shot('09-enrollments-failed');

    // the API says the same
    const got = (await api('GET', `/api/enrollments/${enr.eva}`)).body.enrollment;
    assert.equal(got.status, 'completed_with_errors');
    assert.equal(got.failed_steps, 1);
  });

  test('i: unenroll the waiting contact from its enrollment page with a reason', { timeout: 60_000 }, async () => {
    const robRow = page.locator(`table.enrollments tr[data-enrollment="${enr.rob}"]`);
    await robRow.click();
    await until('Rob\'s enrollment page', async () => page.url().endsWith('#/enrollments/' + enr.rob), T.short);
    await page.getByTestId('history').waitFor({ timeout: T.med });
    await until('the waiting status', async () => /waiting/.test(await page.locator('.screen-head h1').textContent()), T.med);
    await unenroll(page, page, 'Registered by mistake');
    await until('the cancelled status', async () => /cancelled/.test(await page.locator('.screen-head h1').textContent()), T.med);
    await until('the reason in the history', async () => /Cancelled: Registered by mistake/.test(await page.getByTestId('history').textContent()), T.med);
    assert.equal(await page.getByRole('button', { name: 'Unenroll…' }).count(), 0, 'nothing left to unenroll');
    const sub = await page.locator('.screen-head .sub').textContent();
    assert.match(sub, /stopped at Wait 1 day/, 'where it stopped');
    assert.doesNotMatch(sub, /now at/, 'a cancelled enrollment is at no step now');
    await shot('10-unenrolled');
    const d = (await api('GET', '/api/enrollments/' + enr.rob)).body;
    assert.equal(d.enrollment.status, 'cancelled');
    assert.equal(d.history.at(-1).detail.reason, 'Registered by mistake');
  });

  test('j: delete the live workflow from the list, find it in the Trash, restore it with its counters and enrollments', { timeout: 120_000 }, async () => {
    // one more registration on the Else path: it waits on the delay, an open enrollment
    enr.lea = await register('lea@example.com', 'Leiden');
    const before = await until('Lea waiting', async () => {
      const st = (await api('GET', `/api/workflows/${WF}/stats`)).body;
      return st.enrollments.waiting === 1 && st.enrollments.active === 0 ? st : null;
    }, T.long);

    await page.getByRole('navigation').getByRole('link', { name: 'Workflows', exact: true }).click();
    const row = page.locator(`tr[data-workflow="${WF}"]`);
    await row.waitFor({ timeout: T.med });
    await until('the list\'s counts', async () => (await row.locator('.counts .c.active').textContent()) === '1' && (await row.locator('.counts .c.failed').textContent()) === '1', T.med);
    assert.equal(await row.getByRole('switch').getAttribute('aria-checked'), 'true', 'the workflow is live');

    const dialog = await askDelete(page, row, NAME);
    assert.match(await dialog.textContent(), /It is on: it is switched off first/);
    assert.match(await dialog.getByTestId('delete-open').textContent(), /^1 open enrollment:/);
    await shot('11-delete-confirm');
    await dialog.getByTestId('delete-keep').check();
    await dialog.getByTestId('delete-confirm').click();
    await until('the row to leave the list', async () => (await row.count()) === 0, T.med);
    await page.locator('.toast', { hasText: `Moved "${NAME}" to the Trash; its 1 open enrollment(s) run to their end` }).waitFor({ timeout: T.med });
    assert.equal((await api('GET', `/api/workflows/${WF}`)).status, 404, 'gone from the workflows');

    const trashed = await openTrash(page, WF);
    assert.match(await trashed.textContent(), new RegExp(NAME));
    assert.match(await trashed.textContent(), /1 open, running to their end/);
    await shot('12-trash');
    await restoreFromTrash(page, trashed, NAME);
    const restored = (await api('GET', `/api/workflows/${WF}`)).body;
    assert.equal(restored.enabled, false, 'restored switched off');
    assert.equal(restored.definition.steps.length, 5, 'with its five steps');
    const after = (await api('GET', `/api/workflows/${WF}/stats`)).body;
    assert.deepEqual(after.enrollments, before.enrollments, 'the enrollment counters came back');
    assert.deepEqual(after.steps, before.steps, 'the step counters came back');

    // the list: back, off, with its counts
    await page.getByRole('navigation').getByRole('link', { name: 'Workflows', exact: true }).click();
    await row.waitFor({ timeout: T.med });
    await until('the counts in the list', async () => (await row.locator('.counts').textContent()).replace(/\s+/g, ' ').includes('1 in workflow · 2 done · 1 failed'), T.med);
    assert.equal(await row.getByRole('switch').getAttribute('aria-checked'), 'false');
    await shot('13-restored');

    // its enrollments, each with its status
    await row.locator('.counts').click();
    await until('the enrollments screen', async () => page.url().includes(`#/workflows/${WF}/enrollments`), T.short);
    const status = (id) => page.locator(`table.enrollments tr[data-enrollment="${id}"] .pill`).textContent();
    await until('five enrollments listed', async () => (await page.locator('table.enrollments tr[data-enrollment]').count()) === 5, T.med);
    assert.match(await status(enr.eva), /completed with errors/);
    assert.match(await status(enr.rob), /cancelled/);
    assert.match(await status(enr.lea), /waiting/);
    await until('the failed delivery still listed', async () => (await page.getByTestId('dead-letters').locator('tr.row-failed').count()) === 1, T.med);
    await shot('14-restored-enrollments');

    // switched on again, the canvas counts as before
    await page.getByRole('link', { name: 'Open in editor' }).click();
    await page.locator('.toolbar .switch').click();
    await publishReview(page);
    await until('the switch on', async () => (await page.locator('.toolbar .switch').getAttribute('aria-checked')) === 'true', T.med);
    await until('the card counters back', async () => (await counter(ids.hook, 'failed').textContent()) === '1' && (await counter(ids.wait, 'waiting').textContent()) === '1', T.med);
    assert.equal(await counter(ids.city, 'completed').textContent(), '2');
    assert.equal(await counter(ids.list, 'completed').textContent(), '3', 'Utr, Rob and Lea took the Else path');
    assert.equal(await page.getByTestId('trigger-totals').textContent(), '1 in workflow · 2 done · 1 failed');
    await shot('15-restored-on');
    assert.deepEqual(pageErrors.filter((e) => !/status of 422/.test(e)), []);
  });
});
