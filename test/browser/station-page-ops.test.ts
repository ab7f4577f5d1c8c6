/**
 * The station page (issue 17) in real Chromium against the real product with a simulated station over WebSockets:
 * a fleet manager opens the station, takes an EVSE out of service and back, reads the device model and edits a
 * variable, each time reading the station's answer on the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { SimulatedStation } from '../../src/simulator/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { PASSWORD, logIn, newContext, screenshot, see, watchErrors } from './fixture.js';
import { productWithStation } from './setups.js';

let server: TestServer;
let browser: Browser;
let station: SimulatedStation;

beforeAll(async () => {
  ({ server, browser, station } = await productWithStation('OPS1', 2));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await station?.stop();
  await server?.stop();
});

describe('the station page', () => {
  it('a fleet manager takes EVSE 1 out of service and back, reads the device model and sets a variable', async () => {
    const url = `http://127.0.0.1:${server.running.ports.http}`;
    const page = await (await newContext(browser, 'desk')).newPage();
    const errors = watchErrors(page);
    await logIn(page, url, 'fiona');
    await see.url(page, /\/fleet$/);
    await page.goto(`${url}/stations/OPS1`);
    await see.text(page, '#station-facts', /online/);
    await see.text(page, '#evses tbody tr[data-evse="1"] .status', 'Available');
    await see.text(page, '#capabilities', /RateUnit/);

    await page.getByRole('button', { name: 'Take EVSE 1 out of service' }).click();
    await see.text(page, '#op-result', 'Accepted: EVSE 1 is Inoperative now');
    await station.idle();
    await page.getByRole('button', { name: 'Ask for status' }).click();
    await see.text(page, '#op-result', /Accepted: the station sends StatusNotification now/);
    await see.text(page, '#evses tbody tr[data-evse="1"] .status', 'Unavailable');
    expect(Object.fromEntries((await server.running.repositories.evses.evses('OPS1')).map((e) => [e.evseId, e.connectors[0]!.status]))).toEqual({ 1: 'Unavailable', 2: 'Available' });

    await page.getByRole('button', { name: 'Put EVSE 1 back in service' }).click();
    await see.text(page, '#op-result', 'Accepted: EVSE 1 is Operative now');

    await page.getByRole('button', { name: 'Read device model' }).click();
    await see.text(page, '#op-result', /Accepted: the station sends its FullInventory/);
    await station.idle();
    await page.reload();
    await see.text(page, '#dm-status', '21 variables');
    const heartbeat = page.getByLabel('OCPPCommCtrlr HeartbeatInterval');
    await heartbeat.fill('120');
    await heartbeat.press('Enter');
    await see.text(page, '#dm-status', 'OCPPCommCtrlr.HeartbeatInterval: Accepted (set)');
    await see.text(page, '#frames tbody', /GetBaseReport/);
    await screenshot(page, 'station-page');
    expect(errors).toEqual([]);
  }, 90_000);
});
