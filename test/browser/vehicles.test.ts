/**
 * Issue 16 in real Chromium: a fleet manager goes from the fleet page to the vehicles page, adds a van with its RFID
 * card, puts it on a charger, adds a second card (and sees a card in use refused next to its field); a homeowner edits
 * their own car. What the pages did is then read from the product's stores, and it survives a restart.
 * Screenshots at desk and phone width in test/artifacts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AssignmentRepository } from '../../src/storage/vehicle-repository.js';
import { launch, logIn, newContext, screenshot, see, startProduct, watchErrors, type Product } from './fixture.js';

let product: Product;
let browser: Browser;
/** The product after the restart test, which owns the database from then on. */
let restarted: Product['server'] | undefined;

beforeAll(async () => {
  [product, browser] = await Promise.all([startProduct(), launch()]);
  await product.server.running.scheduler.upsertVehicle({ id: 'CAR-H', name: 'Hans’s car', fleet: 'home-h', batteryKwh: 52, maxAcKw: 11, phases: 3, idTokens: ['TOKEN-H'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await (restarted ? restarted.stop() : product?.close());
});

async function addVan(page: Page, id: string, card: string): Promise<void> {
  await page.getByLabel('Vehicle id').fill(id);
  await page.locator('#add-name').fill(`Van ${id}`);
  await page.locator('#add-battery').fill('75');
  await page.locator('#add-power').fill('11');
  await page.getByLabel('RFID card (optional)').fill(card);
  await page.getByRole('button', { name: 'Add vehicle' }).click();
  await see.text(page, '#add-status', `Added Van ${id}.`);
}

describe('the vehicles page', () => {
  it.each(['desk', 'phone'] as const)('a fleet manager adds a van with a card and puts it on a charger (%s)', async (size) => {
    const id = size === 'desk' ? 'VAN-7' : 'VAN-8';
    const evse = size === 'desk' ? 2 : 1;
    const context = await newContext(browser, size);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await logIn(page, product.url, 'fiona');
    await see.url(page, /\/fleet$/);
    await page.getByRole('link', { name: 'Add and edit vehicles, cards and chargers' }).click();
    await see.url(page, /\/fleet\/vehicles$/);
    // The first run finds the fleet empty, the second the first run's van.
    await see.text(page, '#vehicle-list tbody', size === 'desk' ? 'No vehicle yet' : 'Van VAN-7');
    await see.value(page, '#add-fleet', 'north');

    // A wrong field is named before anything is sent.
    await page.getByLabel('Vehicle id').fill('van 7!');
    await page.getByRole('button', { name: 'Add vehicle' }).click();
    await see.text(page, '#add-id-error', 'letters, digits');
    await addVan(page, id, `04:${id}`);

    // The edit panel opens on the new van: its card, and the chargers of its fleet.
    await see.text(page, '#edit-title', `Van ${id}`);
    await see.value(page, '#edit-name', `Van ${id}`);
    await see.text(page, '#edit-cards', `04:${id}`);
    await page.getByLabel('The charger this van is on').selectOption({ label: `CS1 · EVSE ${evse} (North depot)` });
    await page.getByRole('button', { name: 'Save charger' }).click();
    await see.text(page, '#assign-status', `On CS1 · EVSE ${evse} (North depot) now.`);
    await see.text(page, `#vehicle-list tr[data-id="${id}"]`, `CS1 · EVSE ${evse}`);

    // A card that another household's car holds: refused next to the field, without saying whose.
    await page.getByLabel('Add a card (RFID uid or contract id)').fill('TOKEN-H');
    await page.getByRole('button', { name: 'Add card' }).click();
    await see.text(page, '#card-token-error', 'already in use by another vehicle');
    await page.getByLabel('Add a card (RFID uid or contract id)').fill(`05:${id}`);
    await page.getByRole('button', { name: 'Add card' }).click();
    await see.text(page, '#card-status', `Added card 05:${id}.`);

    // Edit the van's power.
    await page.locator('#edit-power').fill('7.4');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await see.text(page, '#edit-status', `Saved Van ${id}.`);
    await see.text(page, `#vehicle-list tr[data-id="${id}"]`, '7.4 kW');
    await screenshot(page, `vehicles-${size}`);

    const van = await product.server.running.scheduler.vehicle(id);
    expect(van).toMatchObject({ fleet: 'north', batteryKwh: 75, maxAcKw: 7.4, phases: 3 });
    expect(van!.idTokens.sort()).toEqual([`04:${id}`, `05:${id}`]);
    expect(await new AssignmentRepository(product.server.running.db).onEvse('CS1', evse)).toBe(id);
    expect((await product.server.running.scheduler.vehicle('CAR-H'))!.idTokens).toEqual(['TOKEN-H']);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it.each(['desk', 'phone'] as const)('a homeowner edits their own car from the home page (%s)', async (size) => {
    const context = await newContext(browser, size);
    const page = await context.newPage();
    await logIn(page, product.url, 'hans');
    await see.url(page, /\/home$/);
    await page.getByRole('link', { name: 'Edit my car' }).click();
    await see.url(page, /\/home\/car$/);
    const errors = watchErrors(page);
    await see.value(page, '#car-name', 'Hans’s car');
    await page.locator('#car-power').fill('99');
    await page.getByRole('button', { name: 'Save' }).click();
    await see.text(page, '#car-power-error', 'at most 43 kW');
    await page.locator('#car-power').fill('7.4');
    await page.locator('#car-phases').selectOption('1');
    await page.getByRole('button', { name: 'Save' }).click();
    await see.text(page, '#car-status', 'Saved.');
    await screenshot(page, `car-edit-${size}`);
    expect(await product.server.running.scheduler.vehicle('CAR-H')).toMatchObject({ fleet: 'home-h', maxAcKw: 7.4, phases: 1, name: 'Hans’s car' });
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('the vehicles page is for fleet managers: a homeowner is sent to their own page', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    await logIn(page, product.url, 'hans');
    await see.url(page, /\/home$/);
    await page.goto(`${product.url}/fleet/vehicles`);
    await see.url(page, /\/home$/);
    await context.close();
  }, 60_000);

  it('what the pages did survives a restart', async () => {
    const before = await product.server.running.scheduler.vehicles();
    restarted = await product.server.restart();
    expect(await restarted.running.scheduler.vehicles()).toEqual(before);
    expect(await new AssignmentRepository(restarted.running.db).onEvse('CS1', 2)).toBe('VAN-7');
    expect(await new AssignmentRepository(restarted.running.db).onEvse('CS1', 1)).toBe('VAN-8');
  }, 60_000);
});
