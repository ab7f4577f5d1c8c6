/**
 * The utilisation page (issue 17) in real Chromium against the real product: the hand-computed fixture week
 * (test/fixtures/utilisation/week.ts, Copenhagen's fall-back week) in the database; a fleet manager follows the
 * link from the fleet page, reads the saturation sentence, the heat map and the station table, changes the period,
 * and is told which field is wrong; screenshots at desk and phone width.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { ManualClock } from '../../src/platform/clock.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { seedWeek } from '../fixtures/utilisation/seed.js';
import { EVSES, NOW } from '../fixtures/utilisation/week.js';
import { PASSWORD, launch, logIn, newContext, screenshot, see, watchErrors } from './fixture.js';

const CONFIG = {
  prices: {
    zones: [{ id: 'TEST', currency: 'EUR', timeZone: 'Europe/Copenhagen' }],
    tariffs: { depot: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'market', zone: 'TEST' } } },
  },
  sites: [
    { id: 'depot', name: 'North depot', fleet: 'north', timeZone: 'Europe/Copenhagen', tariff: 'depot', gridLimitKw: 40, slotMinutes: 15, evses: EVSES.map((e) => ({ ...e, maxKw: 11 })), policy: { debounceSeconds: 2 } },
    { id: 'other', name: 'South depot', fleet: 'south', timeZone: 'Europe/Copenhagen', tariff: 'depot', gridLimitKw: 40, slotMinutes: 15, evses: [{ stationId: 'S9', evseId: 1, maxKw: 11 }], policy: { debounceSeconds: 2 } },
  ],
  http: { host: '127.0.0.1', port: 0, cookieSecure: false },
};

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(CONFIG as never, { clock: new ManualClock(NOW) }), launch()]);
  await createUser(new UserRepository(server.running.db), server.clock, {
    username: 'fiona', name: 'Fiona', password: PASSWORD, grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }],
  }, { N: 1024, r: 8, p: 1 });
  for (const id of ['S1', 'S2']) await server.addStation(id, 'station-password-123');
  await seedWeek(server.running.db);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the utilisation page', () => {
  for (const size of ['desk', 'phone'] as const) {
    it(`a fleet manager reads the fixture week (${size})`, async () => {
      const url = `http://127.0.0.1:${server.running.ports.http}`;
      const page = await (await newContext(browser, size)).newPage();
      const errors = watchErrors(page);
      await logIn(page, url, 'fiona');
      await see.url(page, /\/fleet$/);
      await page.getByRole('link', { name: 'Utilisation' }).click();
      await see.url(page, /\/utilisation/);
      // Only the manager's own site is offered.
      await see.count(page, '#site option', 1);
      await page.getByLabel('From').fill('2026-10-19');
      await page.getByLabel('Until (not included)').fill('2026-10-26');
      await page.getByRole('button', { name: 'Show' }).click();
      await see.text(page, '#saturation', 'All 3 chargers were taken 8.0 % of weekday evenings (17:00–22:00); 2 cars found none.');
      await see.text(page, '#util-summary', /19 Oct 2026 to 26 Oct 2026 \(Europe\/Copenhagen\), 169 h measured/);
      await see.text(page, '#util-summary', /104\.0 kWh/);
      // Monday 19:00: all three plugged in (100), marked as all taken; the 25-hour Sunday's 02:00 counts both hours.
      await see.attribute(page, '#heat tbody tr:nth-child(1) td:nth-of-type(20)', 'title', 'Mon 19:00–20:00: 100 % of the chargers in use, all taken 100 % of the time');
      await see.attribute(page, '#heat tbody tr:nth-child(7) td:nth-of-type(3)', 'title', 'Sun 02:00–03:00: 58 % of the chargers in use, all taken 75 % of the time');
      await see.text(page, '#util-stations tbody tr.on', /S1\s*9 %/);
      await see.text(page, '#util-stations tbody tr.sub', /EVSE 1\s*13 %\s*32 %\s*15\.0\s*2\s*70\.0\s*100 %/);
      expect(await page.locator('#csv').getAttribute('href')).toBe('/api/v1/sites/depot/utilisation.csv?from=2026-10-19&to=2026-10-26');
      await screenshot(page, `utilisation-${size}`);

      // A period the other way round: the field is named next to the form, the figures stay.
      await page.getByLabel('From').fill('2026-10-27');
      await page.getByRole('button', { name: 'Show' }).click();
      await see.text(page, '#period-error', 'to (2026-10-26) must be after from (2026-10-27)');
      expect(errors).toEqual([]);
    }, 90_000);
  }
});
