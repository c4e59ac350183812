// End-to-end: email templates and pickers on `flowdesk serve --demo`, in headless system Chromium.
// A user opens Templates from the navigation, creates a template, writes the subject with the
// token picker (a default for the first name) and the body in the visual editor, saves a broken
// token (refused, the token named), previews it for a demo contact (a missing value highlighted),
// sends a test to an invalid address (refused) and to a real one (it lands in the Outbox, as no
// SMTP server is set up), and cannot delete a template a demo workflow sends. Then, in a new
// workflow, picks the trigger's event from the catalogue (search, then a typo's suggestion) and a
// filter on the event's own field, adds a send_email step that picks a template from the list and
// previews it, saves and reloads.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ART, T, apiClient, openBrowser, until, watchdog } from './rig.mjs';
import { startServer } from './server.mjs';

let server;
let browser;
let page;
const pageErrors = [];

const timer = watchdog('templates', 150_000, () => server);
const api = apiClient(() => server);
// The refusals this suite provokes (409 delete, 422 save and test send) log as console errors.
const unexpectedErrors = () => pageErrors.filter((e) => !/status of (409|422)/.test(e));
const shot = (name) => page.screenshot({ path: ART + name + '.png' });

before(async () => {
  server = await startServer({ demo: true });
  console.log(`# server ${server.version} at ${server.url} (pid ${server.pid}, demo)`);
  ({ browser, page } = await openBrowser({ errors: pageErrors }));
  page.on('dialog', (d) => d.accept());
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  clearTimeout(timer);
});

describe('email templates and pickers', { concurrency: false }, () => {
  test('create → token picker → broken token refused → preview for a demo contact → test send to the outbox → delete refused', { timeout: 90_000 }, async () => {
    await page.goto(server.url + '/#/workflows');
    await page.getByRole('link', { name: 'Templates', exact: true }).click();
    await page.getByRole('heading', { name: 'Email templates' }).waitFor({ timeout: T.med });
    await page.locator('tr[data-template="webinar-thanks"]').waitFor({ timeout: T.med });
    assert.match(await page.locator('tr[data-template="webinar-thanks"]').textContent(), /Webinar follow-up/, 'the list names the workflow that sends it');

    // A demo workflow sends webinar-thanks: the delete is refused, naming it.
    await page.getByRole('button', { name: 'Delete webinar-thanks' }).click();
    await page.getByText(/used by "Webinar follow-up"/).waitFor({ timeout: T.med });
    assert.equal((await api('GET', '/api/email-templates/webinar-thanks')).status, 200);

    // Create.
    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByLabel('Template name').fill('Spring sale');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'spring-sale' }).waitFor({ timeout: T.med });

    // Subject through the token picker, with a default for a record without a first name.
    const subject = page.getByLabel('Subject', { exact: true });
    await subject.fill('Spring sale for ');
    await subject.press('End');
    await page.getByLabel('Search tokens').fill('first');
    await page.getByLabel('Default for contact.first_name').fill('friend');
    await page.getByRole('button', { name: 'Insert contact.first_name' }).click();
    await until('the token in the subject', async () => (await subject.inputValue()) === 'Spring sale for {{contact.first_name | default "friend"}}', T.short);

    // Body in the visual editor (TipTap): replace the starter text, insert the company token.
    const body = page.getByRole('textbox', { name: 'Body' });
    await body.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Hello! Our spring sale starts Monday for ');
    await page.getByLabel('Search tokens').fill('company');
    await page.getByLabel('Default for contact.company').fill('');
    await page.getByRole('button', { name: 'Insert contact.company' }).click();
    await until('the company token in the body', async () => (await body.textContent()).includes('{{contact.company}}'), T.short);
    await shot('templates-01-edit');

    // A broken token is refused at save with the token named; nothing is stored.
    await subject.fill('Spring sale for {{contact.frist_name}}');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('save-error').waitFor({ timeout: T.med });
    await page.getByText(/frist_name is not a contact property; did you mean contact.first_name\?/).waitFor({ timeout: T.short });
    assert.equal((await api('GET', '/api/email-templates/spring-sale')).body.subject, 'Hello {{contact.first_name | default "there"}}');
    await shot('templates-02-refused');
    await subject.fill('Spring sale for {{contact.first_name | default "friend"}}');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor({ timeout: T.med });
    const stored = (await api('GET', '/api/email-templates/spring-sale')).body;
    assert.equal(stored.subject, 'Spring sale for {{contact.first_name | default "friend"}}');
    assert.match(stored.body_html, /Our spring sale starts Monday for \{\{contact\.company\}\}/);
    assert.equal(stored.text_generated, true);
    assert.match(stored.body_text, /^Hello! Our spring sale starts Monday for \{\{contact\.company\}\}/);

    // Preview for a demo contact: her name filled in, the company she lacks highlighted.
    await page.getByLabel('Preview for').fill('ciara');
    await page.getByRole('list', { name: 'Records found' }).getByRole('button', { name: 'ciara.byrne@example.com' }).click();
    await until('the preview for Ciara', async () => (await page.getByTestId('preview-subject').textContent()) === 'Spring sale for Ciara', T.med);
    await page.getByTestId('preview-missing').filter({ hasText: 'contact.company' }).waitFor({ timeout: T.short });
    const frame = page.frameLocator('iframe[title="Email preview"]');
    await frame.locator('mark.token-missing', { hasText: '{{contact.company}}' }).waitFor({ timeout: T.short });
    await page.getByRole('tab', { name: 'Plain text' }).click();
    await until('the generated text part', async () => (await page.getByTestId('preview-text').textContent()).includes('Our spring sale starts Monday for {{contact.company}}'), T.short);
    await shot('templates-03-preview');

    // Test send: an invalid address is refused, a real one lands in the outbox.
    await page.getByLabel('Send a test to').fill('not-an-address');
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByTestId('send-result').filter({ hasText: 'is not an email address' }).waitFor({ timeout: T.med });
    await page.getByLabel('Send a test to').fill('me@example.com');
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByTestId('send-result').filter({ hasText: 'in the Outbox' }).waitFor({ timeout: T.med });
    await shot('templates-04-test-sent');
    await page.getByRole('link', { name: 'Open the Outbox' }).click();
    await page.getByRole('heading', { name: 'Outbox' }).waitFor({ timeout: T.med });
    await page.getByText('[Test] Spring sale for Ciara').first().waitFor({ timeout: T.med });
    const outbox = (await api('GET', '/api/outbox')).body.messages.find((m) => m.subject === '[Test] Spring sale for Ciara');
    assert.ok(outbox, 'the test message is in the outbox');
    assert.equal(outbox.to, 'me@example.com');
    assert.equal(outbox.status, 'outbox');

    // Duplicate from the list.
    await page.getByRole('link', { name: 'Templates', exact: true }).click();
    await page.getByRole('button', { name: 'Duplicate spring-sale' }).click();
    await page.getByRole('heading', { name: 'spring-sale-copy' }).waitFor({ timeout: T.med });

    // Editing a template a live workflow sends says, before the save, that its next emails change.
    await page.goto(server.url + '/#/templates/webinar-thanks');
    const liveSubject = page.getByLabel('Subject', { exact: true });
    await liveSubject.waitFor({ timeout: T.med });
    const original = await liveSubject.inputValue();
    assert.equal(await page.getByTestId('live-use-warning').count(), 0, 'no warning before a change');
    await liveSubject.fill(original + ' (new)');
    assert.match(await page.getByTestId('live-use-warning').textContent({ timeout: T.short }), /next emails of the live workflow “Webinar follow-up” at once/);
    await liveSubject.fill(original);
    await until('the warning gone with the change', async () => (await page.getByTestId('live-use-warning').count()) === 0, T.short);
    assert.deepEqual(unexpectedErrors(), []);
  });

  test('pick the trigger event from the catalogue and filter on its field', { timeout: 60_000 }, async () => {
    await page.goto(server.url + '/#/workflows');
    await page.getByTestId('create').click();
    await page.getByTestId('from-scratch').click();
    await page.locator('.side-panel').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Engaged viewers');
    await page.getByLabel('Id', { exact: true }).fill('engaged-viewers');
    await page.locator('.trigger-card').click();
    await page.getByRole('button', { name: 'event', exact: true }).click();
    const panel = page.locator('.side-panel');

    // Search the catalogue: groups by source, pick "Viewer".
    const picker = panel.getByRole('combobox', { name: 'Event type' });
    await picker.click();
    const list = panel.getByRole('listbox', { name: 'Events' });
    for (const group of ['WebinarGeek', 'systeme.io', 'Surveys (Enalyzer-style)']) {
      await list.getByRole('group', { name: group }).waitFor({ timeout: T.med });
    }
    await picker.fill('viewer');
    await shot('templates-05-event-search');
    await list.getByRole('option', { name: /^Viewer webinar\.viewer/ }).click();
    assert.equal(await picker.inputValue(), 'webinar.viewer');

    // A typo gets a suggestion.
    await picker.fill('webinar.veiwer');
    await picker.press('Escape');
    await panel.getByRole('button', { name: 'Did you mean webinar.viewer?' }).first().click();
    assert.equal(await picker.inputValue(), 'webinar.viewer');

    // The filter editor offers the event's fields with their types.
    await panel.getByRole('button', { name: '+ Condition' }).first().click();
    const prop = panel.getByLabel('Property', { exact: true }).first();
    const listId = await prop.getAttribute('list');
    const offered = await page.locator(`datalist[id="${listId}"] option`).evaluateAll((os) => os.map((o) => `${o.value}|${o.textContent}`));
    assert.ok(offered.some((o) => o.startsWith('event.subscriber.watch_pct|Event: ') && o.endsWith('(number)')), `event fields offered: ${offered.join('; ')}`);
    assert.ok(offered.some((o) => o.startsWith('lifecycle|') && o.includes('(enum)')), 'the contact properties are offered with their types');
    await prop.fill('event.subscriber.watch_pct');
    await panel.getByLabel('Operator').first().selectOption('gte');
    const value = panel.getByLabel('Value', { exact: true }).first();
    assert.equal(await value.getAttribute('type'), 'number', 'a number field takes a number');
    await value.fill('50');
    await shot('templates-06-event-field');

    // A send_email step picks its template from the list and previews it for a contact.
    await page.locator('.edge-plus').first().click();
    await page.locator('.palette-item[data-type="send_email"]').click();
    const tpl = panel.getByRole('combobox', { name: 'Template' });
    await tpl.click();
    await panel.getByRole('listbox', { name: 'Email templates' }).getByRole('option', { name: /webinar-thanks/ }).click();
    assert.equal(await tpl.inputValue(), 'webinar-thanks');
    await panel.getByRole('link', { name: 'Edit “webinar-thanks”' }).waitFor({ timeout: T.short });
    await panel.getByText('Preview', { exact: true }).click();
    await until('the step preview', async () => /^Thanks for watching, \w+/.test(await panel.getByTestId('preview-subject').textContent()), T.med);
    await shot('templates-07-step-preview');

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await until('the saved workflow', async () => (await api('GET', '/api/workflows/engaged-viewers')).status === 200, T.med);
    // reload only once the editor is on the saved workflow's URL, as a user sees it: the server
    // has the workflow before the editor moves from #/workflows/new, and a reload in between
    // opens a new workflow instead
    await until('the saved workflow route', async () => page.url().endsWith('#/workflows/engaged-viewers'), T.med);
    await page.getByTestId('save-state').filter({ hasText: 'All changes saved' }).waitFor({ timeout: T.med });
    await page.reload();
    await page.locator('.trigger-card').click();
    await until('the trigger after reload', async () => (await page.locator('.side-panel').getByRole('combobox', { name: 'Event type' }).inputValue()) === 'webinar.viewer', T.med);
    const def = (await api('GET', '/api/workflows/engaged-viewers')).body.definition;
    assert.equal(def.triggers[0].event, 'webinar.viewer');
    assert.deepEqual(def.triggers[0].filter, { all: [{ property: 'event.subscriber.watch_pct', op: 'gte', value: 50 }] });
    assert.equal(def.steps[0].type, 'send_email');
    assert.equal(def.steps[0].template, 'webinar-thanks');
    assert.deepEqual(unexpectedErrors(), []);
  });
});
