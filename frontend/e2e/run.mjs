// Smoke run in headless Chromium against a running `flowdesk serve --demo --ui frontend/dist`:
// opens the list and the webinar editor, checks the basics and writes screenshots to e2e/shots.
// Usage: FLOWDESK_URL=http://127.0.0.1:8790 npm run e2e
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = process.env.FLOWDESK_URL ?? 'http://127.0.0.1:8790';
const out = new URL('./shots/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

  await page.goto(base + '/#/workflows');
  await page.waitForSelector('table.table tbody tr');
  check((await page.locator('table.table tbody tr').count()) >= 1, 'workflow list shows rows');
  await page.screenshot({ path: out + 'list.png' });

  await page.goto(base + '/#/workflows/webinar-follow-up');
  await page.waitForSelector('.step-card');
  await page.waitForTimeout(800);
  check((await page.locator('.step-card').count()) === 8, 'editor shows 8 step cards');
  check((await page.locator('.edge-plus').count()) >= 8, 'edges have + buttons');
  await page.screenshot({ path: out + 'editor.png' });

  await page.locator('[data-step="watched?"]').click();
  await page.waitForSelector('.side-panel');
  await page.screenshot({ path: out + 'branch-panel.png' });

  await page.locator('[data-step="wait-for-replay"]').click();
  await page.waitForTimeout(200);
  await page.screenshot({ path: out + 'delay-panel.png' });

  await page.locator('.trigger-card').click();
  await page.waitForTimeout(200);
  await page.screenshot({ path: out + 'trigger-panel.png' });

  // insert a step through the "+" on the first edge, then undo it
  await page.keyboard.press('Escape');
  await page.locator('.edge-plus').first().click();
  await page.waitForSelector('.palette');
  await page.screenshot({ path: out + 'palette.png' });
  await page.locator('.palette-item[data-type="add_to_list"]').click();
  await page.waitForTimeout(300);
  check((await page.locator('.step-card').count()) === 9, 'insert adds a card');
  await page.screenshot({ path: out + 'inserted.png' });
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await page.waitForTimeout(300);
  check((await page.locator('.step-card').count()) === 8, 'undo removes it');
  await page.waitForTimeout(700);
  check(errors.length === 0, 'no console errors' + (errors.length ? ': ' + errors.join(' | ') : ''));
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
