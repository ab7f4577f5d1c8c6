/**
 * The admin stations page (issue 16) in real Chromium against the real product, with simulated chargers over real
 * WebSockets: an admin adds a charger and reads its password, URL and username once on the page, and the charger
 * connects with them; an unknown charger shows up as waiting (Pending, with its vendor and model), the admin adopts
 * it into a site with a click, and it reconnects with the password it was sent. Screenshots at desk and phone width.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { SimulatedStation } from '../../src/simulator/station.js';
import { PASSWORD, launch, logIn, newContext, screenshot, see, startProduct, watchErrors, type Product } from './fixture.js';
import { addAda } from './setups.js';
import { bootStatus, wallbox } from './steps.js';

let product: Product;
let browser: Browser;
const sims: SimulatedStation[] = [];

beforeAll(async () => {
  [product, browser] = await Promise.all([startProduct(), launch()]);
  await addAda(product.server);
}, 90_000);

afterAll(async () => {
  for (const s of sims) await s.stop();
  await browser?.close();
  await product?.close();
});

function charger(id: string, password: string | undefined): SimulatedStation {
  const sim = wallbox(product, id, password);
  sims.push(sim);
  return sim;
}


describe('the admin stations page', () => {
  it('adds a charger that then connects with the password shown once, and adopts a waiting one', async () => {
    const page = await (await newContext(browser, 'desk')).newPage();
    const errors = watchErrors(page);
    await logIn(page, product.url, 'ada');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${product.url}/admin/stations`);
    await see.attribute(page, '#add-site option', 'value', 'north-depot');
    await see.ready(page);

    // Add: the form's refusal names the field first.
    await page.getByLabel('Station id').fill('CS 9');
    await page.getByRole('button', { name: 'Add the charger' }).click();
    await see.text(page, '#add-id-error', /a station id has 1 to 48 characters/);
    await page.getByLabel('Station id').fill('CS-B1');
    await page.locator('#add-site').selectOption('north-depot');
    await page.locator('#add-evse').fill('3');
    await page.getByRole('button', { name: 'Add the charger' }).click();
    await see.text(page, '#secret-h', 'Shown once: type this into CS-B1 now');
    const password = await page.locator('#secret-password').textContent();
    expect(await page.locator('#secret-url').textContent()).toBe(`ws://127.0.0.1:${product.server.running.ports.ocpp}/ocpp/CS-B1`);
    expect(await page.locator('#secret-user').textContent()).toBe('CS-B1');
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    await see.text(page, '#stations tbody tr', /CS-B1.*north-depot · EVSE 3/);
    await screenshot(page, 'admin-stations-added-desk');
    expect(await bootStatus(charger('CS-B1', password!))).toBe('Accepted');

    // A charger nobody registered waits (Pending) with its vendor and model.
    const newcomer = charger('NEW-B', 'factory-default-pass');
    expect(await bootStatus(newcomer)).toBe('Pending');
    await page.getByRole('button', { name: 'I have noted it' }).click();
    await see.hidden(page, '#secret-card');
    await page.reload();
    await see.text(page, '#waiting tbody tr', /NEW-B.*Acme Wallbox 22/);
    await see.text(page, '#stations tbody tr', /CS-B1.*connected/);
    await screenshot(page, 'admin-stations-waiting-desk');

    await page.locator('#waiting tbody tr', { hasText: 'NEW-B' }).getByRole('button', { name: 'Adopt' }).click();
    await see.text(page, '#adopt-title', 'Adopt NEW-B (Acme Wallbox 22)');
    await page.locator('#adopt-site').selectOption('north-depot');
    await page.locator('#adopt-evse').fill('1');
    const reconnected = newcomer.events.once('disconnected');
    await page.getByRole('button', { name: 'Adopt it' }).click();
    await see.text(page, '#adopt-status', 'Adopted NEW-B: it took its new password and reconnects with it.');
    await see.text(page, '#stations tbody tr', /NEW-B.*north-depot · EVSE 1/);
    await see.count(page, '#waiting tbody tr', 0);
    await screenshot(page, 'admin-stations-adopted-desk');

    // It reconnects with the password it accepted and boots as a registered charger.
    await reconnected;
    const accepted = product.server.running.events.once('station.booted', (e) => e.stationId === 'NEW-B');
    for (let i = 0; i < 5 && !newcomer.isOnline; i++) {
      product.clock.advance(1000);
      await newcomer.idle();
    }
    expect((await accepted).status).toBe('Accepted');
    expect(product.server.running.scheduler.index.evse('NEW-B', 1)?.site.id).toBe('north-depot');
    expect(errors).toEqual([]);
  }, 90_000);

  it('reads on a phone', async () => {
    const page = await (await newContext(browser, 'phone')).newPage();
    const errors = watchErrors(page);
    await logIn(page, product.url, 'ada');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${product.url}/admin/stations`);
    await see.text(page, '#stations tbody tr', /CS-B1/);
    await screenshot(page, 'admin-stations-phone');
    // No sideways scrolling on a phone.
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);
});
