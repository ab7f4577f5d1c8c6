/**
 * The station page's message log (issue 16) in real Chromium against the real product, a simulated station over
 * WebSockets: a fleet manager sees the station's last messages in both directions (its BootNotification received,
 * our answer and our GetVariables sent), opens a long payload, and never sees a password we sent.
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
  ({ server, browser, station } = await productWithStation('OPS2', 1));
  station.sendHeartbeat();
  await station.idle();
  await server.running.ocpp.call('OPS2', 'SetVariables', {
    setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'never-on-the-page-77' }],
  });
  await server.running.ocpp.framesWritten();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await station?.stop();
  await server?.stop();
});

describe('the station page’s messages', () => {
  it('shows the last messages in both directions, newest first, a long payload opened on demand, no password', async () => {
    const url = `http://127.0.0.1:${server.running.ports.http}`;
    const page = await (await newContext(browser, 'desk')).newPage();
    const errors = watchErrors(page);
    await logIn(page, url, 'fiona');
    await see.url(page, /\/fleet$/);
    await page.goto(`${url}/stations/OPS2`);
    const rows = page.locator('#frames tbody tr');
    await see.text(page, '#frames-status', /\d+ messages/);
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-direction'), ...[...tr.querySelectorAll('td')].slice(2, 4).map((td) => td.textContent)]));
    // Newest first: our SetVariables and its answer, then the heartbeat; the boot at the bottom.
    expect(cells.slice(0, 4)).toEqual([['in', 'CALLRESULT', 'SetVariables'], ['out', 'CALL', 'SetVariables'], ['out', 'CALLRESULT', 'Heartbeat'], ['in', 'CALL', 'Heartbeat']]);
    expect(cells).toContainEqual(['in', 'CALL', 'BootNotification']);
    expect(cells).toContainEqual(['out', 'CALLRESULT', 'BootNotification']);
    expect(cells).toContainEqual(['out', 'CALL', 'GetVariables']);
    expect(await rows.first().locator('td.dir').textContent()).toBe('←received from the station');
    const body = await page.locator('#frames').textContent();
    expect(body).not.toContain('never-on-the-page-77');
    expect(body).toContain('[redacted]');
    // The boot's payload is long: a summary that opens to the whole JSON.
    const boot = page.locator('#frames tbody tr[data-direction="in"]', { hasText: 'BootNotification' }).last();
    expect(await boot.locator('pre').isVisible()).toBe(false);
    await boot.locator('summary').click();
    await boot.locator('pre').waitFor({ state: 'visible', timeout: 10_000 });
    expect(JSON.parse((await boot.locator('pre').textContent())!)).toMatchObject({ reason: 'PowerUp' });
    await screenshot(page, 'station-messages');
    expect(errors).toEqual([]);
  }, 90_000);
});
