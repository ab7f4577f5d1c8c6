/**
 * The stations list shows each station's security profile and, for profile 3, when its certificate expires, with a
 * warning within 30 days (A03.FR.02's month): the API on the real product and the fleet page in real Chromium.
 * CS1 connects with a certificate that runs out in 20 days, CS2 with one valid for a year, both over real TLS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ManualClock } from '../../src/platform/clock.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import { makeCa, stationCert, writeCa, type StationCredentials } from '../helpers/test-pki.js';
import { CONFIG, PASSWORD, T0, launch, logIn, newContext, screenshot, see, watchErrors } from './fixture.js';

const ORG = 'Chargeplan Test CSO';
const DAY = 86_400_000;
let server: TestServer;
let browser: Browser;
let dir: string;
const connected: ScriptedStation[] = [];
let soon: StationCredentials;
let later: StationCredentials;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chargeplan-fleet-pki-'));
  const ca = await makeCa(`CN=Chargeplan Test Root, O=${ORG}`, '2026-01-01T00:00:00Z');
  const files = writeCa(ca, dir);
  const clock = new ManualClock(T0);
  [server, browser] = await Promise.all([
    startTestServer({
      ...CONFIG,
      http: { host: '127.0.0.1', port: 0, cookieSecure: false },
      ocpp: { tlsPort: 0, tls: { certFile: 'test/fixtures/tls/server.crt', keyFile: 'test/fixtures/tls/server.key', ...files } },
    } as never, { clock }),
    launch(),
  ]);
  await createUser(new UserRepository(server.running.db), clock, {
    username: 'fiona', name: 'Fiona', password: PASSWORD, grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }],
  }, { N: 1024, r: 8, p: 1 });
  // CS1's certificate ends 20 days after T0, CS2's a year after.
  const from = new Date(Date.parse(T0) - 40 * DAY).toISOString();
  soon = await stationCert(ca, `CN=CS1, O=${ORG}`, from, 60);
  later = await stationCert(ca, `CN=CS2, O=${ORG}`, from, 405);
  for (const [id, creds] of [['CS1', soon], ['CS2', later]] as const) {
    await server.addStation(id, '', 3);
    const cs = await ScriptedStation.connect(`wss://127.0.0.1:${server.running.ports.ocppTls}`, {
      id, ca: readFileSync('test/fixtures/tls/server.crt'), cert: creds.certPem, key: creds.keyPem,
    });
    // CS1's certificate runs out soon: the server asks it to renew (A02) after its boot, and the page's button again.
    cs.respond('GetVariables', smartChargingVariables()).respond('TriggerMessage', () => ({ status: 'Accepted' }));
    await cs.boot([{ evseId: 1, connectors: 1 }, { evseId: 2, connectors: 1 }]);
    connected.push(cs);
  }
}, 60_000); // the product, Chromium and two TLS stations: more than the default 20 s on a loaded machine

afterAll(async () => {
  await browser?.close();
  for (const cs of connected) await cs.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the stations list: security profile and certificate expiry', () => {
  it('the API gives each station its profile and its certificate, flagged within 30 days of its end', async () => {
    const { token } = await issueApiToken(new ApiTokenRepository(server.running.db), server.clock, {
      name: 'north', grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' }],
    });
    const res = await server.running.http.inject({ url: '/api/v1/sites/north-depot/stations', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    const byId = Object.fromEntries((res.json() as { stationId: string }[]).map((s) => [s.stationId, s]));
    expect(byId.CS1).toMatchObject({
      securityProfile: 3,
      certificate: { serial: soon.cert.serialNumber.toUpperCase(), subject: `CN=CS1, O=${ORG}`, notAfter: soon.cert.notAfter.toISOString(), expiresSoon: true },
    });
    expect(Date.parse(soon.cert.notAfter.toISOString()) - server.clock.now()).toBe(20 * DAY);
    expect(byId.CS2).toMatchObject({ securityProfile: 3, certificate: { notAfter: later.cert.notAfter.toISOString(), expiresSoon: false } });
  });

  it('the fleet page shows the profile and the expiry, with a warning for the one that runs out', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    const errors = watchErrors(page);
    await logIn(page, `http://127.0.0.1:${server.running.ports.http}`, 'fiona');
    await see.text(page, '#stations tr[data-station="CS1"] th', 'Security profile 3');
    await see.text(page, '#stations tr[data-station="CS1"] [data-certificate="expires-soon"]', `certificate until ${soon.cert.notAfter.toISOString().slice(0, 10)}: renew`);
    await see.text(page, '#stations tr[data-station="CS2"] [data-certificate="valid"]', `certificate until ${later.cert.notAfter.toISOString().slice(0, 10)}`);
    await see.count(page, '#stations tr[data-station="CS2"] [data-certificate="expires-soon"]', 0);
    expect(errors).toEqual([]);
    await screenshot(page, 'fleet-station-security');
    await context.close();
  }, 60_000);

  it('"Renew now" beside the warning asks the station for a new certificate (A02) through the API and says what it answered', async () => {
    const context = await newContext(browser, 'desk');
    const page = await context.newPage();
    const errors = watchErrors(page);
    await logIn(page, `http://127.0.0.1:${server.running.ports.http}`, 'fiona');
    await see.count(page, '#stations tr[data-station="CS2"] button[data-renew]', 0);
    const trigger = connected[0]!.nextCall('TriggerMessage');
    await page.locator('#stations tr[data-station="CS1"] button[data-renew="CS1"]').click();
    expect(await trigger).toEqual({ requestedMessage: 'SignChargingStationCertificate' });
    await see.text(page, '#stations tr[data-station="CS1"] [data-renewal="CS1"]', 'station asked now: Accepted');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
