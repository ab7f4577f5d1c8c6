/**
 * Firmware on the station page (issue 17, L01) in real Chromium against the real product with a simulated station
 * over WebSockets: an admin uploads an image, updates the station and watches the timeline reach Installed, with the
 * new version read at the station's next boot. Screenshots at desktop and phone width.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SimulatedStation } from '../../src/simulator/station.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { CONFIG } from '../http/api-operations-fixture.js';
import { image } from '../operations/firmware-fixture.js';
import { PASSWORD, launch, logIn, newContext, screenshot, see, watchErrors } from './fixture.js';
import { addAda } from './setups.js';

let server: TestServer;
let browser: Browser;
let station: SimulatedStation;
const dir = mkdtempSync(join(tmpdir(), 'fw-browser-'));

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startTestServer({ ...CONFIG, http: { host: '127.0.0.1', port: 0, cookieSecure: false }, files: { dir } } as never),
    launch(),
  ]);
  await addAda(server);
  await server.addStation('OPS1', 'sim-password-123');
  station = new SimulatedStation({ id: 'OPS1', password: 'sim-password-123', url: `${server.wsUrl}/ocpp`, clock: server.clock, evses: 1, txUpdatedIntervalS: 0 });
  const caps = server.running.events.once('station.capabilities', (e) => e.stationId === 'OPS1');
  station.start();
  await station.idle();
  await caps;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await station?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('firmware on the station page', () => {
  it('an admin uploads an image, updates the station and watches the timeline reach Installed', async () => {
    const url = `http://127.0.0.1:${server.running.ports.http}`;
    const page = await (await newContext(browser, 'desk')).newPage();
    const errors = watchErrors(page);
    await logIn(page, url, 'ada');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${url}/stations/OPS1`);
    await see.text(page, '#fw-version', '1.0.0');
    await page.getByText('Upload an image').click();
    await page.getByLabel('Version').fill('7.1.0');
    await page.getByLabel('File').setInputFiles({ name: 'charger-7.1.0.bin', mimeType: 'application/octet-stream', buffer: image('7.1.0') });
    await page.getByRole('button', { name: 'Upload' }).click();
    await see.text(page, '#fw-result', /Stored charger-7\.1\.0\.bin/);

    const down = server.running.events.once('station.disconnected', (e) => e.stationId === 'OPS1');
    const installed = server.running.events.once('firmware.job', (e) => e.stationId === 'OPS1' && e.state === 'Installed');
    await page.getByRole('button', { name: 'Update firmware' }).click();
    await see.text(page, '#fw-result', /Sent/);
    // The station downloads, installs and goes down to reboot; its clock then passes the reboot delay.
    await down;
    server.clock.advance(10_000);
    await installed;
    await server.running.maintenance.rollouts.done();
    await page.reload();
    await see.text(page, '#fw-timeline li[data-status="Installed"]', /Installed/);
    await see.text(page, '#fw-version', '7.1.0');
    const steps = await page.locator('#fw-timeline li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-status')));
    expect(steps.filter((s) => s !== 'Booted').reverse()).toEqual(['UpdateFirmware', 'Downloading', 'Downloaded', 'Installing', 'InstallRebooting', 'Installed']);
    await screenshot(page, 'station-firmware-desk');

    const phone = await (await newContext(browser, 'phone')).newPage();
    await logIn(phone, url, 'ada');
    await phone.waitForURL((u) => !u.pathname.startsWith('/login'));
    await phone.goto(`${url}/stations/OPS1`);
    await see.text(phone, '#fw-timeline li[data-status="Installed"]', /Installed/);
    await phone.locator('#firmware-panel').scrollIntoViewIfNeeded();
    await screenshot(phone, 'station-firmware-phone');
    expect(errors).toEqual([]);
  }, 120_000);
});
