// End-to-end: lists and CSV import, as a new user works. On a fresh `flowdesk serve`, the user
// opens Lists from the navigation, creates a static list, imports a CSV file of 2,000 contacts
// with two bad rows (the preview shows the columns and the suggested mapping; a progress bar
// counts the rows), downloads the report of the rows that were not imported, searches the
// members, removes one, exports the list as CSV, and sees a file that is not UTF-8 refused with
// its line. A workflow then picks the list in a list trigger and adds a contact to it, which
// enrolls the contact. Last, a 100,000-row import is cancelled with the button beside its
// progress bar: the rows so far stay, and nothing more is imported. Then an active list whose
// filter reads the associated company's industry, picked in the filter editor, holds the contacts
// of software companies and follows a company's change.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { T, suite, until } from './rig.mjs';

const ROWS = 2000;

let server;
let page;

const s = suite('lists', { ms: 240_000, bind: (f) => ({ server, page } = f) });
const { api, shot, pageErrors } = s;

/** The CSV a user exports from a spreadsheet: a header, ROWS contacts, two bad rows. */
function contactsCSV() {
  const lines = ['E-mail,First name,Score,Company'];
  for (let i = 0; i < ROWS; i++) lines.push(`person${i}@example.com,Person ${i},${i % 100},"Acme, Inc."`);
  lines.splice(11, 0, 'not-an-address,Nobody,1,X'); // line 12 of the file
  lines.splice(21, 0, 'low@example.com,Low,lots,X'); // line 22: a score that is not a number
  return lines.join('\n') + '\n';
}

describe('lists and CSV import', { concurrency: false }, () => {
  test('create a list → import a CSV with progress → report → search, remove, export → list trigger', { timeout: 120_000 }, async () => {
    // score is a declared number (a default contact property), so "lots" is refused for it.
    const before = (await api('GET', '/api/records?limit=1000')).body.records.length;
    assert.equal(before, 0, 'a fresh server has no records');

    await page.goto(server.url + '/#/workflows');
    await page.getByRole('link', { name: 'Lists', exact: true }).click();
    await page.getByRole('heading', { name: 'Lists' }).waitFor({ timeout: T.med });
    await page.getByText('No lists yet').waitFor();
    await page.getByRole('button', { name: 'New list' }).first().click();
    const dlg = page.getByRole('dialog', { name: 'New list' });
    await dlg.getByLabel('Name').fill('Webinar attendees');
    await dlg.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('heading', { name: 'Webinar attendees' }).waitFor({ timeout: T.med });
    assert.match(page.url(), /#\/lists\/webinar-attendees$/);
    await page.getByText('No members yet').waitFor();

    // A file that is not UTF-8 is refused with its line; nothing is imported.
    await page.getByRole('button', { name: 'Import CSV' }).click();
    let imp = page.getByRole('dialog', { name: 'Import into Webinar attendees' });
    await imp.getByLabel(/CSV file/).setInputFiles({ name: 'latin1.csv', mimeType: 'text/csv', buffer: Buffer.from('E-mail\nj\xf6rg@example.com\n', 'latin1') });
    await imp.getByRole('alert').filter({ hasText: 'not UTF-8: line 2' }).waitFor({ timeout: T.med });
    await shot('lists-01-not-utf8');

    // The real file: preview, suggested mapping, then the import with its progress.
    await imp.getByLabel(/CSV file/).setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(contactsCSV(), 'utf8') });
    await imp.getByTestId('import-preview').waitFor({ timeout: T.med });
    assert.equal(await imp.getByLabel('Property for E-mail').inputValue(), 'email', 'E-mail is suggested as email');
    assert.equal(await imp.getByLabel('Property for First name').inputValue(), 'first_name');
    assert.equal(await imp.getByLabel('Property for Score').inputValue(), 'score');
    assert.equal(await imp.getByLabel('Property for Company').inputValue(), 'company');
    await shot('lists-02-preview');
    await imp.getByRole('button', { name: `Import ${(ROWS + 2).toLocaleString('en-US')} rows` }).click();
    const progress = imp.getByTestId('import-progress');
    await progress.waitFor({ timeout: T.med });
    await until('the import to finish', async () => (await progress.getAttribute('data-status')) === 'done', T.long);
    const counts = await imp.getByTestId('import-counts').textContent();
    assert.match(counts, new RegExp(`${(ROWS + 2).toLocaleString('en-US')} of ${(ROWS + 2).toLocaleString('en-US')} rows · ${ROWS.toLocaleString('en-US')} created .* ${ROWS.toLocaleString('en-US')} joined the list · 2 failed`));
    await shot('lists-03-imported');

    // The report names the two rows, their columns and why.
    const [dl] = await Promise.all([page.waitForEvent('download'), imp.getByRole('button', { name: /Download the report \(2 rows/ }).click()]);
    const report = await readFile(await dl.path(), 'utf8');
    const lines = report.trim().split('\n');
    assert.equal(lines[0], 'line,column,problem');
    assert.match(lines[1], /^12,E-mail,/);
    assert.match(lines[2], /^22,Score,.*lots/);
    await imp.getByRole('button', { name: 'Done' }).click();
    await until('the member count', async () => (await page.getByTestId('member-count').textContent()) === ROWS.toLocaleString('en-US'));
    assert.equal((await api('GET', '/api/lists/webinar-attendees')).body.list.members, ROWS);
    // Rows after: ROWS contacts, none for the two bad rows (read in pages of 1,000).
    let records = 0;
    for (let cursor = ''; ;) {
      const page1 = (await api('GET', '/api/records?limit=1000' + (cursor ? '&cursor=' + cursor : ''))).body;
      records += page1.records.length;
      if (!page1.next_cursor) break;
      cursor = page1.next_cursor;
    }
    assert.equal(records, ROWS, 'one record per good row, none for the bad ones');
    await page.getByLabel('Members over time').waitFor();

    // Search the members, remove one.
    await page.getByLabel('Search members').fill('person1999@');
    const row = page.locator('tr[data-member="person1999@example.com"]');
    await row.waitFor({ timeout: T.med });
    await row.getByRole('button', { name: 'Remove person1999@example.com' }).click();
    await page.getByText('No members match "person1999@"').waitFor({ timeout: T.med });
    await page.getByLabel('Search members').fill('');
    await until('the member count after removing', async () => (await page.getByTestId('member-count').textContent()) === (ROWS - 1).toLocaleString('en-US'));
    await page.locator('tr[data-member="person0@example.com"]').waitFor({ timeout: T.med }); // the search is cleared

    // Export the list.
    const [ex] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = (await readFile(await ex.path(), 'utf8')).trim().split('\n');
    assert.equal(csv.length, ROWS, 'the header and ROWS-1 members');
    assert.equal(csv[0], 'id,type,email,company,first_name,score');
    assert.match(csv[1], /,contact,person0@example\.com,"Acme, Inc\.",Person 0,0$/);

    // A workflow picks the list in a list trigger (no typing of ids) and is switched on.
    await page.getByRole('link', { name: 'Workflows', exact: true }).click();
    await page.getByRole('button', { name: 'Start from scratch' }).click();
    await page.locator('.side-panel').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Welcome attendees');
    await page.getByLabel('Id', { exact: true }).fill('welcome-attendees');
    await page.locator('.trigger-card').click();
    await page.getByRole('button', { name: 'list', exact: true }).click();
    const tpanel = page.locator('.side-panel');
    await tpanel.getByLabel('List', { exact: true }).selectOption('webinar-attendees');
    assert.equal(await tpanel.getByLabel('Enroll when a record').inputValue(), 'join');
    await shot('lists-04-trigger');
    const def = {
      id: 'welcome-attendees', name: 'Welcome attendees', object: 'contact',
      triggers: [{ id: 'joined', type: 'list', list: 'webinar-attendees', on: 'join' }], reenroll: { enabled: false, triggers: [] },
      start: 'tag', steps: [{ id: 'tag', type: 'set_property', property: 'welcomed', value: true }],
    };
    // The editor's save path is covered by the editor suites; this one checks what the trigger does.
    assert.equal((await api('POST', '/api/workflows', def)).status, 201);
    assert.equal((await api('POST', '/api/workflows/welcome-attendees/enable')).status, 200);
    const ev = await api('POST', '/api/events', { type: 'signup', record: { email: 'late@example.com' } });
    assert.equal((await api('POST', '/api/lists/webinar-attendees/members', { record_ids: [ev.body.record_id] })).status, 200);
    await until('the join to enroll', async () => (await api('GET', `/api/records/${ev.body.record_id}`)).body.record.properties.welcomed === true, T.long);

    assert.deepEqual(pageErrors.filter((e) => !/422/.test(e)), [], 'no page errors');
  });

  test('cancel a long import beside its progress → the rows so far stay, it reads cancelled', { timeout: 90_000 }, async () => {
    const BIG = 100_000;
    const lines = ['Email'];
    for (let i = 0; i < BIG; i++) lines.push(`bulk${i}@example.com`);
    // A fresh load (the test above left an editor open); the Lists screen from the navigation.
    await page.goto(server.url + '/?lists#/workflows');
    await page.getByRole('link', { name: 'Lists', exact: true }).click();
    await page.getByRole('heading', { name: 'Lists' }).waitFor({ timeout: T.med });
    await page.getByRole('button', { name: 'New list' }).first().click();
    const dlg = page.getByRole('dialog', { name: 'New list' });
    await dlg.getByLabel('Name').fill('Bulk');
    await dlg.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('heading', { name: 'Bulk' }).waitFor({ timeout: T.med });
    await page.getByRole('button', { name: 'Import CSV' }).click();
    const imp = page.getByRole('dialog', { name: 'Import into Bulk' });
    await imp.getByLabel(/CSV file/).setInputFiles({ name: 'bulk.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n') + '\n', 'utf8') });
    await imp.getByTestId('import-preview').waitFor({ timeout: T.med });
    await imp.getByRole('button', { name: `Import ${BIG.toLocaleString('en-US')} rows` }).click();
    const progress = imp.getByTestId('import-progress');
    await progress.waitFor({ timeout: T.med });
    await imp.getByRole('button', { name: 'Cancel import' }).click();
    await until('the import to read cancelled', async () => (await progress.getAttribute('data-status')) === 'cancelled', T.med);
    const note = await imp.getByTestId('import-cancelled').textContent();
    const m = note.match(/after ([\d,]+) of 100,000 rows/);
    assert.ok(m, note);
    const done = Number(m[1].replaceAll(',', ''));
    assert.ok(done < BIG, `cancelled after ${done} rows`);
    await shot('lists-05-import-cancelled');
    // Nothing more is imported after the cancel: the list holds exactly the rows so far.
    await new Promise((r) => setTimeout(r, 1500));
    const list = (await api('GET', '/api/lists/bulk')).body.list;
    assert.equal(list.members, done, 'the members are the rows imported before the cancel');
    const ims = (await api('GET', '/api/lists/bulk/imports')).body.imports;
    assert.equal(ims[0].status, 'cancelled');
    assert.equal(ims[0].processed, done);
    await imp.getByRole('button', { name: 'Done' }).click();
    assert.deepEqual(pageErrors.filter((e) => !/422/.test(e)), [], 'no page errors');
  });

  test('an active list on the associated company: the filter offers Company: Industry → its contacts are members and follow the company', { timeout: 60_000 }, async () => {
    const company = async (email, industry) => (await api('POST', '/api/events', { type: 'crm.synced', record: { type: 'company', email, properties: { name: email, industry } } })).body.record_id;
    const contact = async (email) => (await api('POST', '/api/events', { type: 'crm.synced', record: { email } })).body.record_id;
    const acme = await company('info@acme-assoc.example', 'computer_software');
    const bolt = await company('info@bolt-assoc.example', 'retail');
    const ann = await contact('ann-assoc@example.com');
    const bob = await contact('bob-assoc@example.com');
    assert.equal((await api('POST', `/api/records/${ann}/associations`, { record_id: acme })).status, 201);
    assert.equal((await api('POST', `/api/records/${bob}/associations`, { record_id: bolt })).status, 201);

    await page.goto(server.url + '/?assoc#/lists');
    await page.getByRole('heading', { name: 'Lists' }).waitFor({ timeout: T.med });
    await page.getByRole('button', { name: 'New list' }).first().click();
    const dlg = page.getByRole('dialog', { name: 'New list' });
    await dlg.getByLabel('Name').fill('Software contacts');
    await dlg.getByRole('radio', { name: /Active/ }).check();
    await dlg.getByRole('button', { name: '+ Condition' }).click();
    // The property picker offers the associated company's properties beside the contact's own.
    const offered = dlg.locator('datalist option[value="company.industry"]');
    await until('company.industry to be offered', async () => (await offered.count()) === 1, T.med);
    assert.match(await offered.textContent(), /Company: Industry \(enum\)/);
    // A misspelt associated property is refused, naming it; nothing is created.
    await dlg.getByLabel('Property').fill('company.industri');
    await dlg.getByLabel('Value').fill('computer_software');
    await dlg.getByRole('button', { name: 'Create list' }).click();
    await dlg.getByRole('alert').filter({ hasText: 'no company has a property "industri"' }).waitFor({ timeout: T.med });
    await shot('lists-06-associated-typo');
    assert.equal((await api('GET', '/api/lists/software-contacts')).status, 404, 'nothing stored for a refused list');
    await dlg.getByLabel('Property').fill('company.industry');
    // Industry comes with HubSpot's list: the value is now picked from it, and is kept.
    assert.equal(await dlg.getByLabel('Value').inputValue(), 'computer_software');
    await dlg.getByLabel('Value').selectOption('computer_software');
    await dlg.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('heading', { name: 'Software contacts' }).waitFor({ timeout: T.med });
    await until('ann alone in the list', async () => (await page.getByTestId('member-count').textContent()) === '1');
    await shot('lists-07-associated-active');
    // Bolt becomes a software company: bob joins in the same write.
    assert.equal((await api('PATCH', `/api/records/${bolt}`, { properties: { industry: 'computer_software' } })).status, 200);
    assert.equal((await api('GET', '/api/lists/software-contacts')).body.list.members, 2);
    assert.deepEqual((await api('GET', `/api/records/${bob}`)).body.lists, ['software-contacts']);
    assert.deepEqual(pageErrors.filter((e) => !/422/.test(e)), [], 'no page errors');
  });
});
