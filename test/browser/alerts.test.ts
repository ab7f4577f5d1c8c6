/**
 * A fleet manager sees an offline alert open and close (issue 17, "Done means"): the real product on a ManualClock,
 * a scripted station over real OCPP that disconnects and reconnects, the fleet and station pages in real Chromium,
 * at desk and phone width (screenshots in test/artifacts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { PlanningStation } from '../helpers/planning-station.js';
import { launch, logIn, newContext, screenshot, see, startProduct, watchErrors, type Product } from './fixture.js';

let product: Product;
let browser: Browser;
const stations: PlanningStation[] = [];

beforeAll(async () => {
  [product, browser] = await Promise.all([startProduct(), launch()]);
  for (const id of ['CS1', 'CS2']) {
    const cs = await PlanningStation.connect(product.server, { id, evses: id === 'CS1' ? 2 : 1 });
    await cs.boot();
    stations.push(cs);
  }
}, 120_000);
afterAll(async () => {
  for (const s of stations) await s.cs.close().catch(() => undefined);
  await browser?.close();
  await product?.close();
}, 120_000);

async function evaluate(ms: number): Promise<void> {
  await product.server.running.alerts.settled();
  product.clock.advance(ms);
  await product.server.running.alerts.settled();
}

describe('alerts on the fleet and station pages', { timeout: 180_000 }, () => {
  it('a fleet manager sees CS1 go offline, then the alert close when it reconnects', async () => {
    // CS1 loses its connection; five minutes later (config alerts.offlineMinutes) the alert opens.
    const gone = product.server.running.events.once('station.disconnected', (e) => e.stationId === 'CS1');
    await stations[0]!.cs.close();
    await gone;
    await evaluate(6 * 60_000);
    for (const size of ['desk', 'phone'] as const) {
      const context = await newContext(browser, size);
      const page = await context.newPage();
      const errors = watchErrors(page);
      await logIn(page, product.url, 'fiona');
      await page.waitForURL(/\/fleet/);
      await see.text(page, '#alerts-panel li[data-kind="station-offline"][data-state="open"]', /CS1 has been offline since/);
      await see.text(page, '#alerts-panel li[data-state="open"] .badge', 'critical');
      await screenshot(page, `alerts-fleet-open-${size}`);
      if (size === 'desk') {
        await page.goto(`${product.url}/stations/CS1`);
        await see.text(page, '#alerts-panel li[data-kind="station-offline"]', /CS1 has been offline since/);
        await screenshot(page, 'alerts-station-open-desk');
      }
      expect(errors).toEqual([]);
      await context.close();
    }
    // CS1 comes back: the alert closes; the page shows it among the recently closed.
    const back = await PlanningStation.connect(product.server, { id: 'CS1', evses: 2 }, false);
    stations[0] = back;
    await evaluate(5_000);
    for (const size of ['desk', 'phone'] as const) {
      const context = await newContext(browser, size);
      const page = await context.newPage();
      const errors = watchErrors(page);
      await logIn(page, product.url, 'fiona');
      await page.waitForURL(/\/fleet/);
      await see.text(page, '#alerts-panel li[data-kind="station-offline"][data-state="closed"]', /CS1 has been offline since/);
      expect(await page.locator('#alerts-panel li[data-kind="station-offline"][data-state="open"]').count()).toBe(0);
      await screenshot(page, `alerts-fleet-closed-${size}`);
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  it('a homeowner sees no alert of the depot', async () => {
    const res = await product.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'hans', password: 'correct horse battery staple' } });
    const cookie = res.cookies.find((c) => c.name === 'cp_session')!.value;
    const list = await product.app.inject({ method: 'GET', url: '/api/v1/alerts', cookies: { cp_session: cookie } });
    expect(list.statusCode).toBe(200);
    expect((list.json().alerts as { siteId: string }[]).every((a) => a.siteId === 'home-h')).toBe(true);
  });
});
