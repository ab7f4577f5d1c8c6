/**
 * The sites page's circuit form (issue 16) in real Chromium against the real product: an admin adds a circuit under
 * another with its limits, changes its limit, is refused a tree with a cycle (nothing stored changes), and removes
 * the circuit, all without writing the site as JSON; the tree view and the stored site follow each step. A tree made
 * from a read someone has changed since is refused, and the circuit they added stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { screenshot, see, type Product } from './fixture.js';
import { adminOnSitesPage } from './steps.js';
import { productWithAdmin } from './setups.js';

let product: Product;
let browser: Browser;
beforeAll(async () => {
  ({ product, browser } = await productWithAdmin());
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await product?.close();
});

const circuits = async () => (await product.server.running.siteAdmin.export('north-depot')).circuits;

describe('the sites page\'s circuit form', () => {
  it('adds, changes and removes a circuit; a cycle is refused and changes nothing', async () => {
    const { page, errors } = await adminOnSitesPage(browser, product);
    page.on('dialog', (d) => void d.accept());
    await see.text(page, '#tree li.circuit', 'Circuit row-a: 22 kW');

    await page.getByLabel('Circuit id', { exact: true }).fill('row-c');
    await page.getByLabel('Circuit id', { exact: true }).dispatchEvent('change');
    await page.getByLabel('Under', { exact: true }).selectOption('row-a');
    await page.getByLabel('Limit in kW (optional)').fill('7');
    await page.getByLabel('Fuse per phase in A (optional)').fill('10');
    await page.getByRole('button', { name: 'Save the circuit' }).click();
    await see.text(page, '#circuit-status', 'Circuit row-c added; the site is being re-planned.');
    await see.text(page, '#tree li.circuit li.circuit', 'Circuit row-c: 7 kW, 10 A per phase');
    expect(await circuits()).toEqual([{ id: 'row-a', limitKw: 22 }, { id: 'row-c', parent: 'row-a', limitKw: 7, phaseLimitA: 10 }]);

    // Picking it again fills its fields; the limit goes down to 5 kW and the fuse goes.
    await page.getByLabel('Circuit id', { exact: true }).fill('row-c');
    await page.getByLabel('Circuit id', { exact: true }).dispatchEvent('change');
    await see.value(page, '#circuit-limit', '7');
    await see.value(page, '#circuit-parent', 'row-a');
    await page.getByLabel('Limit in kW (optional)').fill('5');
    await page.getByLabel('Fuse per phase in A (optional)').fill('');
    await page.getByRole('button', { name: 'Save the circuit' }).click();
    await see.text(page, '#circuit-status', 'Circuit row-c changed; the site is being re-planned.');
    expect(await circuits()).toEqual([{ id: 'row-a', limitKw: 22 }, { id: 'row-c', parent: 'row-a', limitKw: 5 }]);

    // row-a under row-c, which is under row-a: refused with the server's reason, and the stored tree stays.
    await page.getByLabel('Circuit id', { exact: true }).fill('row-a');
    await page.getByLabel('Circuit id', { exact: true }).dispatchEvent('change');
    await page.getByLabel('Under', { exact: true }).selectOption('row-c');
    await page.getByRole('button', { name: 'Save the circuit' }).click();
    await see.text(page, '#circuit-status', /Not saved: .*circuit "row-a" is its own ancestor/);
    await see.text(page, '#circuit-parent-error', /is its own ancestor/); // shown at "Under"
    expect(await page.locator('#circuit-parent').getAttribute('aria-invalid')).toBe('true');
    expect(await circuits()).toEqual([{ id: 'row-a', limitKw: 22 }, { id: 'row-c', parent: 'row-a', limitKw: 5 }]);
    await screenshot(page, 'admin-site-circuits-desk');

    await page.getByLabel('Circuit id', { exact: true }).fill('row-c');
    await page.getByLabel('Circuit id', { exact: true }).dispatchEvent('change');
    await page.getByRole('button', { name: 'Remove the circuit' }).click();
    await see.text(page, '#circuit-status', 'Circuit row-c removed; the site is being re-planned.');
    expect(await circuits()).toEqual([{ id: 'row-a', limitKw: 22 }]);
    expect(await page.locator('#tree li.circuit').count()).toBe(1);
    expect(errors).toEqual([]);
  }, 90_000);

  it('a circuit added in another tab since the page read the site is not dropped: the save is refused and says so', async () => {
    const { page, errors } = await adminOnSitesPage(browser, product);
    await see.text(page, '#tree li.circuit', 'Circuit row-a');
    const before = (await circuits()) ?? [];
    // Another tab (the same API) adds row-t after this page read the site.
    await product.server.running.siteAdmin.setCircuits('north-depot', [...before, { id: 'row-t', limitKw: 3 }], 'another tab');
    await page.getByLabel('Circuit id', { exact: true }).fill('row-u');
    await page.getByLabel('Circuit id', { exact: true }).dispatchEvent('change');
    await page.getByLabel('Limit in kW (optional)').fill('4');
    await page.getByRole('button', { name: 'Save the circuit' }).click();
    await see.text(page, '#circuit-status', /changed since/);
    expect((await circuits())?.map((c) => c.id)).toEqual([...before.map((c) => c.id), 'row-t']);
    // Shown again, the page has the new version: the same circuit is then saved beside row-t.
    await page.reload();
    await see.text(page, '#tree', 'row-t');
    await page.getByLabel('Circuit id', { exact: true }).fill('row-u');
    await page.getByLabel('Circuit id', { exact: true }).dispatchEvent('change');
    await page.getByLabel('Limit in kW (optional)').fill('4');
    await page.getByRole('button', { name: 'Save the circuit' }).click();
    await see.text(page, '#circuit-status', 'Circuit row-u added; the site is being re-planned.');
    expect((await circuits())?.map((c) => c.id)).toEqual([...before.map((c) => c.id), 'row-t', 'row-u']);
    expect(errors).toEqual([]);
  }, 90_000);
});
