/**
 * The sites page and a change made meanwhile (issue 16, read-then-write races): an admin has the site open and picks
 * another tariff while someone else (another tab, another node) changes its circuits; saving is refused with what
 * changed instead of silently undoing the other change, and saving again after a reload keeps both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { see, type Product } from './fixture.js';
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

describe('the sites page when the site changed meanwhile', () => {
  it('refuses the stale save with what changed; after a reload the tariff is chosen and the other change stays', async () => {
    const { page, errors } = await adminOnSitesPage(browser, product);
    await expect.poll(() => page.locator('#site-json').inputValue(), { timeout: 10_000 }).toContain('"north-depot"');
    const chooseHousehold = async () => {
      const text = await page.locator('#site-json').inputValue();
      await page.locator('#site-json').fill(text.replace('"tariff": "depot"', '"tariff": "household"'));
    };
    await chooseHousehold();
    // Someone else changes the circuits while the page is open.
    await product.server.running.siteAdmin.setCircuits('north-depot', [{ id: 'row-a', limitKw: 20 }], 'user "bo"');
    await page.getByRole('button', { name: 'Save the site' }).click();
    await see.text(page, '#site-status', /Not saved: .*changed since version .*circuits/);
    const stored = await product.server.running.siteAdmin.export('north-depot');
    expect([stored.tariff, stored.circuits]).toEqual(['depot', [{ id: 'row-a', limitKw: 20 }]]);

    await page.reload();
    await expect.poll(() => page.locator('#site-json').inputValue(), { timeout: 10_000 }).toContain('"limitKw": 20');
    await chooseHousehold();
    await page.getByRole('button', { name: 'Save the site' }).click();
    await see.text(page, '#site-status', /Saved north-depot/);
    const saved = await product.server.running.siteAdmin.export('north-depot');
    expect([saved.tariff, saved.circuits]).toEqual(['household', [{ id: 'row-a', limitKw: 20 }]]);
    expect(errors).toEqual([]);
  }, 90_000);
});
