/**
 * The admin sites page (issue 16) in real Chromium against the real product (test/browser/fixture.ts): an admin sees
 * the circuit tree with limits and the EVSEs under each circuit, edits the site as JSON (a refusal is shown next to the
 * editor naming the field, nothing changes), saves a valid edit (the tree and the planner follow), places an EVSE and
 * creates a site. A fleet manager is sent away. Screenshots at desktop and phone width in test/artifacts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { launch, logIn, newContext, PASSWORD, screenshot, see, startProduct, watchErrors, type Product } from '../browser/fixture.js';

let product: Product;
let browser: Browser;
beforeAll(async () => {
  product = await startProduct();
  await createUser(new UserRepository(product.server.running.db), product.clock, {
    username: 'ada', name: 'Ada', password: PASSWORD, grants: [{ role: 'admin', scopeKind: 'all', scopeId: '*' }],
  }, { N: 1024, r: 8, p: 1 });
  browser = await launch();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await product?.close();
});

async function open(size: 'phone' | 'desk', username: string): Promise<{ page: Page; errors: string[] }> {
  const page = await (await newContext(browser, size)).newPage();
  const errors = watchErrors(page);
  page.on('dialog', (d) => void d.accept());
  await logIn(page, product.url, username);
  await page.waitForURL(/\/(fleet|get-started|home)/);
  await page.goto(`${product.url}/admin/sites`);
  return { page, errors };
}

/** The JSON editor's content as an object, changed by `edit`, written back. */
async function editJson(page: Page, edit: (site: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const site = JSON.parse(await page.locator('#site-json').inputValue()) as Record<string, unknown>;
  await page.locator('#site-json').fill(JSON.stringify(edit(site), null, 2));
}

describe('the admin sites page', () => {
  it('shows the tree, refuses a bad edit naming the field, saves a good one, places an EVSE and creates a site', async () => {
    const { page, errors } = await open('desk', 'ada');
    await see.text(page, '#tree', 'Grid connection: 22 kW');
    await see.text(page, '#tree .circuit', 'Circuit row-a: 22 kW');
    await see.count(page, '#tree .circuit .evse', 2);
    await see.text(page, '#tree .evse', 'EVSE CS2 #1: 11 kW, 3 phases');
    await screenshot(page, 'admin-sites-desk');

    // A cycle in the tree: refused, the field named next to the editor, nothing stored.
    await editJson(page, (s) => ({ ...s, circuits: [{ id: 'row-a', parent: 'main', limitKw: 22 }, { id: 'main', parent: 'row-a' }] }));
    await page.getByRole('button', { name: 'Save the site' }).click();
    await see.text(page, '#site-json-error', 'circuits[0].parent');
    await see.text(page, '#site-status', 'Not saved');
    expect(product.server.running.scheduler.site('north-depot')!.circuits).toEqual([{ id: 'row-a', limitKw: 22 }]);

    // A main fuse above the row, with a per-phase limit: saved, drawn, planned with.
    await editJson(page, (s) => ({ ...s, circuits: [{ id: 'main', limitKw: 20, phaseLimitA: 32 }, { id: 'row-a', parent: 'main', limitKw: 16 }] }));
    await page.getByRole('button', { name: 'Save the site' }).click();
    await see.text(page, '#site-status', 'Saved north-depot');
    await see.text(page, '#tree .circuit', 'Circuit main: 20 kW, 32 A per phase');
    await see.text(page, '#tree .circuit .circuit', 'Circuit row-a: 16 kW');
    expect(product.server.running.scheduler.site('north-depot')!.circuits).toEqual([{ id: 'main', limitKw: 20, phaseLimitA: 32 }, { id: 'row-a', parent: 'main', limitKw: 16 }]);

    // CS2's EVSE onto row-a as a 1-phase EVSE on L2.
    await page.getByLabel('Station id').fill('CS2');
    await page.getByLabel('Circuit', { exact: true }).selectOption('row-a');
    await page.getByLabel('Phases').selectOption('1');
    await page.getByLabel('Phase (1-phase EVSE)').selectOption('2');
    await page.getByLabel('Maximum kW').fill('3.7');
    await page.getByRole('button', { name: 'Place on this site' }).click();
    await see.text(page, '#place-status', 'EVSE CS2 #1 is on north-depot now');
    await see.text(page, '#tree .circuit .circuit .evse', 'EVSE CS2 #1: 3.7 kW, 1 phase (L2)');

    // A new site from the editor.
    await editJson(page, () => ({ id: 'annex', name: 'Annex', timeZone: 'Europe/Copenhagen', tariff: 'depot', gridLimitKw: 11, evses: [{ stationId: 'CS7', evseId: 1 }] }));
    await page.getByRole('button', { name: 'New site' }).click();
    await see.text(page, '#site-status', 'Saved annex');
    await see.value(page, '#site-pick', 'annex');
    expect(product.server.running.scheduler.index.evse('CS7', 1)?.site.id).toBe('annex');
    expect(errors).toEqual([]);
  }, 120_000);

  it('fits a phone', async () => {
    const { page, errors } = await open('phone', 'ada');
    await see.text(page, '#tree', 'Grid connection');
    await screenshot(page, 'admin-sites-phone');
    expect(errors).toEqual([]);
  }, 60_000);

  it('sends a fleet manager away', async () => {
    const { page } = await open('desk', 'fiona');
    await see.url(page, /\/fleet$/);
  }, 60_000);
});
