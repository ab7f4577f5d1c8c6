/**
 * Issue 18, the fleet manager at a real depot in Chromium: 1,000 vans in the table; search, filter and sort it with
 * the keyboard; status words that are true for vans that are away (with and without a departure) and for a car
 * charging to the site's default; the month's sessions downloaded as CSV from the page; the decision log filtered
 * and in plain words. Screenshots at desk and phone width (test/artifacts/fleet-find-*.png).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { nightPrices, publishPrices, settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { join } from 'node:path';
import { ARTIFACTS, launch, logIn, newContext, screenshot, see, startProduct, T0, watchErrors, type Product } from './fixture.js';

let product: Product;
let browser: Browser;
let cs1: PlanningStation;
const N = 1000;
const id = (i: number) => `FV-${String(i).padStart(4, '0')}`;

beforeAll(async () => {
  [product, browser] = await Promise.all([startProduct(), launch()]);
  const { db, scheduler } = product.server.running;
  // 1,000 vans written as a depot's import would (the scheduler's per-van upsert would take minutes here).
  const vans = Array.from({ length: N }, (_, i) => ({ id: id(i), name: `Van ${i}`, fleet: 'north', battery_kwh: 60, max_ac_kw: 11, phases: 3, min_current_a: null, updated_at: T0 }));
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < N; i += 250) await trx.insertInto('vehicles').values(vans.slice(i, i + 250)).execute();
  });
  // Every third van has a weekly rule; the rest none.
  await scheduler.setTargets(vans.filter((_, i) => i % 3 === 0).map((v) => ({ vehicleId: v.id, target: { kind: 'weekly', days: ['mon', 'tue', 'wed', 'thu', 'fri'], time: '06:30', energyKwh: 20 } })));
  // Two plugged in at CS1: Van A with a departure it cannot make, Van B with none (the site's default applies).
  await scheduler.upsertVehicle({ id: 'VAN-A', name: 'Van A', fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: ['TOKEN-A'] });
  await scheduler.upsertVehicle({ id: 'VAN-B', name: 'Van B', fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: ['TOKEN-B'] });
  await scheduler.setTarget('VAN-A', { kind: 'once', departure: '2026-11-23T18:00', energyKwh: 40 });
  await publishPrices(product.server, T0, nightPrices());
  cs1 = await PlanningStation.connect(product.server, { id: 'CS1', evses: 2 });
  await cs1.boot();
  await cs1.startTransaction(1, 'TX-A', 'TOKEN-A', 0);
  await cs1.startTransaction(2, 'TX-B', 'TOKEN-B', 0);
  await settle(product.server);
  await cs1.meter(1, 'TX-A', 1_500, 11_000);
  await settle(product.server);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cs1?.close();
  await product?.close();
});

const rows = '#vehicles tbody tr[data-vehicle]';
const row = (vehicle: string) => `#vehicles tbody tr[data-vehicle="${vehicle}"]`;

async function open(size: 'desk' | 'phone'): Promise<{ page: Page; errors: string[] }> {
  const context = await newContext(browser, size);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await logIn(page, product.url, 'fiona');
  await see.url(page, /\/fleet/);
  await see.count(page, rows, N + 2);
  return { page, errors };
}

// A loaded machine renders 1,000 rows slowly: each step waits up to see's 10 s, the test up to 90 s.
describe('a fleet manager at a depot of 1,000 vans', { timeout: 90_000 }, () => {
  it('reads true status words: away vans are not "Ready", a car without a departure charges to the site default', async () => {
    const { page, errors } = await open('desk');
    await see.text(page, '#vehicles-count', '1,002 vehicles');
    await see.text(page, `${row(id(1))} td.status`, 'Away');
    await see.text(page, `${row(id(1))} td.verdict`, 'Not plugged in, no departure set');
    await see.text(page, `${row(id(0))} td.verdict`, 'Not plugged in');
    await see.text(page, `${row('VAN-A')} td.verdict`, 'short at departure');
    await see.text(page, `${row('VAN-B')} td.verdict`, 'site default');
    // Not one away van says Ready.
    expect(await page.locator(`${rows}[data-status="away"] td.verdict`).filter({ hasText: 'Ready' }).count()).toBe(0);
    // The whole page is 1,000 rows long: the screen at the table's head.
    await page.locator('#vehicles-h').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-find-desk.png') });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('searches, filters and sorts with the keyboard', async () => {
    const { page, errors } = await open('desk');
    // Search: type into the field (found from the label), the count says how many match.
    await page.getByLabel('Search', { exact: true }).focus();
    await page.keyboard.type('Van 99');
    await see.text(page, '#vehicles-count', 'Showing 11 of 1,002 vehicles');
    await see.count(page, rows, 11);
    // Sort by departure with Tab and Enter from the search field... down to the column's button.
    await page.locator('#vehicles thead button[data-sort="departure"]').focus();
    await page.keyboard.press('Enter');
    await see.attribute(page, '#vehicles thead th[data-sort-key="departure"]', 'aria-sort', 'ascending');
    // The vans with a weekly rule (every third) come first, by departure; those without none at the end.
    const order = await page.locator(`${rows} th small`).allTextContents();
    expect(order.slice(0, 4)).toEqual([id(99), id(990), id(993), id(996)]);
    await page.keyboard.press('Enter');
    await see.attribute(page, '#vehicles thead th[data-sort-key="departure"]', 'aria-sort', 'descending');
    await screenshot(page, 'fleet-find-filtered');
    // Clear the search with the keyboard; filter by "Will it make it?": only Van A will not.
    await page.getByLabel('Search', { exact: true }).focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await see.count(page, rows, N + 2);
    await page.locator('#vehicle-warning-filter').selectOption('short');
    await see.count(page, rows, 1);
    await see.text(page, rows, 'Van A');
    // Where: plugged in here; status: charging.
    await page.locator('#vehicle-warning-filter').selectOption('');
    await page.locator('#vehicle-site-filter').selectOption('here');
    await see.count(page, rows, 2);
    await page.locator('#vehicle-status-filter').selectOption('away');
    await see.text(page, '#vehicles tbody', 'No vehicle matches the search and filters.');
    await page.locator('#vehicle-site-filter').selectOption('');
    await see.count(page, rows, N);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('downloads the month’s sessions as CSV from the page', async () => {
    const { page, errors } = await open('desk');
    await see.text(page, '#csv-download', 'Download November 2026 as CSV');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#csv-download').click()]);
    expect(download.suggestedFilename()).toBe('sessions-north-2026-11.csv');
    const csv = readFileSync((await download.path())!, 'utf8').split('\r\n').filter(Boolean);
    expect(csv[0]).toBe('site,station,evse,transaction,vehicle,vehicle_fleet,started,ended,started_local,time_zone,kwh,cost,currency,uncontrolled_cost,savings,unpriced_kwh,estimated_kwh');
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 5).join(','))).toEqual(['north-depot,CS1,1,TX-A,VAN-A', 'north-depot,CS1,2,TX-B,VAN-B']);
    // Another month from the month field.
    await page.getByLabel('Sessions of the month').fill('2026-10');
    await see.text(page, '#csv-download', 'Download October 2026 as CSV');
    const [october] = await Promise.all([page.waitForEvent('download'), page.locator('#csv-download').click()]);
    expect(october.suggestedFilename()).toBe('sessions-north-2026-10.csv');
    expect(readFileSync((await october.path())!, 'utf8').split('\r\n').filter(Boolean)).toHaveLength(1);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('reads the decision log in plain words, filtered to plans, and the upload card’s columns and sample', async () => {
    const { page, errors } = await open('desk');
    await see.text(page, '#decisions li', 'New plan for 2 cars');
    await page.getByLabel('Show', { exact: true }).selectOption({ label: 'Plans' });
    await see.count(page, '#decisions li[data-kind]:not([data-kind="plan.created"]):not([data-kind="plan.failed"])', 0);
    const text = (await page.locator('#decisions').textContent()) ?? '';
    expect(text).not.toMatch(/\(s\)|interim step down|OCPP_/);
    await page.locator('#bulk-columns summary').click();
    await see.text(page, '#bulk-columns', 'vehicle_id');
    await see.attribute(page, '#bulk-sample', 'href', '/api/v1/targets/bulk/sample.csv');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('fits a phone: filters above the table, rows as cards', async () => {
    const { page, errors } = await open('phone');
    await page.getByLabel('Search', { exact: true }).fill('Van A');
    await see.count(page, rows, 1);
    await screenshot(page, 'fleet-find-phone');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
