/**
 * The pages in Danish and Portuguese (issue 18, languages), in real Chromium against the real product on a
 * ManualClock: the language comes from the browser's Accept-Language (a context in da-DK or pt-PT), the header's
 * switcher overrides it (a cookie), <html lang> says which, and numbers, dates and currency are in that locale
 * (decimal commas, "seg."/"man." weekdays). Screenshots at phone and desk width go to test/artifacts/lang-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { publishPrices, nightPrices, settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { logInByIds, launch, screenshot, see, startProduct, T0, watchErrors, type Product } from './fixture.js';

let product: Product;
let browser: Browser;
let station: PlanningStation;
let depot: PlanningStation;

beforeAll(async () => {
  [product, browser] = await Promise.all([startProduct(), launch()]);
  const s = product.server.running.scheduler;
  await s.upsertVehicle({ id: 'CAR-H', name: 'Hansen’s Zoe', fleet: 'home-h', batteryKwh: 52, maxAcKw: 11, phases: 3, idTokens: ['TOKEN-H'] });
  await s.upsertVehicle({ id: 'VAN-1', name: 'Van 1', fleet: 'north', batteryKwh: 75, maxAcKw: 11, phases: 3, idTokens: ['TOKEN-V1'] });
  await publishPrices(product.server, T0, nightPrices());
  await s.upsertVehicle({ id: 'VAN-2', name: 'Van 2', fleet: 'north', batteryKwh: 75, maxAcKw: 11, phases: 3, idTokens: ['TOKEN-V2'] });
  station = await PlanningStation.connect(product.server, { id: 'HOME-H' });
  depot = await PlanningStation.connect(product.server, { id: 'CS1', evses: 2 });
  await Promise.all([station.boot(), depot.boot()]);
  await s.setTarget('VAN-1', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 20 });
  // Van 2 leaves at 19:00 wanting 40 kWh: it cannot make it (a warning on the fleet page).
  await s.setTarget('VAN-2', { kind: 'once', departure: '2026-11-23T19:00', energyKwh: 40 });
  await depot.startTransaction(1, 'TX-V1', 'TOKEN-V1');
  await depot.startTransaction(2, 'TX-V2', 'TOKEN-V2');
  await s.setTarget('CAR-H', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 10 });
  await s.setTarget('CAR-H', { kind: 'weekly', days: ['mon', 'tue', 'wed', 'thu', 'fri'], time: '07:30', energyKwh: 20 });
  await station.startTransaction(1, 'TX-H', 'TOKEN-H');
  await settle(product.server);
  // The real product and Chromium start here: past the default 20 s on a loaded machine.
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await station?.close();
  await depot?.close();
  await product?.close();
});

type Size = 'phone' | 'desk';

/** A browser whose language is `locale` (Playwright sends it as Accept-Language and navigator.language). */
function context(locale: string, size: Size): Promise<BrowserContext> {
  return browser.newContext({
    locale,
    timezoneId: 'Europe/Copenhagen',
    viewport: size === 'phone' ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
}

/** Logs in by the fields' ids (their labels are in the page's language). */
const logIn = (page: Page, username: string) => logInByIds(page, product.url, username);

const text = (page: Page, selector: string) => page.locator(selector).first().innerText();

/** Words that give away an English sentence left in a translated place. */
const ENGLISH = /\b(the|and|with|when|until|charges?|charging|price|leave|plugged|saved|loading)\b/i;

async function noEnglish(page: Page, selectors: string[]): Promise<void> {
  for (const s of selectors) {
    const t = await text(page, s);
    expect(t, `${s}: ${t}`).not.toMatch(ENGLISH);
  }
}

/** The homeowner's key places, filled once the page has loaded. */
const HOME_PLACES = ['header.top', '#car-status', '#mode-now', '#rule-in-force', '#plan-summary', '#plan-why li', '#history-totals', '#target-h', '#plan-caption'];

describe('the homeowner page in Danish and Portuguese', () => {
  it('Danish from Accept-Language da-DK: words, decimal commas, Danish weekdays, html lang; phone and desk', async () => {
    for (const size of ['phone', 'desk'] as const) {
      const ctx = await context('da-DK', size);
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      await logIn(page, 'hans');
      await page.waitForURL(`${product.url}/home`);
      await see.ready(page);
      expect(await page.locator('html').getAttribute('lang')).toBe('da-DK');
      await see.text(page, '#mode-h', 'Sådan oplader den');
      await see.text(page, '#target-h', 'Hvornår kører du?');
      await see.text(page, '#car-status', /^(Sat til|Lader)/);
      await see.text(page, '#plan-why li', /i gennemsnit under opladning/);
      await see.text(page, '#rule-in-force', /^Gælder nu: din enkeltstående afgang/);
      // Danish numbers: a price per kWh with a decimal comma and the euro after it ("0,123 €/kWh").
      const prices = await page.locator('#plan-table tbody td:nth-child(3)').allTextContents();
      expect(prices.length).toBeGreaterThan(0);
      for (const p of prices) expect(p).toMatch(/^\d+,\d{3}\s€\/kWh$/);
      // Danish weekday names on the weekly form and in the rule ("man.–fre.").
      await see.text(page, '#weekly-days label', 'man.');
      await see.text(page, '#rule-in-force', 'man.–fre.');
      await noEnglish(page, HOME_PLACES);
      await screenshot(page, `lang-home-da-${size}`);
      expect(errors).toEqual([]);
      await ctx.close();
    }
  }, 120_000);

  it('Portuguese from Accept-Language pt-PT; the switcher changes to Danish and back to English, kept in a cookie', async () => {
    const ctx = await context('pt-PT', 'phone');
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${product.url}/login`);
    expect(await page.locator('html').getAttribute('lang')).toBe('pt-PT');
    await see.text(page, '#login-h', 'Iniciar sessão');
    await screenshot(page, 'lang-login-pt-phone');
    await logIn(page, 'hans');
    await page.waitForURL(`${product.url}/home`);
    await see.ready(page);
    await see.text(page, '#mode-h', 'Como carrega');
    await see.text(page, '#plan-why li', /em média durante a carga/);
    const prices = await page.locator('#plan-table tbody td:nth-child(3)').allTextContents();
    for (const p of prices) expect(p).toMatch(/^\d+,\d{3}\s€\/kWh$/);
    await see.text(page, '#weekly-days label', 'segunda');
    await noEnglish(page, HOME_PLACES);
    await screenshot(page, 'lang-home-pt-phone');

    // The switcher: Danish, on this page, for this browser from now on.
    await page.getByRole('link', { name: 'Dansk' }).click();
    await page.waitForURL(`${product.url}/home`);
    await see.ready(page);
    expect(await page.locator('html').getAttribute('lang')).toBe('da-DK');
    await see.text(page, '#mode-h', 'Sådan oplader den');
    await see.attribute(page, '.languages a[lang="da"]', 'aria-current', 'true');
    expect((await ctx.cookies()).find((c) => c.name === 'cp_lang')?.value).toBe('da');
    await page.goto(`${product.url}/home/car`);
    await see.ready(page);
    await see.text(page, '#car-edit-h', 'Redigér min bil');

    // And back to English, as before this issue.
    await page.getByRole('link', { name: 'English' }).click();
    await see.ready(page);
    expect(await page.locator('html').getAttribute('lang')).toBe('en-GB');
    await see.text(page, '#car-edit-h', 'Edit my car');
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('Portuguese at desk width, with its months and history', async () => {
    const ctx = await context('pt-PT', 'desk');
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await logIn(page, 'hans');
    await page.waitForURL(`${product.url}/home`);
    await see.ready(page);
    await see.text(page, '#history-h', 'Cargas anteriores');
    await see.text(page, '#history-totals', /novembro de 2026/);
    await screenshot(page, 'lang-home-pt-desk');
    expect(errors).toEqual([]);
    await ctx.close();
  }, 60_000);
});

/** The fleet page's key places, filled once the page has loaded (the decision log's texts are the server's). */
const FLEET_PLACES = ['header.top', '.site-bar', '#plan-summary', '#plan-caption', '#savings-headline', '#savings', '#vehicles', '#warnings', '#stations', '#bulk-h', '#log-h', '.table-tools'];

describe('the fleet page in Danish and Portuguese', () => {
  const cases = [
    { locale: 'da-DK', lang: 'da', heading: 'Stedets plan', short: '1 køretøj når det ikke:', verdict: /✓ På vej|Klar/, status: 'Sat til, venter', made: /^nr\. \d+, lavet /, log: 'Beslutningslog' },
    { locale: 'pt-PT', lang: 'pt', heading: 'Plano do local', short: '1 veículo não vai conseguir:', verdict: /✓ No bom caminho|Pronto/, status: 'Ligado, à espera', made: /^n\.º \d+, feito /, log: 'Registo de decisões' },
  ];
  for (const c of cases) {
    it(`${c.lang}: headings, tables, warnings and numbers in ${c.locale}, at phone and desk width`, async () => {
      for (const size of ['phone', 'desk'] as const) {
        const ctx = await context(c.locale, size);
        const page = await ctx.newPage();
        const errors = watchErrors(page);
        await logIn(page, 'fiona');
        await page.waitForURL(/\/fleet/);
        await see.ready(page);
        expect(await page.locator('html').getAttribute('lang')).toBe(c.locale);
        await see.text(page, '#site-plan-h', c.heading);
        await see.text(page, '#log-h', c.log);
        await see.text(page, '#plan-id', c.made);
        await see.text(page, '#warnings', c.short);
        await see.text(page, '#vehicles tr[data-vehicle="VAN-1"] .verdict', c.verdict);
        await see.text(page, '#vehicles tr[data-vehicle="VAN-1"] .status', c.status);
        // The site plan as a table: prices with a decimal comma, the euro after the number.
        const prices = await page.locator('#plan-table tbody td.price').allTextContents();
        expect(prices.length).toBeGreaterThan(0);
        for (const p of prices) expect(p).toMatch(/^\d+,\d{3}\s€\/kWh$/);
        // The planned power in the table: a decimal comma where there are decimals, never a point.
        for (const kw of await page.locator('#plan-table tbody td.planned').allTextContents()) expect(kw).not.toMatch(/\./);
        await noEnglish(page, FLEET_PLACES);
        await screenshot(page, `lang-fleet-${c.lang}-${size}`);
        expect(errors).toEqual([]);
        await ctx.close();
      }
    }, 120_000);
  }

  it('the vehicles page follows the switcher choice', async () => {
    const ctx = await context('da-DK', 'desk');
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await logIn(page, 'fiona');
    await page.waitForURL(/\/fleet/);
    await page.goto(`${product.url}/fleet/vehicles`);
    await see.ready(page);
    await see.text(page, '#vehicles-h', 'Køretøjer');
    await see.text(page, '#vehicle-list tr[data-id="VAN-1"]', '11 kW · 3~');
    await page.getByRole('link', { name: 'Português' }).click();
    await see.ready(page);
    expect(await page.locator('html').getAttribute('lang')).toBe('pt-PT');
    await see.text(page, '#vehicles-h', 'Veículos');
    await see.text(page, '#add-h', 'Adicionar um veículo');
    await screenshot(page, 'lang-vehicles-pt-desk');
    expect(errors).toEqual([]);
    await ctx.close();
  }, 60_000);
});
