/**
 * The demo's firmware update (issue 17: "the demo shows the station page and a firmware update on one charger"): on
 * the demo's own product and world (ManualClock, ports 0, a temporary database), the admin's image goes to the depot's
 * last charger at the start of the day; the simulated charger downloads it over real HTTP, installs it, reboots with
 * the new version, and each status is printed as the demo prints it, with the station page's address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FIRMWARE_VERSION, startDemoFirmware, type DemoFirmware } from '../../src/cli/demo/firmware.js';
import { startDemo, type Demo } from '../../src/cli/demo/start.js';
import { testDatabase, type TestDatabase } from '../helpers/test-database.js';

let database: TestDatabase;
let demo: Demo;
let firmware: DemoFirmware;
const lines: string[] = [];

beforeAll(async () => {
  // The demo starts only on an empty database (it checks that it applied the first migration itself).
  database = await testDatabase({ file: true, empty: true });
  demo = await startDemo({ database: database.options, httpPort: 0, ocppPort: 0, host: '127.0.0.1', hours: 2, scrypt: { N: 1024, r: 8, p: 1 } });
  firmware = await startDemoFirmware(demo.world.running, {
    stationId: demo.depot.evses.at(-1)!.stationId, baseUrl: demo.urls.base, timeZone: demo.window.timeZone, now: () => demo.clock.now(), out: (l) => lines.push(l),
  });
  // Half an hour of the demo's one-minute lock-steps: download, install, reboot.
  await demo.world.runUntil(demo.window.start + 30 * 60_000, 60_000, () => undefined);
}, 300_000);

afterAll(async () => {
  await demo?.stop();
  await database?.drop();
});

describe('the demo firmware update', { timeout: 120_000 }, () => {
  it('updates the depot\'s last charger to the new version, printing each status (L01) and the station page', async () => {
    expect(firmware.stationId).toBe('DEPOT-20');
    expect(firmware.pageUrl).toBe(`${demo.urls.base}/stations/DEPOT-20`);
    expect(await firmware.finished).toBe('Installed');
    const statuses = lines.map((l) => /firmware DEPOT-20: (\S+)/.exec(l)?.[1]);
    // L01.FR.01..: Downloading, Downloaded, (SignatureVerified when signed), Installing, Installed after the reboot.
    for (const s of ['Downloading', 'Downloaded', 'Installing', 'Installed']) expect(statuses).toContain(s);
    expect(statuses.indexOf('Downloading')).toBeLessThan(statuses.indexOf('Installed'));
    expect(lines[0]).toMatch(/^Mon 27 Oct 12:\d\d {2}firmware DEPOT-20: /);
    const jobs = await demo.world.running.maintenance.firmwareStore.jobs(firmware.rolloutId);
    expect(jobs).toMatchObject([{ stationId: 'DEPOT-20', state: 'Installed', bootVersion: DEMO_FIRMWARE_VERSION }]);
  });

  it('serves the station page to the admin the demo prints', async () => {
    const res = await fetch(firmware.pageUrl, { redirect: 'manual' });
    // Not logged in: sent to the login page the banner names; the page exists for a signed-in admin.
    expect([302, 303]).toContain(res.status);
    expect(res.headers.get('location')).toMatch(/^\/login/);
  });
});
