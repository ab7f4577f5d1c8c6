/**
 * The tariffs page (issue 16) in real Chromium against the real product (main.ts on a ManualClock): an admin previews a
 * draft tariff, saves it, chooses it for a site, edits it and sees the preview change; adds an ENTSO-E price source
 * whose base URL is a feed on loopback serving the bundled A44 document, runs "fetch now" and reads what came back,
 * and never sees the token again. Screenshots at desk and phone width in test/artifacts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { startPriceFeed, type PriceFeedServer } from '../helpers/price-feed-server.js';
import { CONFIG } from '../http/api-fixture.js';
import { PASSWORD, launch, logIn, newContext, screenshot, see, watchErrors } from './fixture.js';
import { addAda } from './setups.js';

let server: TestServer;
let browser: Browser;
let feed: PriceFeedServer;

const FLAT = (price: number) => ({
  currency: 'EUR', timeZone: 'Europe/Copenhagen',
  energy: { kind: 'schedule', schedules: [{ otherwisePerKwh: price, bands: [] }] },
  gridFees: [{ otherwisePerKwh: 0.05, bands: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '17:00', to: '20:00', pricePerKwh: 0.15 }] }],
  taxes: [{ name: 'elafgift', pricePerKwh: 0.1 }], vat: [{ rate: 0.25 }],
});

beforeAll(async () => {
  [server, browser, feed] = await Promise.all([
    // Monday 2 February 2026, 11:00 in Copenhagen: the bundled ENTSO-E document covers 2 and 3 February.
    startTestServer({ ...CONFIG, http: { host: '127.0.0.1', port: 0, cookieSecure: false } } as never, { clock: new ManualClock('2026-02-02T10:00:00Z') }),
    launch(),
    startPriceFeed(),
  ]);
  await addAda(server);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await feed?.close();
});

/** A page of the width's context, logged in as Ada, on the tariffs page. */
async function tariffsPage(width: 'desk' | 'phone') {
  const url = `http://127.0.0.1:${server.running.ports.http}`;
  const page = await (await newContext(browser, width)).newPage();
  const errors = watchErrors(page);
  await logIn(page, url, 'ada');
  await see.url(page, /\/fleet$|\/get-started$/);
  await page.goto(`${url}/admin/tariffs`);
  return { page, errors };
}

describe('the tariffs page', () => {
  it('edits a tariff and sees the preview change, then fetches prices from a local source', async () => {
    const { page, errors } = await tariffsPage('desk');
    await see.value(page, '#choose-tariff', 'depot');
    await see.text(page, '#preview-problem', /No prices in zone TEST/);

    // A draft first: previewed, not saved. Pasted as JSON (the box under the form).
    await page.getByLabel('Name', { exact: true }).fill('flat');
    await page.locator('#tariff-json-box summary').click();
    await page.getByLabel('The tariff as JSON').fill(JSON.stringify(FLAT(0.3)));
    await page.getByRole('button', { name: 'Preview without saving' }).click();
    await see.text(page, '#preview-caption', /Draft, not saved: 192 slots of 15 minutes/);
    // 11:00 Copenhagen: 0.30 + 0.05 + 0.10, then 25 % VAT.
    await see.text(page, '#preview-table tbody tr:first-child td:last-child', '0.5625');
    expect((await server.running.priceAdmin.tariffs.list()).map((t) => t.name)).toEqual(['depot']);

    // A refused save names the field and changes nothing.
    await page.getByLabel('The tariff as JSON').fill(JSON.stringify({ ...FLAT(0.3), vat: [{ rate: 25 }] }));
    await page.getByRole('button', { name: 'Save the tariff' }).click();
    await see.text(page, '#tariff-json-error', /vat\[0\]\.rate: expected number to be less or equal to 1/i);
    expect((await server.running.priceAdmin.tariffs.list()).map((t) => t.name)).toEqual(['depot']);

    await page.getByLabel('The tariff as JSON').fill(JSON.stringify(FLAT(0.3)));
    await page.getByRole('button', { name: 'Save the tariff' }).click();
    await see.text(page, '#tariff-status', 'Tariff flat saved.');
    await page.getByLabel('The tariff it pays').selectOption('flat');
    await page.getByRole('button', { name: 'Use this tariff' }).click();
    await see.text(page, '#choose-status', 'Site north-depot now pays tariff flat; it re-plans.');
    expect(server.running.scheduler.site('north-depot')!.tariff).toBe('flat');
    await see.text(page, '#preview-caption', /Tariff flat: 192 slots/);
    await see.text(page, '#preview-table tbody tr:first-child td:last-child', '0.5625');

    // The edit: energy down to 0.22; the preview follows. 17:00 on Monday is in the grid fee's peak band.
    await page.getByLabel('The tariff as JSON').fill(JSON.stringify(FLAT(0.22)));
    await page.getByRole('button', { name: 'Save the tariff' }).click();
    await see.text(page, '#tariff-status', 'Tariff flat saved; north-depot re-plan.');
    await see.text(page, '#preview-table tbody tr:first-child td:last-child', '0.4625');
    await see.text(page, '#preview-table tbody tr:nth-child(25) th', 'Mon 2 Feb, 17:00');
    await see.text(page, '#preview-table tbody tr:nth-child(25) td:last-child', '0.5875');
    await screenshot(page, 'admin-tariffs-desk');

    // A price source on the local feed: saved with its token, which is never shown again.
    await page.getByLabel('Id', { exact: true }).fill('entsoe-test');
    await page.getByLabel('Kind', { exact: true }).selectOption('entsoe');
    await page.getByLabel('Zone', { exact: true }).selectOption('TEST');
    await page.getByLabel('Settings as JSON').fill(JSON.stringify({ area: '10Y1001A1001A82H', classificationSequence: 2, baseUrl: feed.entsoeUrl }));
    await page.getByLabel('Credential').fill('secret-token-4711');
    await page.getByRole('button', { name: 'Save the source' }).click();
    await see.text(page, '#source-status', 'Source entsoe-test saved (token set).');
    await see.text(page, '#sources-table tbody tr[data-source="entsoe-test"]', 'token set');
    await page.getByRole('button', { name: 'Fetch now' }).click();
    await see.text(page, '#source-status', /Fetched from entsoe-test: 192 prices in EUR/);
    await see.text(page, '#sources-table tbody tr[data-source="entsoe-test"]', /192 prices in EUR/);
    expect(feed.requests.some((r) => r.searchParams.get('securityToken') === 'secret-token-4711')).toBe(true);
    expect(await page.content()).not.toContain('secret-token-4711');

    // The feed fails: "fetch now" says so in words.
    feed.fail(401, 'Unauthorized');
    await page.getByRole('button', { name: 'Fetch now' }).click();
    await see.text(page, '#source-status', /entsoe-test answered with an error: .*401/);
    feed.fail(null);

    // Back to the market tariff: the fetched prices are in its preview now.
    await page.getByLabel('The tariff it pays').selectOption('depot');
    await page.getByRole('button', { name: 'Use this tariff' }).click();
    await see.text(page, '#choose-status', 'Site north-depot now pays tariff depot');
    await see.text(page, '#preview-caption', /Tariff depot: \d+ slots/);
    expect(await page.locator('#preview-table tbody tr').count()).toBeGreaterThan(100);
    expect(errors).toEqual([]);

    const { page: phone } = await tariffsPage('phone');
    await see.text(phone, '#preview-caption', /Tariff depot/);
    await screenshot(phone, 'admin-tariffs-phone');
  }, 120_000);

  it('builds a time-of-use tariff with the form alone; a refusal marks the input it names and saves nothing', async () => {
    const { page, errors } = await tariffsPage('desk');
    await see.ready(page);
    const before = (await server.running.priceAdmin.tariffs.list()).map((t) => t.name);

    await page.getByLabel('Name', { exact: true }).fill('tou');
    await page.getByLabel('Fixed or time-of-use prices').check();
    await page.getByLabel('Energy price: price outside the bands, per kWh').fill('0.30');
    await page.getByRole('button', { name: 'Add a band to Energy price' }).click();
    // The new band runs Monday to Friday, 17:00 to 21:00; its price is ours to set.
    await page.getByLabel('Energy price, band 1 price per kWh').fill('0.40');
    await page.getByLabel('Energy price, band 1 label (optional)').fill('peak');
    await page.getByRole('button', { name: 'Add a grid fee' }).click();
    await page.getByLabel('Grid fee: price outside the bands, per kWh').fill('0.05');
    await page.getByRole('button', { name: 'Add a tax or levy' }).click();
    await page.getByLabel('Tax 1: what it is called').fill('elafgift');
    await page.getByLabel('Tax 1: per kWh').fill('0.1');
    await page.getByRole('button', { name: 'Add a VAT rate' }).click();
    await page.getByLabel('VAT rate 1 in %').fill('25');

    // The JSON box follows the form.
    const expected = {
      currency: 'EUR', timeZone: 'Europe/Copenhagen',
      energy: { kind: 'schedule', schedules: [{ otherwisePerKwh: 0.3, bands: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '17:00', to: '21:00', pricePerKwh: 0.4, label: 'peak' }] }] },
      gridFees: [{ otherwisePerKwh: 0.05, bands: [] }], taxes: [{ name: 'elafgift', pricePerKwh: 0.1 }], vat: [{ rate: 0.25 }],
    };
    expect(JSON.parse(await page.locator('#tariff-json').inputValue())).toEqual(expected);

    // A band that ends before it starts: refused, the band's inputs marked, nothing saved.
    await page.getByLabel('Energy price, band 1 to (HH:MM, 24:00 is midnight)').fill('16:00');
    await page.getByRole('button', { name: 'Save the tariff' }).click();
    await see.text(page, '#tariff-editor-error', 'Energy price, band 1: "to" 16:00 is not after "from" 17:00');
    expect(await page.locator('tr[data-path="energy.schedules[0].bands[0]"] input[aria-invalid="true"]').count()).toBeGreaterThan(0);
    expect((await server.running.priceAdmin.tariffs.list()).map((t) => t.name)).toEqual(before);

    await page.getByLabel('Energy price, band 1 to (HH:MM, 24:00 is midnight)').fill('21:00');
    await page.getByRole('button', { name: 'Preview without saving' }).click();
    // Monday 11:00 Copenhagen: (0.30 + 0.05 + 0.10) x 1.25; 17:00 is in the band: (0.40 + 0.05 + 0.10) x 1.25.
    await see.text(page, '#preview-table tbody tr:first-child td:last-child', '0.5625');
    await see.text(page, '#preview-table tbody tr:nth-child(25) td:last-child', '0.6875');
    await page.getByRole('button', { name: 'Save the tariff' }).click();
    await see.text(page, '#tariff-status', 'Tariff tou saved.');
    const saved = (await server.running.priceAdmin.tariffs.list()).find((t) => t.name === 'tou');
    expect(saved?.tariff).toMatchObject(expected);

    // Another tariff loads into the form; the saved one comes back as it was.
    await page.getByLabel('Name', { exact: true }).fill('depot');
    await page.getByLabel('Name', { exact: true }).dispatchEvent('change');
    await expect.poll(() => page.getByLabel('Market price of a price area, from a price source').isChecked()).toBe(true);
    await page.getByLabel('Name', { exact: true }).fill('tou');
    await page.getByLabel('Name', { exact: true }).dispatchEvent('change');
    await see.value(page, '[data-path="energy.schedules[0].bands[0].pricePerKwh"]', '0.4');
    await screenshot(page, 'admin-tariff-form-desk');
    expect(errors).toEqual([]);

    const { page: phone } = await tariffsPage('phone');
    await see.ready(phone);
    await phone.getByLabel('Name', { exact: true }).fill('tou');
    await phone.getByLabel('Name', { exact: true }).dispatchEvent('change');
    await see.value(phone, '[data-path="energy.schedules[0].otherwisePerKwh"]', '0.3');
    // Nothing on the page scrolls sideways on a phone (the band table scrolls in its own region).
    expect(await phone.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await screenshot(phone, 'admin-tariff-form-phone');
  }, 120_000);
});
