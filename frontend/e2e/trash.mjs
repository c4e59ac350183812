// End-to-end: safe deletes. Against `flowdesk serve --demo`, records are in the live "Lead
// nurture" workflow (an outside system posted new leads); the user deletes it from the
// list: the dialog says it is on and names the open enrollments, they choose to let them finish,
// the workflow moves to the Trash, is restored from there (off) with its counters, and a second
// delete is purged for good with the purge's progress shown until the row is gone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { T, askDelete, openTrash, restoreFromTrash, suite, until } from './rig.mjs';
const WF = 'lead-nurture';
const NAME = 'Lead nurture';

let server;
let page;

const s = suite('trash', { demo: true, ms: 120_000, bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors } = s;

describe('safe deletes', { concurrency: false }, () => {
  test('delete a live workflow → the dialog names its open enrollments → Trash → restore → counters back → purge', { timeout: 90_000 }, async () => {
    // An outside system posts three new leads: they wait in the live workflow.
    for (const who of ['ada', 'bram', 'cleo']) {
      const ev = await api('POST', '/api/events', { type: 'form.submitted', record: { type: 'contact', email: `${who}.trash@example.com`, properties: { lifecycle: 'lead', city: 'Utrecht' } } });
      assert.equal(ev.status, 201, JSON.stringify(ev.body));
      assert.equal(ev.body.enrollments.length, 1, JSON.stringify(ev.body));
    }
    // Each new lead runs to its first delay (Tuesday 11:00) and waits there.
    const before = await until('the leads waiting', async () => {
      const st = (await api('GET', `/api/workflows/${WF}/stats`)).body.enrollments;
      return st.active === 0 && st.waiting >= 3 ? st : null;
    });
    const open = before.active + before.waiting;
    assert.ok(open >= 3, `open enrollments before the delete: ${JSON.stringify(before)}`);

    await page.goto(server.url + '/#/workflows');
    const row = page.locator(`tr[data-workflow="${WF}"]`);
    await row.waitFor({ timeout: T.med });
    await until('the open count in the list', async () => (await row.locator('.counts .c.active').textContent()) === String(open), T.med);
    assert.equal(await row.getByRole('switch').getAttribute('aria-checked'), 'true', 'the workflow is live');

    // Delete asks first: it is on, and names the open enrollments.
    let dialog = await askDelete(page, row, NAME);
    assert.match(await dialog.textContent(), /It is on: it is switched off first/);
    assert.match(await dialog.getByTestId('delete-open').textContent(), new RegExp(`${open} open enrollments`));
    await shot('trash-01-confirm');
    await dialog.getByTestId('delete-keep').check();
    await dialog.getByTestId('delete-confirm').click();
    await until('the row to leave the list', async () => (await row.count()) === 0, T.med);
    await page.locator('.toast', { hasText: `Moved "${NAME}" to the Trash` }).waitFor();
    assert.equal((await api('GET', `/api/workflows/${WF}`)).status, 404, 'gone from the workflows');
    // New leads no longer enroll.
    const late = await api('POST', '/api/events', { type: 'form.submitted', record: { type: 'contact', email: 'late.trash@example.com', properties: { lifecycle: 'lead', city: 'Utrecht' } } });
    assert.equal(late.status, 201);
    assert.equal(late.body.enrollments.length, 0, 'a deleted workflow does not enroll');

    // The Trash lists it with its enrollments, still running to their end.
    const trashed = await openTrash(page, WF);
    assert.match(await trashed.textContent(), new RegExp(`${open} open, running to their end`));
    await shot('trash-02-trash');

    // Restore: back in the list, off, with its counters.
    await restoreFromTrash(page, trashed, NAME);
    const restored = await api('GET', `/api/workflows/${WF}`);
    assert.equal(restored.status, 200);
    assert.equal(restored.body.enabled, false, 'restored switched off');
    assert.deepEqual((await api('GET', `/api/workflows/${WF}/stats`)).body.enrollments, before, 'the counters came back');
    await page.getByRole('link', { name: 'Workflows', exact: true }).click();
    await row.waitFor({ timeout: T.med });
    await until('the counters in the list', async () => (await row.locator('.counts .c.active').textContent()) === String(open), T.med);
    assert.equal(await row.getByRole('switch').getAttribute('aria-checked'), 'false');
    await shot('trash-03-restored');

    // Delete again, cancelling the enrollments this time, then purge it for good.
    dialog = await askDelete(page, row, NAME);
    assert.doesNotMatch(await dialog.textContent(), /It is on/, 'an off workflow is not switched off again');
    await dialog.getByTestId('delete-cancel').check();
    await dialog.getByTestId('delete-confirm').click();
    await until('the row to leave the list', async () => (await row.count()) === 0, T.med);
    await until('the enrollments cancelled', async () => (await api('GET', `/api/trash/${WF}`)).body.open === 0, T.med);
    await openTrash(page, WF);
    await trashed.getByRole('button', { name: 'Delete now' }).click();
    const purge = page.getByRole('dialog', { name: `Delete "${NAME}" for good?` });
    assert.match(await purge.textContent(), /cannot be undone/);
    await purge.getByTestId('purge-confirm').click();
    await until('the purged row to leave the Trash', async () => (await trashed.count()) === 0, T.long);
    assert.equal((await api('GET', `/api/trash/${WF}`)).status, 404, 'purged');
    assert.equal((await api('GET', `/api/enrollments?workflow=${WF}`)).body.enrollments.length, 0, 'its enrollments are gone');
    await shot('trash-04-purged');
  });

  test('no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
