/**
 * The product for the browser tests, started for real: startTestServer runs main.ts (its test database, OCPP server,
 * scheduler, prices, and the HTTP app with login, API and pages) on a ManualClock, listening on 127.0.0.1 port 0;
 * real WebSocket stations (test/helpers/planning-station.ts) take the profiles. Chromium is Debian's, driven by
 * playwright-core (never a browser download).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createUser } from '../../src/http/auth/user-accounts.js';
import type { ApiTokenGrant } from '../../src/domain/prices.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { Logger } from '../../src/platform/logger.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

export const T0 = '2026-11-23T16:00:00Z'; // Monday 17:00 in Copenhagen
export const PASSWORD = 'correct horse battery staple';
export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

const policy = { debounceSeconds: 2, defaultDeparture: '07:00', defaultEnergyKwh: 20 };
export const CONFIG = {
  prices: {
    zones: [{ id: 'TEST', currency: 'EUR', timeZone: 'Europe/Copenhagen' }],
    tariffs: {
      depot: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'market', zone: 'TEST' } },
      // A household tariff with the parts a homeowner pays: grid fees by time of day, a tax per kWh, VAT.
      household: {
        currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'market', zone: 'TEST' },
        gridFees: [{ otherwisePerKwh: 0.04, bands: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '17:00', to: '21:00', pricePerKwh: 0.12, label: 'peak' }] }],
        taxes: [{ name: 'electricity tax', pricePerKwh: 0.09 }],
        vat: [{ rate: 0.25 }],
      },
    },
  },
  sites: [
    {
      id: 'north-depot', name: 'North depot', fleet: 'north', timeZone: 'Europe/Copenhagen', tariff: 'depot', gridLimitKw: 22, slotMinutes: 15,
      circuits: [{ id: 'row-a', limitKw: 22 }],
      evses: [{ stationId: 'CS1', evseId: 1, circuit: 'row-a', maxKw: 11 }, { stationId: 'CS1', evseId: 2, circuit: 'row-a', maxKw: 11 }, { stationId: 'CS2', evseId: 1, maxKw: 11 }],
      policy,
    },
    { id: 'home-h', name: 'Hansen home', fleet: 'home-h', timeZone: 'Europe/Copenhagen', tariff: 'household', gridLimitKw: 11, slotMinutes: 15, evses: [{ stationId: 'HOME-H', evseId: 1, maxKw: 11 }], policy },
    { id: 'home-g', name: 'Grønlund home', fleet: 'home-g', timeZone: 'Europe/Copenhagen', tariff: 'household', gridLimitKw: 11, slotMinutes: 15, evses: [{ stationId: 'HOME-G', evseId: 1, maxKw: 11 }], policy },
  ],
};

export const USERS: Record<string, ApiTokenGrant[]> = {
  fiona: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }],
  hans: [{ role: 'homeowner', scopeKind: 'home', scopeId: 'home-h' }],
  greta: [{ role: 'homeowner', scopeKind: 'home', scopeId: 'home-g' }],
};

export interface Product {
  server: TestServer;
  /** The product's own HTTP app (main.ts): login, API and pages. */
  app: FastifyInstance;
  url: string;
  clock: ManualClock;
  close(): Promise<void>;
}

export interface ProductOptions {
  /**
   * Nothing configured and nothing in the database: no price zone, tariff, site, station or user, as after
   * `npm ci && npm start` on a new machine (the server then logs its one-time setup link).
   */
  empty?: boolean;
  /** Where the product logs (the setup link is read from it); silent when absent. */
  logger?: Logger;
  /** Settings over the test configuration (for example `{ ocpp: { acceptUnknownIdTokens: true } }`). */
  config?: Record<string, unknown>;
}

/**
 * The product as main.ts starts it, with its people: a fleet manager for "north" and two homeowners, on CONFIG's
 * sites; or, with `empty`, with nothing at all.
 */
export async function startProduct(opts: ProductOptions = {}): Promise<Product> {
  const clock = new ManualClock(T0);
  // Plain http on 127.0.0.1, so the session cookie is not Secure (what config http.cookieSecure is for).
  const http = { host: '127.0.0.1', port: 0, cookieSecure: false };
  const config = { ...(opts.empty ? {} : CONFIG), ...opts.config, http };
  const server = await startTestServer(config as never, { clock, ...(opts.logger ? { logger: opts.logger } : {}) });
  const users = new UserRepository(server.running.db);
  // Cheap scrypt for test users (the stored hash carries its parameters).
  for (const [username, grants] of Object.entries(opts.empty ? {} : USERS)) {
    await createUser(users, clock, { username, name: username[0]!.toUpperCase() + username.slice(1), password: PASSWORD, grants }, { N: 1024, r: 8, p: 1 });
  }
  return {
    server,
    app: server.running.http,
    clock,
    url: `http://127.0.0.1:${server.running.ports.http}`,
    close: () => server.stop(),
  };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A fresh browser profile in English, on a phone-sized or desk-sized screen, in the sites' zone. */
export async function newContext(browser: Browser, size: 'phone' | 'desk' = 'phone'): Promise<BrowserContext> {
  return browser.newContext({
    locale: 'en-GB',
    timezoneId: 'Europe/Copenhagen',
    viewport: size === 'phone' ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
}

/**
 * Every script error and console error, so that a test can say none happened. Chromium also logs each 4xx answer
 * as a console error; those the tests provoke on purpose (a bad CSV, a past departure), so they are left out.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export async function logIn(page: Page, url: string, username: string, password = PASSWORD): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/**
 * Logs in by the fields' ids, whatever language their labels are in (logIn reads the English labels), and waits until
 * the browser has left the login page.
 */
export async function logInByIds(page: Page, url: string, username: string, password = PASSWORD): Promise<void> {
  await page.goto(`${url}/login`);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('#login-form button[type=submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** The page has loaded: no region still aria-busy (each page's script clears it when its data is in). */
export async function loaded(page: Page): Promise<void> {
  await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached', timeout: 20_000 }).catch(async (err: unknown) => {
    const busy = await page.locator('[aria-busy="true"]').first().evaluate((e) => e.outerHTML.slice(0, 200), undefined, { timeout: 1000 }).catch(() => '?');
    throw new Error(`${page.url()} stayed aria-busy: ${busy}`, { cause: err });
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Auto-waiting checks on Playwright's own waiting (locator.waitFor, waitForFunction, waitForURL), for
 * playwright-core has no `expect`. Each waits until the page shows the thing or the timeout passes, and then says
 * what it saw instead. Never a fixed sleep.
 */
const WAIT = { timeout: 10_000 };

/** The little of the DOM the in-page checks use (the project's type check has no DOM lib). */
interface PageDocument {
  querySelector(selector: string): { value?: string } | null;
  querySelectorAll(selector: string): { length: number };
}
declare const document: PageDocument;

async function explain<T>(wait: Promise<T>, what: string, actual: () => Promise<unknown>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    const saw = await actual().catch((e: unknown) => `(unreadable: ${String(e)})`);
    throw new Error(`${what}; the page shows ${JSON.stringify(saw)}`, { cause: err });
  }
}

export const see = {
  /** The page finished loading: `#content` is no longer aria-busy (each page's script clears it last). */
  ready(page: Page) {
    return explain(
      page.locator('#content:not([aria-busy="true"])').waitFor({ state: 'attached', ...WAIT }),
      '#content should have finished loading (aria-busy not "true")',
      () => page.locator('#content').first().getAttribute('aria-busy', { timeout: 1000 }),
    );
  },
  /** `selector` matches an element whose attribute `name` is `value`. */
  attribute(page: Page, selector: string, name: string, value: string) {
    return explain(
      page.locator(`${selector}[${name}="${value.replace(/["\\]/g, '\\$&')}"]`).first().waitFor({ state: 'attached', ...WAIT }),
      `${selector} should have ${name}="${value}"`,
      () => page.locator(selector).first().getAttribute(name, { timeout: 1000 }),
    );
  },
  /**
   * An element of `selector` contains `text` and is visible. A string matches case-sensitively ("Saved" is not in
   * "Not saved"; Playwright's own string match ignores case).
   */
  text(page: Page, selector: string, text: string | RegExp) {
    const pattern = typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text;
    return explain(
      page.locator(selector).filter({ hasText: pattern }).first().waitFor({ state: 'visible', ...WAIT }),
      `${selector} should show ${String(text)}`,
      () => page.locator(selector).allTextContents(),
    );
  },
  /** The input's value. */
  value(page: Page, selector: string, value: string) {
    return explain(
      page.waitForFunction(([s, v]) => document.querySelector(s)?.value === v, [selector, value] as const, WAIT),
      `${selector} should hold "${value}"`,
      () => page.locator(selector).first().inputValue({ timeout: 1000 }),
    );
  },
  /** Exactly `n` elements match. */
  count(page: Page, selector: string, n: number) {
    return explain(
      page.waitForFunction(([s, k]) => document.querySelectorAll(s).length === k, [selector, n] as const, WAIT),
      `${selector} should match ${n} elements`,
      () => page.locator(selector).count(),
    );
  },
  url(page: Page, url: string | RegExp) {
    return explain(page.waitForURL(url, WAIT), `the address should be ${String(url)}`, async () => page.url());
  },
  hidden(page: Page, selector: string) {
    return explain(page.locator(selector).first().waitFor({ state: 'hidden', ...WAIT }), `${selector} should be hidden`, () => page.locator(selector).first().isVisible());
  },
};
