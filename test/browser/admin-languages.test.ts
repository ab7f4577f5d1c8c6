/**
 * The operator pages in Danish and Portuguese (issue 18, languages): the admin pages (sites with the circuit form,
 * chargers, tariffs with the tariff form and price sources, people, API tokens, audit log), a station's page, the
 * utilisation page and the vehicles page, in
 * real Chromium against the real product. The language comes from Accept-Language (a da-DK or pt-PT browser), <html
 * lang> says which, no English UI sentence is left (a word list over the page's visible text), the header's switcher
 * changes the language there, numbers are in the locale, and axe-core finds nothing serious or critical in either
 * language. Screenshots at phone and desk width go to test/artifacts/lang-admin-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { nightPrices, publishPrices } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { T0, loaded, logInByIds, screenshot, see, watchErrors, type Product } from './fixture.js';
import { axeViolations } from './axe.js';
import { productWithAdmin } from './setups.js';

let product: Product;
let browser: Browser;
let station: PlanningStation;

beforeAll(async () => {
  ({ product, browser } = await productWithAdmin());
  await publishPrices(product.server, T0, nightPrices());
  station = await PlanningStation.connect(product.server, { id: 'CS1', evses: 2 });
  await station.boot();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await station?.close();
  await product?.close();
});

function context(locale: string, phone: boolean): Promise<BrowserContext> {
  return browser.newContext({
    locale,
    timezoneId: 'Europe/Copenhagen',
    viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
}

/** Logs in as the admin by the fields' ids (their labels are in the page's language). */
const logIn = (page: Page) => logInByIds(page, product.url, 'ada');

/**
 * Words of English UI sentences and labels that none of the four languages uses (data the product shows as it is
 * stored, such as site and tariff names, the product's name and OCPP's own words, are left out of the text first).
 */
const ENGLISH = /\b(the|and|with|when|until|yet|this|your|save|saved|delete|remove|add|edit|loading|password|charger|chargers|sites?|tariffs?|prices?|people|circuits?|limit|grid|waiting|never|nothing|none|shown|messages?|operations|connection|connected|offline since|last seen|unlock|reset|created|expires|roles?|state|actions|who|what|details|older|entries|energy|taxes|fees?|preview|hours|local time|kind|credentials?|fetch|slots?)\b/i;
const DATA = [/\w+\[[^\]]*\]|North depot|Hansen home|Grønlund home|north-depot|home-[hg]|row-a|depot|household|electricity tax|peak|Europe\/Copenhagen|Ada|ada|chargeplan|CS[12]|HOME-[HG]|TEST|EUR|OCPP|EVSE|Firmware|[A-Z][a-zA-Z]+(Notification|Status|Log|Firmware|Variables|Profile)\b|[a-z]+[A-Z][a-zA-Z]*|\{[^}]*\}|Pending|SetVariables BasicAuthPassword|JSON|ISO 4217|IANA|TLS|wss?:\/\/[^\s]*|\[redacted\]|admin|fleet-manager|homeowner/g];

/** The page's text, with the data it shows as stored taken out, line by line: the lines with an English word left. */
async function englishLeft(page: Page): Promise<string[]> {
  const text = await page.locator('body').innerText();
  const cleaned = DATA.reduce((t, re) => t.replace(re, ' '), text);
  return cleaned.split('\n').filter((line) => ENGLISH.test(line));
}


/** Each page with a heading in Danish and Portuguese that only a translated page shows. */
const PAGES: { path: string; heading: string; da: RegExp; pt: RegExp }[] = [
  { path: '/admin/sites', heading: '#sites-h', da: /^Lokationer$/, pt: /^Locais$/ },
  { path: '/admin/stations', heading: '#add-h', da: /^Tilføj en lader$/, pt: /^Adicionar um carregador$/ },
  { path: '/admin/tariffs', heading: '#choose-h', da: /^Tariffer og priser$/, pt: /^Tarifas e preços$/ },
  { path: '/admin/users', heading: '#users-h', da: /^Personer$/, pt: /^Pessoas$/ },
  { path: '/admin/tokens', heading: '#new-token-h', da: /^Ny API-nøgle$/, pt: /^Novo token de API$/ },
  { path: '/admin/audit', heading: '#audit-h', da: /^Revisionslog$/, pt: /^Registo de auditoria$/ },
  { path: '/stations/CS1', heading: '#evses-h', da: /^Ladepunkter og stik$/, pt: /^Pontos de carga e conectores$/ },
  { path: '/utilisation?site=north-depot', heading: '#heat-h', da: /^Ugens timer$/, pt: /^Hora da semana$/ },
  { path: '/fleet/vehicles', heading: '#add-h', da: /^Tilføj et køretøj$/, pt: /^Adicionar um veículo$/ },
];

describe('the operator pages in Danish and Portuguese', () => {
  for (const [locale, lang] of [['da-DK', 'da'], ['pt-PT', 'pt']] as const) {
    it(`${locale}: every admin page and the station page, no English left, axe clean`, async () => {
      const ctx = await context(locale, false);
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      await logIn(page);
      const found: string[] = [];
      for (const p of PAGES) {
        await page.goto(`${product.url}${p.path}`);
        await loaded(page);
        expect(await page.locator('html').getAttribute('lang'), p.path).toBe(locale);
        await see.text(page, p.heading, p[lang]);
        found.push(...(await englishLeft(page)).map((l) => `${p.path}: ${l}`));
        found.push(...(await axeViolations(page, `${p.path} axe`)));
      }
      expect(found).toEqual([]);
      expect(errors).toEqual([]);
      await ctx.close();
    }, 180_000);
  }

  it('numbers and times in the locale: the circuit tree and the tariff preview in Danish', async () => {
    const ctx = await context('da-DK', false);
    const page = await ctx.newPage();
    await logIn(page);
    await page.goto(`${product.url}/admin/sites`);
    await loaded(page);
    await see.text(page, '#tree li.grid', /^Nettilslutning: 22 kW \(Europe\/Copenhagen, tarif depot, intervaller på 15 minutter\)/);
    await see.text(page, '#sites-status', 'North depot: 1 kreds, 3 ladepunkter.');
    await page.goto(`${product.url}/admin/tariffs`);
    await loaded(page);
    // A decimal comma, four places; the slot's time as Danes write it ("man. 23. nov., 17.00").
    await see.text(page, '#preview-table tbody tr:first-child td:last-child', /^\d+,\d{4}$/);
    await see.text(page, '#preview-table tbody tr:first-child th', /^man\. 23\. nov\.,? 17[.:]00$/);
    await ctx.close();
  }, 120_000);

  it('the switcher on an admin page and on the station page: Danish to Portuguese and back', async () => {
    const ctx = await context('da-DK', true);
    const page = await ctx.newPage();
    await logIn(page);
    for (const [path, heading, pt] of [['/admin/tariffs', '#choose-h', 'Tarifas e preços'], ['/stations/CS1', '#ops-h', 'Operações']] as const) {
      await page.goto(`${product.url}${path}`);
      await loaded(page);
      await page.getByRole('link', { name: 'Português' }).click();
      await page.waitForURL(`${product.url}${path}`);
      await loaded(page);
      expect(await page.locator('html').getAttribute('lang')).toBe('pt-PT');
      await see.text(page, heading, pt);
      await see.attribute(page, '.languages a[lang="pt"]', 'aria-current', 'true');
      await page.getByRole('link', { name: 'Dansk' }).click();
      await page.waitForURL(`${product.url}${path}`);
      await loaded(page);
      expect(await page.locator('html').getAttribute('lang')).toBe('da-DK');
    }
    await ctx.close();
  }, 120_000);

  it('long German and Portuguese words keep the layout: screenshots at phone and desk width', async () => {
    for (const [locale, path, name] of [['de-DE', '/admin/tariffs', 'tariffs-de'], ['pt-PT', '/stations/CS1', 'station-pt'], ['de-DE', '/admin/stations', 'stations-de']] as const) {
      for (const phone of [true, false]) {
        const ctx = await context(locale, phone);
        const page = await ctx.newPage();
        await logIn(page);
        await page.goto(`${product.url}${path}`);
        await loaded(page);
        // Nothing wider than the screen: the page does not scroll sideways (tables scroll inside their own region).
        const overflow = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement.scrollWidth - (globalThis as unknown as { document: { documentElement: { clientWidth: number } } }).document.documentElement.clientWidth);
        expect(overflow, `${path} ${locale} ${phone ? 'phone' : 'desk'}`).toBeLessThanOrEqual(0);
        await screenshot(page, `lang-admin-${name}-${phone ? 'phone' : 'desk'}`);
        await ctx.close();
      }
    }
  }, 180_000);
});
