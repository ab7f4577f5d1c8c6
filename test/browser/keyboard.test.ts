/**
 * Issue 18, "every control reachable and usable by keyboard", in real Chromium with the keyboard alone (Tab,
 * Shift+Tab, Enter, Space, arrows and typing; no click, fill or focus() from the test): log in; on /home set a
 * departure and save it, switch the charging mode; on /fleet search, filter and sort the vehicle table and download
 * the month's CSV. At every stop the focus is visible (an outline or a box-shadow from :focus-visible, on the
 * element or, for a visually hidden radio, on its label), and Tab runs through each page to its end: no trap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { publishPrices, nightPrices, settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { PASSWORD, launch, newContext, see, startProduct, watchErrors, type Product } from './fixture.js';

let product: Product;
let browser: Browser;
const stations: PlanningStation[] = [];

beforeAll(async () => {
  [product, browser] = await Promise.all([startProduct(), launch()]);
  const s = product.server.running.scheduler;
  await s.upsertVehicle({ id: 'CAR-H', name: 'Hansen’s Zoe', fleet: 'home-h', batteryKwh: 52, maxAcKw: 11, phases: 3, idTokens: ['TOKEN-H'] });
  for (const n of [1, 2, 3]) await s.upsertVehicle({ id: `VAN-${n}`, name: `Van ${n}`, fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: [`TOKEN-${n}`] });
  await publishPrices(product.server, '2026-11-23T16:00:00Z', nightPrices());
  const home = await PlanningStation.connect(product.server, { id: 'HOME-H' });
  const cs1 = await PlanningStation.connect(product.server, { id: 'CS1', evses: 2 });
  stations.push(home, cs1);
  await Promise.all([home.boot(), cs1.boot()]);
  await s.setTarget('CAR-H', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 10 });
  await s.setTarget('VAN-1', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 20 });
  await s.setTarget('VAN-2', { kind: 'once', departure: '2026-11-24T06:00', energyKwh: 15 });
  await home.startTransaction(1, 'TX-H', 'TOKEN-H');
  await cs1.startTransaction(1, 'TX-1', 'TOKEN-1');
  await cs1.startTransaction(2, 'TX-2', 'TOKEN-2');
  await settle(product.server);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const st of stations) await st.close();
  await product?.close();
});

/** What has the keyboard now: a selector-like description, and whether its focus can be seen. */
interface Stop { what: string; visible: boolean; body: boolean }

/** The focused element, described, with its focus style checked (the element's, or its label's for a hidden input). */
function stop(page: Page): Promise<Stop> {
  return page.locator(':root').evaluate((root) => {
    const doc = root.ownerDocument;
    const view = doc.defaultView!;
    const el = doc.activeElement;
    if (!el || el === doc.body) return { what: 'body', visible: true, body: true };
    const shows = (e: typeof el) => {
      const s = view.getComputedStyle(e);
      return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    };
    const id = el.getAttribute('id');
    const label = id ? doc.querySelector(`label[for="${id}"]`) : null;
    const what = `${el.tagName.toLowerCase()}${id ? `#${id}` : ''}${el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : ''} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    const visible = shows(el) || (label !== null && shows(label));
    const st = view.getComputedStyle(el);
    return { what: visible ? what : `${what} (outline ${st.outlineStyle} ${st.outlineWidth}, shadow ${st.boxShadow})`, visible, body: false };
  });
}

/** Presses `key` until the focused element matches `selector`; every stop on the way must show its focus. */
async function pressUntil(page: Page, selector: string, key = 'Tab', max = 150): Promise<void> {
  const unseen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const s = await stop(page);
    if (!s.visible) unseen.push(s.what);
    if (await page.locator(selector).evaluate((e) => e === e.ownerDocument.activeElement).catch(() => false)) {
      expect(unseen, `focus not visible on the way to ${selector}`).toEqual([]);
      return;
    }
  }
  throw new Error(`${key} never reached ${selector} in ${max} presses`);
}

/**
 * Tab from the top of the page to its end: every stop shows its focus, the walk reaches the last focusable element
 * (then the focus leaves the document), and Shift+Tab walks back from there. A trap would cycle short of the end.
 */
async function walkWholePage(page: Page): Promise<number> {
  // From the top: the page loaded afresh, nothing focused.
  await page.goto(page.url());
  await see.attribute(page, '#content', 'aria-busy', 'false');
  const stops: Stop[] = [];
  for (let i = 0; i < 400; i++) {
    await page.keyboard.press('Tab');
    const s = await stop(page);
    if (s.body && stops.length) break;
    stops.push(s);
  }
  expect(stops.length).toBeLessThan(400);
  expect(stops.filter((s) => !s.visible).map((s) => s.what)).toEqual([]);
  // Shift+Tab from outside the page comes back to the last stop, then the one before.
  await page.keyboard.press('Shift+Tab');
  expect((await stop(page)).what).toBe(stops[stops.length - 1]!.what);
  await page.keyboard.press('Shift+Tab');
  expect((await stop(page)).what).toBe(stops[stops.length - 2]!.what);
  return stops.length;
}

async function logInByKeyboard(page: Page, username: string): Promise<void> {
  await page.goto(`${product.url}/login`);
  await pressUntil(page, '#username');
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

describe('every control by keyboard', () => {
  it('the homeowner sets a departure, saves it and switches the charging mode', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    const errors = watchErrors(page);
    await logInByKeyboard(page, 'hans');
    await see.url(page, `${product.url}/home`);
    await see.attribute(page, '#content', 'aria-busy', 'false');
    await see.value(page, '#departure', '2026-11-24T07:00');

    // The departure: a date-time input takes its fields typed in order (en-GB: day, month, year, hours, minutes).
    // The date stays; the time is its fourth field whatever the browser's date order (day-month or month-day).
    await pressUntil(page, '#departure');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.type('0530');
    await see.value(page, '#departure', '2026-11-24T05:30');
    await pressUntil(page, '#target-form button[type="submit"]');
    await page.keyboard.press('Enter');
    await see.text(page, '#target-status', /^Saved/);
    await settle(product.server);
    expect((await (await page.request.get(`${product.url}/api/v1/vehicles/CAR-H/target`)).json()).once.departure).toBe('2026-11-24T05:30');

    // The mode: back up to the mode radios (Shift+Tab), arrow to "Only when cheaper than a price", type the cap,
    // and Space on "Use this mode".
    await pressUntil(page, 'input[name="mode"]:checked', 'Shift+Tab');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await see.attribute(page, 'input[name="mode"][value="price-cap"]:checked', 'value', 'price-cap');
    await pressUntil(page, '#mode-cap');
    await page.keyboard.type('0.3');
    await pressUntil(page, '#mode-apply');
    await page.keyboard.press('Space');
    await see.text(page, '#mode-status', /^Done\./);
    await see.text(page, '#mode-now', /^Only when cheaper than €0\.300\/kWh/);

    const count = await walkWholePage(page);
    expect(count).toBeGreaterThan(15);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('the fleet manager searches, filters and sorts the vehicle table and downloads the CSV', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    const errors = watchErrors(page);
    await logInByKeyboard(page, 'fiona');
    await see.url(page, `${product.url}/fleet?site=north-depot`);
    await see.attribute(page, '#content', 'aria-busy', 'false');
    await see.count(page, '#vehicles tbody tr', 3);

    // Search: type, and the table narrows; select all and delete, and it is whole again.
    await pressUntil(page, '#vehicle-search');
    await page.keyboard.type('Van 2');
    await see.count(page, '#vehicles tbody tr', 1);
    await see.text(page, '#vehicles tbody tr', 'Van 2');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await see.count(page, '#vehicles tbody tr', 3);

    // A filter: a closed select changes with the arrow keys.
    await pressUntil(page, '#vehicle-site-filter');
    const before = await page.locator('#vehicle-site-filter').inputValue();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('#vehicle-site-filter').inputValue()).not.toBe(before);
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.locator('#vehicle-site-filter').inputValue()).toBe(before);
    await see.count(page, '#vehicles tbody tr', 3);

    // Sort by departure: Enter once ascending, Space again descending.
    await pressUntil(page, '#vehicles thead button[data-sort="departure"]');
    await page.keyboard.press('Enter');
    await see.attribute(page, '#vehicles thead th[data-sort-key="departure"]', 'aria-sort', 'ascending');
    const up = await page.locator('#vehicles tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-vehicle')));
    await page.keyboard.press('Space');
    await see.attribute(page, '#vehicles thead th[data-sort-key="departure"]', 'aria-sort', 'descending');
    const down = await page.locator('#vehicles tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-vehicle')));
    expect(down).toEqual([...up].reverse());

    // The month's sessions as CSV: Shift+Tab back up to the link, Enter downloads.
    await pressUntil(page, '#csv-download', 'Shift+Tab');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);

    const count = await walkWholePage(page);
    expect(count).toBeGreaterThan(15);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
