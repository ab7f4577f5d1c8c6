/**
 * The homeowner side of issue 18 in real Chromium, on the real product and a ManualClock: the history after two nights
 * (with the month's CSV), a weekly rule created on the page and then in force (and a one-off target overriding it,
 * said so), the charging modes set on the page (pause until 22:00, a price cap, a minimum at once), each visible in
 * the next TxProfile the station receives (K01.FR.01), and the page when the charger does not answer, when the car
 * is full and after a save: no contradiction, checked by text. Screenshots at desk and phone width.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { energyKwh, heldKw } from '../helpers/profile-limits.js';
import { runUntil, twoNightsAtHome } from '../helpers/home-nights.js';
import { launch, logIn, newContext, screenshot, see, startProduct, watchErrors, type Product } from './fixture.js';

let product: Product;
let browser: Browser;
let station: PlanningStation;

beforeAll(async () => {
  [product, browser] = await Promise.all([startProduct(), launch()]);
  await product.server.running.scheduler.upsertVehicle({ id: 'CAR-H', name: 'Hansen’s Zoe', fleet: 'home-h', batteryKwh: 52, maxAcKw: 11, phases: 3, idTokens: ['TOKEN-H'] });
  station = await PlanningStation.connect(product.server, { id: 'HOME-H' });
  await station.boot();
  await twoNightsAtHome(product.server, station);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await station?.close();
  await product?.close();
});

const latestPlan = async () => (await product.server.running.scheduler.latestPlan('home-h'))!;
const mine = async () => (await latestPlan()).sessions.find((s) => s.vehicleId === 'CAR-H')!;
const lastProfile = () => station.sent().at(-1)!.chargingProfile;
const ms = (iso: string) => Date.parse(iso);

/** What no state of the page may say (issue 18): error codes, "0 kWh of 0 kWh", flat prices under varying ones. */
async function noContradiction(page: Page): Promise<string> {
  const text = await page.locator('#content').innerText();
  expect(text).not.toMatch(/\b[A-Z]+_[A-Z_]+\b/); // OCPP_TIMEOUT, PLAN_NONE...
  expect(text).not.toMatch(/\b0 kWh of 0 kWh/);
  expect(text).not.toMatch(/prices are flat/i);
  expect(text).not.toContain('undefined');
  expect(text).not.toContain('NaN');
  return text;
}

async function open(size: 'phone' | 'desk' = 'desk') {
  const context = await newContext(browser, size);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await logIn(page, product.url, 'hans');
  await see.url(page, `${product.url}/home`);
  await see.attribute(page, '#content', 'aria-busy', 'false');
  return { context, page, errors };
}

describe('the homeowner page (issue 18)', () => {
  it('shows the history after two nights, the last charge while the car is away, and the month as CSV', async () => {
    for (const size of ['desk', 'phone'] as const) {
      const { context, page, errors } = await open(size);
      const h = (await (await page.request.get(`${product.url}/api/v1/vehicles/CAR-H/history`)).json()) as { totals: { cost: number }; sessions: { transactionId: string; planId: number }[] };
      await see.count(page, '#history tbody tr', 2);
      await see.text(page, '#history-totals', /November 2026: 2 charges, 16 kWh for €/);
      await see.text(page, '#history tbody tr:first-child', `#${h.sessions[0]!.planId}`);
      await see.text(page, '#car-status', 'Not plugged in.');
      await see.text(page, '#last-session', /^Last charge, .*: 6 kWh for €/);
      await see.text(page, '#plan-summary', 'Plug in the car to get a plan for the next charge.');
      const href = await page.locator('#history-csv').getAttribute('href');
      const csv = await (await page.request.get(`${product.url}${href}`)).text();
      expect(csv.trim().split('\r\n').map((l) => l.split(',')[6])).toEqual(['transaction', 'TX-N1', 'TX-N2']);
      await noContradiction(page);
      await screenshot(page, `home-history-${size}`);
      expect(errors).toEqual([]);
      await context.close();
    }
  }, 120_000);

  it('creates a weekly rule on the page; it is in force when the car plugs in; a one-off target overrides it, said so', async () => {
    const { context, page, errors } = await open('phone');
    await page.getByLabel('Leave at').fill('06:30');
    await page.getByLabel('Weekly amount (kWh)').fill('12');
    await page.getByRole('button', { name: 'Set weekly rule' }).click();
    await see.text(page, '#weekly-status', 'Weekly rule set: Mon–Fri at 06:30, 12 kWh.');
    await see.text(page, '#rule-in-force', /^In force: your weekly rule, Mon–Fri at 06:30, 12 kWh: next departure/);

    product.clock.set('2026-11-24T19:30:00Z');
    await station.startTransaction(1, 'TX-N3', 'TOKEN-H');
    await station.meter(1, 'TX-N3', 0, 0, 40);
    await settle(product.server);
    const s = await mine();
    expect(s.targetSource).toBe('vehicle-weekly');
    expect(s.departureMs).toBe(ms('2026-11-25T05:30:00Z')); // Wednesday 06:30 in Copenhagen
    await see.attribute(page, '#plan-figure', 'data-plan-id', String((await latestPlan()).id));
    await see.text(page, '#battery', /^Battery 40 %, reported .*: about 116 km of range/);

    // A one-off departure overrides it until then, and the page says so; then back to the weekly rule.
    await page.locator('#departure').fill('2026-11-25T08:00');
    await page.locator('#amount').fill('14');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await see.text(page, '#target-status', /^Saved: leave/);
    await settle(product.server);
    await see.text(page, '#rule-in-force', 'It overrides your weekly rule (Mon–Fri at 06:30, 12 kWh) until then');
    // After the save: a sentence that stays true whatever plan comes next (no plan number in it), and the plan shown
    // is the latest one.
    await see.text(page, '#target-status', 'The plan below includes it.');
    const plan = await latestPlan();
    await see.attribute(page, '#plan-figure', 'data-plan-id', String(plan.id));
    await see.text(page, '#plan-id', `#${plan.id}`);
    expect(await page.locator('#target-status').innerText()).not.toContain('#');
    await screenshot(page, 'home-after-save-phone');
    await page.getByRole('button', { name: 'Use my weekly rule instead' }).click();
    await see.text(page, '#rule-in-force', /^In force: your weekly rule/);
    await settle(product.server);
    expect((await mine()).targetSource).toBe('vehicle-weekly');
    await noContradiction(page);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('pause until 22:00, a price cap and a minimum at once: each in the next profile the charger receives', async () => {
    const { context, page, errors } = await open('desk');
    const choose = async (label: string) => page.getByLabel(label).check();
    const apply = async () => {
      const before = station.sent().length;
      // The status says "Done." after the previous change too: wait for this change's answer itself.
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/vehicles/CAR-H/mode') && r.request().method() === 'PUT');
      await page.getByRole('button', { name: 'Use this mode' }).click();
      expect((await answered).status()).toBe(200);
      await see.text(page, '#mode-status', /^Done\./);
      await settle(product.server);
      expect(station.sent().length).toBeGreaterThan(before);
      await see.attribute(page, '#plan-figure', 'data-plan-id', String((await latestPlan()).id));
    };
    const now = () => product.clock.now();

    // Smart: the 12 kWh start in the cheap hour from 20:00Z.
    expect(energyKwh(lastProfile(), ms('2026-11-24T20:00:00Z'), ms('2026-11-24T21:00:00Z'))).toBeGreaterThan(5);

    await choose('Pause until a time');
    await page.getByLabel('Pause until', { exact: true }).fill('2026-11-24T22:00');
    await apply();
    expect(energyKwh(lastProfile(), now(), ms('2026-11-24T21:00:00Z'))).toBeCloseTo(0, 3); // 22:00 in Copenhagen
    expect(energyKwh(lastProfile(), ms('2026-11-24T21:00:00Z'), ms('2026-11-25T05:30:00Z'))).toBeGreaterThan(11);
    await see.text(page, '#mode-now', /^Paused until .*22:00: no charging before then/);
    await see.text(page, '#car-status', /^Plugged in, paused until .*22:00 as you asked\./);
    await noContradiction(page);
    await screenshot(page, 'home-paused-desk');

    // A cap between the 20:00Z hour's price and 01:00Z's (the plan's own effective prices): only 20:00Z remains.
    const plan = (await (await page.request.get(`${product.url}/api/v1/sites/home-h/plan`)).json()) as { slotStarts: string[]; prices: { total: number }[] };
    const priceAt = (iso: string) => plan.prices[plan.slotStarts.findIndex((s) => ms(s) >= ms(iso))]!.total;
    const cap = Math.round(((priceAt('2026-11-24T20:00:00Z') + priceAt('2026-11-25T01:00:00Z')) / 2) * 1000) / 1000;
    expect(priceAt('2026-11-24T20:00:00Z')).toBeLessThan(cap);
    await choose('Only when cheaper than a price');
    await page.locator('#mode-cap').fill(String(cap));
    await apply();
    expect(heldKw(lastProfile(), ms('2026-11-24T20:10:00Z'))).toBeCloseTo(11, 1);
    expect(energyKwh(lastProfile(), ms('2026-11-24T21:00:00Z'), ms('2026-11-25T05:30:00Z'))).toBeCloseTo(0, 3);
    const short = (await mine()).shortfallKwh;
    expect(short).toBeGreaterThan(0.5);
    await see.text(page, '#plan-why', /Your price cap of €0\.\d{3}\/kWh leaves it .* kWh short by 06:30: raise the cap, or use charge now\./);
    await see.text(page, '#mode-now', /^Only when cheaper than €0\.\d{3}\/kWh/);
    await noContradiction(page);
    await screenshot(page, 'home-price-cap-desk');

    // A minimum of 5 kWh at once: full power from now, whatever the price.
    await choose('A minimum at once, then cheap');
    await page.getByLabel('Minimum in this charge (kWh)').fill('5');
    await apply();
    expect(heldKw(lastProfile(), now() + 60_000)).toBeCloseTo(11, 1);
    expect(energyKwh(lastProfile(), now(), now() + 30 * 60_000)).toBeGreaterThanOrEqual(4.99);
    await see.text(page, '#plan-why li', 'It charges your minimum at once, whatever the price');
    await noContradiction(page);
    await screenshot(page, 'home-minimum-desk');
    const phone = await newContext(browser, 'phone');
    const p2 = await phone.newPage();
    await logIn(p2, product.url, 'hans');
    await see.text(p2, '#mode-now', '5 kWh at once');
    await screenshot(p2, 'home-minimum-phone');
    await phone.close();
    expect(errors).toEqual([]);
    await context.close();
  }, 150_000);

  it('when the charger does not answer, and when the car is full: true sentences, no codes; the weekly rule deleted', async () => {
    const { context, page, errors } = await open('phone');
    // The charger stops answering SetChargingProfile: the next push times out on the server's 30 s call timeout.
    station.cs.respond('SetChargingProfile', () => ({ raw: null }));
    const call = station.cs.nextCall('SetChargingProfile');
    await page.getByLabel('Smart: at the cheapest hours before you leave').check();
    await page.getByRole('button', { name: 'Use this mode' }).click();
    await see.text(page, '#mode-status', /^Done\./);
    await call;
    product.clock.advance(31_000); // past ocpp.callTimeoutSeconds
    await settle(product.server);
    expect(await product.server.running.scheduler.compliance('HOME-H', 1)).toBe('unreachable');
    await see.text(page, '#charger-warning', 'The charger did not answer.');
    await see.text(page, '#plan-id', 'the charger did not answer');
    const text = await noContradiction(page);
    expect(text).not.toMatch(/OCPP|Timeout|timed out/);
    // It does not follow the plan now: no claim about cheap hours in the reasons.
    expect(await page.locator('#plan-why').innerText()).not.toMatch(/cheapest/);
    await screenshot(page, 'home-charger-timeout-phone');

    // It answers again; the car stops drawing while offered full power (it is full).
    station.cs.respond('SetChargingProfile', (req) => {
      station.installed.set(req.chargingProfile.id, { evseId: req.evseId, profile: req.chargingProfile });
      return { status: 'Accepted' };
    });
    await runUntil(product.server, '2026-11-24T20:05:00Z');
    await settle(product.server);
    expect(await product.server.running.scheduler.compliance('HOME-H', 1)).toBe('follows');
    await settle(product.server);
    await station.meter(1, 'TX-N3', 0, 0, 100, 'SuspendedEV');
    await runUntil(product.server, '2026-11-24T20:12:00Z');
    await station.meter(1, 'TX-N3', 0, 0, 100, 'SuspendedEV');
    await settle(product.server);
    expect((await mine()).notes.join(' ')).toContain('stopped drawing');
    await see.text(page, '#car-status', /^Full: the car stopped taking energy/);
    await see.text(page, '#plan-energy', 'None: the car is full');
    await see.text(page, '#ready-at', 'Now');
    await noContradiction(page);
    expect(await page.locator('#plan-summary').innerText()).not.toMatch(/Saving|Cost of the rest/);
    await screenshot(page, 'home-car-full-phone');

    // The weekly rule deleted on the page: the home's default is in force, and the page says so.
    await page.getByRole('button', { name: 'Delete weekly rule' }).click();
    await see.text(page, '#weekly-status', 'Weekly rule deleted.');
    await see.text(page, '#rule-in-force', 'In force: this home\'s default, leaving at 07:00');
    await settle(product.server);
    expect((await mine()).targetSource).toBe('site-default');
    expect(errors).toEqual([]);
    await context.close();
  }, 150_000);
});
