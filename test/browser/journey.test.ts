/**
 * Issue 16's "Done means", first item, in real Chromium against the real product (main.ts on a ManualClock) from an
 * EMPTY database and an empty configuration, through the pages only: the setup link read from the server's log, the
 * first admin, a time-of-use tariff, a site with two circuits, a charger added (a simulated station then connects with
 * the password the page showed once), a second charger adopted from the waiting list, a van with its RFID card put on
 * the first charger, a fleet manager created with a grant over the site's fleet, who logs in and sets the van's
 * departure; the van arrives with its card, and the plan reaches the simulated charger as a TxProfile (K01) that
 * charges in the tariff's cheap night hours. The simulators play the chargers; the test moves the clock. Every page of
 * the journey is photographed at desk and phone width (test/artifacts/journey-*.png).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SimulatedStation } from '../../src/simulator/station.js';
import { car } from '../../src/simulator/car.js';
import { settle } from '../helpers/depot.js';
import { launch, logIn, newContext, screenshot, see, startProduct, watchErrors, type Product } from './fixture.js';
import { addFiona, bootStatus, wallbox } from './steps.js';

const ADMIN_PASSWORD = 'first admin of the depot';
const FIONA_PASSWORD = 'fiona drives the north fleet';
const CARD = '04A1B2C3D4';
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** Time of use: 0.30 EUR/kWh, 0.10 from midnight to 06:00 (local time). */
const TARIFF = {
  currency: 'EUR', timeZone: 'Europe/Copenhagen',
  energy: { kind: 'schedule', schedules: [{ otherwisePerKwh: 0.3, bands: [{ days: DAYS, from: '00:00', to: '06:00', pricePerKwh: 0.1, label: 'night' }] }] },
  taxes: [{ name: 'electricity tax', pricePerKwh: 0.09 }], vat: [{ rate: 0.25 }],
};
/** Two circuits of 11 kW under a 22 kW grid connection; the chargers are placed from the stations page. */
const SITE = {
  id: 'depot', name: 'North depot', fleet: 'north', timeZone: 'Europe/Copenhagen', tariff: 'depot-tou', gridLimitKw: 22, slotMinutes: 15,
  circuits: [{ id: 'row-a', limitKw: 11, phaseLimitA: 16 }, { id: 'row-b', limitKw: 11 }],
  evses: [],
  policy: { debounceSeconds: 2, defaultDeparture: '07:00', defaultEnergyKwh: 20 },
};

let product: Product;
let browser: Browser;
let admin: BrowserContext;
let page: Page; // the admin's, through the whole journey
let errors: string[];
const log: Record<string, unknown>[] = [];
const sims: SimulatedStation[] = [];

beforeAll(async () => {
  const sink = new Writable({ write(chunk, _enc, done) {
    for (const line of String(chunk).split('\n')) if (line.trim()) log.push(JSON.parse(line) as Record<string, unknown>);
    done();
  } });
  // The default settings: unknown cards are refused (acceptUnknownIdTokens false); the van's card, entered on the
  // vehicles page, is accepted because a vehicle lists it (IdTokenRepository.get).
  [product, browser] = await Promise.all([startProduct({ empty: true, logger: pino({ level: 'info' }, sink) }), launch()]);
  admin = await newContext(browser, 'desk');
  page = await admin.newPage();
  errors = watchErrors(page);
}, 120_000);

afterAll(async () => {
  for (const s of sims) await s.stop();
  await browser?.close();
  await product?.close();
});

/** The page at desk width, then at phone width (full page), then back at desk width. */
async function photograph(p: Page, name: string): Promise<void> {
  await p.setViewportSize({ width: 1280, height: 900 });
  await screenshot(p, `journey-${name}-desk`);
  await p.setViewportSize({ width: 390, height: 844 });
  await screenshot(p, `journey-${name}-phone`);
  // No sideways scrolling on a phone.
  const fits = await p.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
  // What sticks out, if anything (inside a scroll box is fine: the page itself must not scroll sideways).
  const wide = fits ? [] : await p.evaluate(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5).map((e) => e.tagName + '#' + e.id).slice(0, 8)`);
  expect(fits, `${name} fits a phone; wider: ${JSON.stringify(wide)}`).toBe(true);
  await p.setViewportSize({ width: 1280, height: 900 });
}

/** Follows the checklist's link of one step, as the admin would. */
async function fromChecklist(step: string, href: string): Promise<void> {
  await page.goto(`${product.url}/get-started`);
  await see.ready(page);
  const link = page.locator(`#checklist li[data-step="${step}"] a`);
  expect(await link.getAttribute('href')).toBe(href);
  await link.click();
  await see.url(page, `${product.url}${href}`);
  await see.ready(page);
}

function charger(id: string, password: string): SimulatedStation {
  const sim = wallbox(product, id, password);
  sims.push(sim);
  return sim;
}


describe('issue 16: from an empty database to a plan at the charger, through the pages only', () => {
  it('the setup link from the log makes the first admin, who lands on the checklist with everything to do', async () => {
    await page.goto(`${product.url}/`);
    await see.url(page, `${product.url}/setup`);
    const link = log.find((l) => typeof l.setupLink === 'string')?.setupLink as string;
    expect(link).toMatch(/\/setup#token=[A-Za-z0-9_-]{43}$/);
    // The log names the configured address (port 0 here): the link's path and token, on this server's address.
    await page.goto(`${product.url}${new URL(link).pathname}${new URL(link).hash}`);
    await see.value(page, '#token', link.split('#token=')[1]!);
    await photograph(page, 'setup');
    await page.getByLabel('Your name').fill('Ada Admin');
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await see.url(page, `${product.url}/get-started`);
    await see.ready(page);
    for (const step of ['site', 'tariff', 'charger', 'vehicle', 'departure', 'people']) await see.attribute(page, `#checklist li[data-step="${step}"]`, 'data-done', 'false');
    await see.text(page, '#checklist li[data-step="site"]', 'No site yet');
    // Every step links to the page that does it, and each is a page of this server.
    const hrefs = await page.locator('#checklist li').evaluateAll((lis) => lis.map((li) => (li as unknown as { querySelector(s: string): { getAttribute(n: string): string } | null }).querySelector('a')?.getAttribute('href') ?? null));
    expect(hrefs).toEqual(['/admin/sites', '/admin/tariffs', '/admin/stations', '/fleet/vehicles', '/fleet', '/admin/users']);
    for (const href of hrefs) expect((await page.request.get(`${product.url}${href!}`, { maxRedirects: 0 })).status(), href!).toBe(200);
    await photograph(page, 'get-started-empty');
    expect(errors).toEqual([]);
  }, 120_000);

  it('a site pays a tariff: the sites page says to make the tariff first; then the tariff, then the site with two circuits', async () => {
    await fromChecklist('site', '/admin/sites');
    await see.text(page, '#tree', 'No site yet');
    await see.text(page, '#tree', 'Tariffs');
    await page.getByRole('link', { name: 'Tariffs', exact: true }).first().click();
    await see.url(page, `${product.url}/admin/tariffs`);
    await see.ready(page);
    await page.getByLabel('Name', { exact: true }).fill('depot-tou');
    await page.locator('#tariff-json-box summary').click();
    await page.getByLabel('The tariff as JSON').fill(JSON.stringify(TARIFF, null, 2));
    await page.getByRole('button', { name: 'Save the tariff' }).click();
    await see.text(page, '#tariff-status', 'Tariff depot-tou saved.');
    // 17:00 on Monday: (0.30 + 0.09) × 1.25; from midnight (0.10 + 0.09) × 1.25.
    await see.text(page, '#preview-table tbody tr:first-child td:last-child', '0.4875');
    await see.text(page, '#preview-table tbody tr', /Tue 24 Nov, 00:00.*0\.2375/);

    await page.getByRole('link', { name: 'Sites', exact: true }).first().click();
    await see.url(page, `${product.url}/admin/sites`);
    await see.ready(page);
    // The draft starts with the tariff there is now.
    expect(JSON.parse(await page.locator('#site-json').inputValue()).tariff).toBe('depot-tou');
    await page.getByLabel(/The site as JSON/).fill(JSON.stringify(SITE, null, 2));
    await page.getByRole('button', { name: 'New site' }).click();
    await see.text(page, '#site-status', 'Saved depot; the site is being re-planned.');
    await see.text(page, '#tree li.circuit', 'Circuit row-a: 11 kW, 16 A per phase');
    await see.text(page, '#tree li.circuit', 'Circuit row-b: 11 kW');
    await see.text(page, '#sites-status', 'North depot: 2 circuits, 0 EVSEs.');
    await photograph(page, 'sites');

    // The tariff page now shows the site paying it.
    await page.getByRole('link', { name: 'Tariffs', exact: true }).first().click();
    await see.ready(page);
    await see.value(page, '#choose-site', 'depot');
    await see.value(page, '#choose-tariff', 'depot-tou');
    await see.text(page, '#preview-caption', /Tariff depot-tou: 192 slots of 15 minutes/);
    await photograph(page, 'tariffs');
    expect(errors).toEqual([]);
  }, 120_000);

  it('a charger added on the page connects with the password shown once; a waiting one is adopted', async () => {
    await fromChecklist('charger', '/admin/stations');
    await page.getByLabel('Station id').fill('CS-A');
    await page.locator('#add-site').selectOption('depot');
    await page.locator('#add-circuit').selectOption('row-a');
    await page.getByRole('button', { name: 'Add the charger' }).click();
    await see.text(page, '#secret-h', 'Shown once: type this into CS-A now');
    const password = (await page.locator('#secret-password').textContent())!;
    expect(await page.locator('#secret-url').textContent()).toBe(`ws://127.0.0.1:${product.server.running.ports.ocpp}/ocpp/CS-A`);
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/); // A00.FR.205
    await photograph(page, 'stations-added');
    const csA = charger('CS-A', password);
    expect(await bootStatus(csA)).toBe('Accepted');
    await page.getByRole('button', { name: 'I have noted it' }).click();
    await see.hidden(page, '#secret-card');

    // A charger nobody registered: answered Pending (B02), listed as waiting with its vendor and model.
    const csB = charger('CS-B', 'factory-default-pass');
    expect(await bootStatus(csB)).toBe('Pending');
    await page.reload();
    await see.ready(page);
    await see.text(page, '#waiting tbody tr', /CS-B.*Acme Wallbox 22/);
    await see.text(page, '#stations tbody tr', /CS-A.*connected.*depot · EVSE 1 \(row-a\)/);
    await page.locator('#waiting tbody tr', { hasText: 'CS-B' }).getByRole('button', { name: 'Adopt' }).click();
    await see.text(page, '#adopt-title', 'Adopt CS-B (Acme Wallbox 22)');
    await page.locator('#adopt-site').selectOption('depot');
    await page.locator('#adopt-circuit').selectOption('row-b');
    const dropped = csB.events.once('disconnected');
    await page.getByRole('button', { name: 'Adopt it' }).click();
    await see.text(page, '#adopt-status', 'Adopted CS-B: it took its new password and reconnects with it.');
    await see.text(page, '#stations tbody tr', /CS-B.*depot · EVSE 1 \(row-b\)/);
    await see.count(page, '#waiting tbody tr', 0);
    // A01: the station took its new password by SetVariables; it reconnects with it and is Accepted.
    expect(csB.credentials.password).not.toBe('factory-default-pass');
    await dropped;
    const accepted = product.server.running.events.once('station.booted', (e) => e.stationId === 'CS-B');
    for (let i = 0; i < 10 && !csB.isOnline; i++) {
      product.clock.advance(1000);
      await csB.idle();
    }
    expect((await accepted).status).toBe('Accepted');
    await page.reload();
    await see.ready(page);
    await see.text(page, '#stations tbody tr', /CS-B.*connected/);
    await photograph(page, 'stations');

    // The sites page shows both chargers under their circuits.
    await page.getByRole('link', { name: 'Sites', exact: true }).first().click();
    await see.ready(page);
    await see.text(page, '#tree li.circuit', /Circuit row-a.*EVSE CS-A #1: 11 kW/);
    await see.text(page, '#tree li.circuit', /Circuit row-b.*EVSE CS-B #1: 11 kW/);
    expect(errors).toEqual([]);
  }, 120_000);

  it('a van with its card, put on the first charger; a fleet manager with a grant over the fleet', async () => {
    await fromChecklist('vehicle', '/fleet/vehicles');
    await see.value(page, '#add-fleet', 'north');
    await page.getByLabel('Vehicle id').fill('VAN-1');
    await page.locator('#add-name').fill('Van 1');
    await page.locator('#add-battery').fill('60');
    await page.locator('#add-power').fill('11');
    await page.getByLabel('RFID card (optional)').fill(CARD);
    await page.getByRole('button', { name: 'Add vehicle' }).click();
    await see.text(page, '#add-status', 'Added Van 1.');
    await see.text(page, '#edit-cards', CARD);
    await page.getByLabel('The charger this van is on').selectOption({ label: 'CS-A · EVSE 1 (North depot)' });
    await page.getByRole('button', { name: 'Save charger' }).click();
    await see.text(page, '#assign-status', 'On CS-A · EVSE 1 (North depot) now.');
    await see.text(page, '#vehicle-list tr[data-id="VAN-1"]', CARD);
    await photograph(page, 'vehicles');

    await fromChecklist('people', '/admin/users');
    await addFiona(page, FIONA_PASSWORD);
    await photograph(page, 'users');
    expect(errors).toEqual([]);
  }, 120_000);

  it('the fleet manager logs in and sets the departure; the van arrives and its plan reaches the charger as a TxProfile', async () => {
    const context = await newContext(browser, 'phone');
    const fiona = await context.newPage();
    const fionaErrors = watchErrors(fiona);
    await logIn(fiona, product.url, 'fiona', FIONA_PASSWORD);
    await see.url(fiona, /\/fleet(\?site=depot)?$/);
    await see.attribute(fiona, 'body', 'data-live', 'open');
    await fiona.getByRole('button', { name: /^Change departure of Van 1/ }).click();
    await fiona.getByLabel('Departure of Van 1').fill('2026-11-24T06:00');
    await fiona.keyboard.press('Enter');
    await see.text(fiona, '#vehicles-status', /^Saved: Van 1 leaves/);
    // Tuesday 06:00 in Copenhagen.
    await see.attribute(fiona, '#vehicles tr[data-vehicle="VAN-1"] td.departure', 'data-at', '2026-11-24T05:00:00.000Z');

    // The van arrives at CS-A with its card (the simulator plays the car); the scheduler plans and pushes.
    const csA = sims.find((s) => s.id === 'CS-A')!;
    const pushed = product.server.running.events.once('plan.pushed', (e) => e.pushes.some((p) => p.stationId === 'CS-A' && p.state === 'accepted'));
    const started = csA.events.once('transaction');
    csA.plugIn(1, car({ idToken: CARD, maxPowerKW: 11, batteryKWh: 60 }, 20));
    await csA.idle();
    const transactionId = (await started).transactionId;
    await settle(product.server);
    expect((await pushed).siteId).toBe('depot');

    // K01.FR.03: a TxProfile for this transaction, holding the whole plan (the charger keeps it if we go away).
    const held = csA.profiles.report(1, { chargingProfilePurpose: 'TxProfile' });
    expect(held).toHaveLength(1);
    const profile = held[0]!.profile;
    expect(profile.transactionId).toBe(transactionId);
    // It waits through the dear evening and charges in the cheap night, from 23:00Z (midnight in Copenhagen), the
    // site's default 20 kWh (the van had no amount of its own), and the schedule ends at the departure she set.
    const schedule = profile.chargingSchedule[0]!;
    const start = Date.parse(schedule.startSchedule!);
    const periods = schedule.chargingSchedulePeriod.map((p, i, all) => ({
      from: start + p.startPeriod * 1000, to: start + (all[i + 1]?.startPeriod ?? schedule.duration!) * 1000, w: p.limit,
    }));
    expect(periods[0]!.w).toBe(0);
    expect(new Date(periods.find((p) => p.w > 0)!.from).toISOString()).toBe('2026-11-23T23:00:00.000Z');
    expect(periods.every((p) => p.w === 0 || (p.from >= Date.parse('2026-11-23T23:00:00Z') && p.to <= Date.parse('2026-11-24T05:00:00Z')))).toBe(true);
    expect(periods.reduce((kwh, p) => kwh + (p.w * (p.to - p.from)) / 3.6e9, 0)).toBeCloseTo(20, 1);
    expect(start + schedule.duration! * 1000).toBe(Date.parse('2026-11-24T05:00:00Z'));

    // Her page follows: the van is on CS-A, charging towards 06:00, and will make it.
    await see.text(fiona, '#vehicles tr[data-vehicle="VAN-1"]', 'CS-A #1');
    await see.text(fiona, '#vehicles tr[data-vehicle="VAN-1"] .verdict', 'On track');
    await photograph(fiona, 'fleet');
    expect(fionaErrors).toEqual([]);
    await context.close();
  }, 120_000);

  it('the checklist is all done, and the charger page shows the station', async () => {
    await page.goto(`${product.url}/get-started`);
    await see.ready(page);
    for (const step of ['site', 'tariff', 'charger', 'vehicle', 'departure', 'people']) await see.attribute(page, `#checklist li[data-step="${step}"]`, 'data-done', 'true');
    await see.text(page, '#checklist li[data-step="charger"]', '2 stations connected');
    await photograph(page, 'get-started-done');
    await page.goto(`${product.url}/stations/CS-A`);
    await see.attribute(page, '#station-root', 'aria-busy', 'false');
    await see.text(page, 'main', 'Acme');
    await photograph(page, 'station');
    expect(errors).toEqual([]);
  }, 120_000);
});
