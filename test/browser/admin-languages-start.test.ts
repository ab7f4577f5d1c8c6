/**
 * The rest of the operator pages in Danish and Portuguese (issue 18, languages): the get-started checklist the first
 * admin sees, the admin navigation on the account page, a new charger's connection note, and the station page after
 * operations, with what the server writes there in English (an operation's result, a variable set's result, the
 * device-model meanings, the note) said from its phrases in the reader's language. Real Chromium against the
 * operations fixture's product (setups.ts) with a simulated station that reports its device model; a da-DK or pt-PT
 * browser; no English UI word left (the word list of admin-languages.test.ts over the visible text, stored data and
 * OCPP's own words taken out) and axe-core finds nothing serious or critical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { SimulatedStation } from '../../src/simulator/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { loaded, logInByIds, screenshot, see, watchErrors } from './fixture.js';
import { axeViolations } from './axe.js';
import { addAda, productWithStation } from './setups.js';

let server: TestServer;
let browser: Browser;
let station: SimulatedStation;
let url: string;

beforeAll(async () => {
  ({ server, browser, station } = await productWithStation('OPS1', 2));
  url = `http://127.0.0.1:${server.running.ports.http}`;
  await addAda(server);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await station?.stop();
  await server?.stop();
});

/** Logs in as the admin by the fields' ids (their labels are in the page's language). */
const logIn = (page: Page) => logInByIds(page, url, 'ada');

/** admin-languages.test.ts's words of English UI sentences, and the data left out before looking for them. */
const ENGLISH = /\b(the|and|with|when|until|yet|this|your|save|saved|delete|remove|add|edit|loading|password|charger|chargers|sites?|tariffs?|prices?|people|circuits?|limit|grid|waiting|never|nothing|none|shown|messages?|operations|connection|connected|offline since|last seen|unlock|reset|created|expires|roles?|state|actions|who|what|details|older|entries|energy|taxes|fees?|preview|hours|local time|kind|credentials?|fetch|slots?|vehicles?|departure|started|admins?|sends?|refused)\b/i;
const DATA = [/\w+\[[^\]]*\]|Ada|ada|chargeplan|OPS1|fleet-a|site-a|EUR|OCPP|EVSE|Firmware|[A-Z][a-zA-Z]+(Notification|Status|Log|Firmware|Variables|Profile|Report|Inventory)\b|[a-z]+[A-Z][a-zA-Z]*|\{[^}]*\}|TLS|wss?:\/\/[^\s]*|\[redacted\]|admin|fleet-manager|homeowner/g];

/**
 * English lines left on the page. Of the device-model table only the meanings are the page's words (component,
 * variable, value, unit and mutability are the station's); the message log's payloads are the station's too.
 */
async function englishLeft(page: Page): Promise<string[]> {
  await page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<{ setAttribute(n: string, v: string): void }> } }).document;
    for (const n of doc.querySelectorAll('#device-model tbody td:not(:last-child), #frames tbody')) n.setAttribute('hidden', '');
  });
  const text = await page.locator('body').innerText();
  const cleaned = DATA.reduce((t, re) => t.replace(re, ' '), text);
  return cleaned.split('\n').filter((line) => ENGLISH.test(line));
}


/** What each language shows where the server wrote English, and the pages' own words. */
const WORDS = {
  da: {
    note: /^Sikkerhedsprofil 1: indstil i laderen OCPP-URL’en, brugernavnet \(ladestationens id\) og adgangskoden \(BasicAuthPassword\)\.$/,
    start: 'Kom i gang', charger: /^1 lader tilsluttet\.$/, nav: 'Lokationer', password: 'Skift din adgangskode',
    report: /^Accepted: laderen sender sin FullInventory i NotifyReport \(forespørgsel \d+\)$/, heartbeat: 'Accepted: laderen sender Heartbeat nu',
    availability: 'Accepted: ladepunkt 2 er nu ude af drift', set: 'OCPPCommCtrlr.HeartbeatInterval: Accepted (indstillet)', meaning: 'Sekunder mellem heartbeats, når intet andet sendes',
  },
  pt: {
    note: /^Perfil de segurança 1: no carregador, defina o URL OCPP, o nome de utilizador \(o id do carregador\) e a palavra-passe \(BasicAuthPassword\)\.$/,
    start: 'Começar', charger: /^1 carregador ligado\.$/, nav: 'Locais', password: 'Alterar a sua palavra-passe',
    report: /^Accepted: o carregador envia o seu FullInventory em NotifyReport \(pedido \d+\)$/, heartbeat: 'Accepted: o carregador envia agora Heartbeat',
    availability: 'Accepted: o ponto de carga 2 está agora fora de serviço', set: 'OCPPCommCtrlr.HeartbeatInterval: Accepted (definida)', meaning: 'Segundos entre heartbeats quando nada mais é enviado',
  },
} as const;

describe('get started, the account page\u2019s navigation, the connection note and the station page after operations, in Danish and Portuguese', () => {
  for (const [locale, lang] of [['da-DK', 'da'], ['pt-PT', 'pt']] as const) {
    it(`${locale}: no English left, the server's sentences in the reader's words, axe clean`, async () => {
      const w = WORDS[lang];
      const ctx = await browser.newContext({ locale, timezoneId: 'Europe/Copenhagen', viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      await logIn(page);
      const found: string[] = [];
      const check = async (path: string) => {
        expect(await page.locator('html').getAttribute('lang'), path).toBe(locale);
        found.push(...(await englishLeft(page)).map((l) => `${path}: ${l}`));
        found.push(...(await axeViolations(page, `${path} axe`)));
      };

      // The checklist: its steps, and the server's details said from their phrases.
      await page.goto(`${url}/get-started`);
      await loaded(page);
      await see.text(page, '#start-h', w.start);
      await see.attribute(page, '#checklist li[data-step="charger"]', 'data-done', 'true');
      await see.text(page, '#checklist li[data-step="charger"] p.muted', w.charger);
      await see.text(page, 'nav.subnav a[href="/admin/sites"]', w.nav);
      await check('/get-started');

      // The account page: the admin navigation in the page's words.
      await page.goto(`${url}/account`);
      await see.text(page, '#account-h', w.password);
      await see.text(page, 'nav.subnav a[href="/admin/sites"]', w.nav);
      expect(await page.locator('nav.subnav a[aria-current="page"]').getAttribute('href')).toBe('/account');
      await check('/account');

      // The chargers page: a new charger's connection note, said from its phrase.
      await page.goto(`${url}/admin/stations`);
      await loaded(page);
      await page.locator('#add-id').fill(`NEW-${lang.toUpperCase()}`);
      await page.locator('#add-form button[type=submit]').click();
      await see.text(page, '#secret dd.hint', w.note);
      await check('/admin/stations (a new charger)');

      // The station page: read the device model, take an EVSE out of service, set a variable, ask for a heartbeat.
      await page.goto(`${url}/stations/OPS1`);
      await loaded(page);
      await page.locator('#station-ops button[data-op="report"]').click();
      await see.text(page, '#op-result', w.report);
      await station.idle();
      await page.reload();
      await loaded(page);
      await page.locator('#evses tbody tr[data-evse="2"] button').first().click();
      await see.text(page, '#op-result', w.availability);
      await loaded(page); // the page reads the station again after an operation; its inputs are new after that
      const heartbeat = page.getByLabel('OCPPCommCtrlr HeartbeatInterval');
      await heartbeat.fill(lang === 'da' ? '120' : '90');
      await heartbeat.press('Enter');
      await see.text(page, '#dm-status', w.set);
      await expect.poll(() => page.locator('#device-model tbody tr', { hasText: 'HeartbeatInterval' }).locator('td').last().innerText()).toBe(w.meaning);
      await page.locator('#station-ops button[data-op="trigger-heartbeat"]').click();
      await see.text(page, '#op-result', w.heartbeat);
      await loaded(page);
      await screenshot(page, `lang-admin-station-ops-${lang}`);
      await check('/stations/OPS1');
      // Put EVSE 2 back for the next language.
      await page.locator('#evses tbody tr[data-evse="2"] button').first().click();
      await see.text(page, '#op-result', /^Accepted: /);

      expect(found).toEqual([]);
      expect(errors).toEqual([]);
      await ctx.close();
    }, 180_000);
  }
});
