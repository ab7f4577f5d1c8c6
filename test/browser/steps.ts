/**
 * Steps several browser tests take the same way: a simulated wallbox on the product's OCPP endpoint and its boot,
 * a fleet manager added on the people page, and the admin on the sites page. The tests keep their own lists of what
 * to stop afterwards.
 */
import type { Browser, Page } from 'playwright-core';
import { SimulatedStation } from '../../src/simulator/station.js';
import { logIn, newContext, see, watchErrors, type Product } from './fixture.js';

/** An Acme Wallbox 22 with one EVSE on the product's endpoint and clock; no password for a charger that sends none. */
export function wallbox(product: Product, id: string, password: string | undefined): SimulatedStation {
  return new SimulatedStation({
    id, ...(password !== undefined ? { password } : {}), url: `${product.server.wsUrl}/ocpp`, clock: product.clock, evses: 1,
    txUpdatedIntervalS: 0, reconnectDelayMs: 1000, vendorName: 'Acme', model: 'Wallbox 22',
  });
}

/** Starts the charger and resolves with the registration status its BootNotification was answered with. */
export async function bootStatus(sim: SimulatedStation): Promise<string> {
  const booted = sim.events.once('booted');
  sim.start();
  await sim.idle();
  return (await booted).status;
}

/** On /admin/users (loaded): adds Fiona Fleet (fiona), fleet manager over fleet north, and sees her listed so. */
export async function addFiona(page: Page, password: string): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill('Fiona Fleet');
  await page.locator('#add-username').fill('fiona');
  await page.getByLabel('First password').fill(password);
  await page.locator('#add-role').selectOption('fleet-manager');
  await page.locator('#add-scope').fill('north');
  await page.getByRole('button', { name: 'Add person' }).click();
  await see.text(page, '#add-status', 'Added Fiona Fleet (fiona).');
  await see.text(page, '#users tr[data-username="fiona"]', 'fleet-manager over fleet north');
}

/** A desk-width page logged in as ada (admin) on /admin/sites with north-depot shown; `errors` collects page errors. */
export async function adminOnSitesPage(browser: Browser, product: Product): Promise<{ page: Page; errors: string[] }> {
  const page = await (await newContext(browser, 'desk')).newPage();
  const errors = watchErrors(page);
  await logIn(page, product.url, 'ada');
  await see.url(page, /\/fleet$/);
  await page.goto(`${product.url}/admin/sites`);
  await see.value(page, '#site-pick', 'north-depot');
  return { page, errors };
}
