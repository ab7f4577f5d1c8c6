/**
 * The world the role x route matrix walks (issue 20): the real product (startTestServer runs main.ts on a SQLite
 * file and a ManualClock) with two fleets and two households, one site each, in two price zones; a van or car per
 * group, the vans plugged in at their depots (real OCPP stations) so plans, sessions and boosts exist; and the
 * principals: nobody, an admin, a fleet manager and a homeowner per group, a tariff publisher per zone, and an API
 * token narrower than the user who minted it. People log in with the session cookie (and send the CSRF token on
 * writes); publishers and the narrow token call with Bearer tokens.
 */
import type { LightMyRequestResponse } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCa, writeCa } from '../helpers/test-pki.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { createUser } from '../../src/http/auth/user-accounts.js';
import { ManualClock } from '../../src/platform/clock.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { UserRepository } from '../../src/storage/user-repository.js';
import type { ApiTokenGrant } from '../../src/domain/prices.js';
import { settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { FAST, PASSWORD, cookieOf } from './helpers/auth-app.js';

export const T0 = '2026-11-23T16:00:00Z'; // Monday 17:00 in Copenhagen
export const MONTH = '2026-11';

/** The groups (fleets and households) and what belongs to each. */
export const GROUPS = {
  'fleet-a': { site: 'site-a', vehicle: 'VAN-A', idToken: 'TOKEN-A', station: 'CS-A', zone: 'Z1' },
  'fleet-b': { site: 'site-b', vehicle: 'VAN-B', idToken: 'TOKEN-B', station: 'CS-B', zone: 'Z2' },
  'home-1': { site: 'site-h1', vehicle: 'CAR-H1', idToken: 'TOKEN-H1', station: 'CS-H1', zone: 'Z1' },
  'home-2': { site: 'site-h2', vehicle: 'CAR-H2', idToken: 'TOKEN-H2', station: 'CS-H2', zone: 'Z2' },
} as const;
export type Group = keyof typeof GROUPS;
export const GROUP_IDS = Object.keys(GROUPS) as Group[];
export const ZONES = ['Z1', 'Z2'] as const;

const zone = (id: string) => ({ id, currency: 'EUR', timeZone: 'Europe/Copenhagen' });
const tariff = (z: string) => ({ currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'market', zone: z } });
export const CONFIG = {
  prices: { zones: ZONES.map(zone), tariffs: { Z1: tariff('Z1'), Z2: tariff('Z2') } },
  sites: GROUP_IDS.map((g) => ({
    id: GROUPS[g].site, name: `${g} site`, fleet: g, timeZone: 'Europe/Copenhagen', tariff: GROUPS[g].zone, gridLimitKw: 22, slotMinutes: 15,
    evses: [{ stationId: GROUPS[g].station, evseId: 1, maxKw: 11 }],
    policy: { debounceSeconds: 2, defaultDeparture: '07:00', defaultEnergyKwh: 20 },
  })),
};

const grant = {
  admin: (): ApiTokenGrant => ({ role: 'admin', scopeKind: 'all', scopeId: '*' }),
  fleet: (id: string): ApiTokenGrant => ({ role: 'fleet-manager', scopeKind: 'fleet', scopeId: id }),
  home: (id: string): ApiTokenGrant => ({ role: 'homeowner', scopeKind: 'home', scopeId: id }),
  publisher: (id: string): ApiTokenGrant => ({ role: 'tariff-publisher', scopeKind: 'price-zone', scopeId: id }),
};
export { grant };

export interface Principal {
  name: string;
  auth: 'none' | 'cookie' | 'bearer';
  grants: ApiTokenGrant[];
  /** The user on whose behalf it manages tokens (docs/auth.md); null for nobody and for CLI tokens. */
  owner: string | null;
  cookie?: string;
  csrf?: string;
  bearer?: string;
  /** A spare API token of the same owner, for "revoke your own token". */
  ownTokenId?: string;
}

export const PEOPLE: Record<string, ApiTokenGrant[]> = {
  admin: [grant.admin()],
  'fm-a': [grant.fleet('fleet-a')],
  'fm-b': [grant.fleet('fleet-b')],
  'ho-1': [grant.home('home-1')],
  'ho-2': [grant.home('home-2')],
  // Mints the narrow token: it holds more than the token gets.
  multi: [grant.fleet('fleet-a'), grant.home('home-1')],
  // Issue 16: a grant over one site (reads site-a only).
  'sv-a': [{ role: 'site-viewer', scopeKind: 'site', scopeId: 'site-a' }],
};

export interface World {
  server: TestServer;
  principals: Principal[];
  stations: PlanningStation[];
  /** app.inject as `p`: its cookie (and CSRF token on unsafe methods unless `csrf: false`) or its Bearer token. */
  as(p: Principal, opts: { method: string; url: string; payload?: unknown; headers?: Record<string, string> }, csrf?: boolean): Promise<LightMyRequestResponse>;
  /** Puts every group's vehicle back as it was (a permitted write may have changed it). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** One interval per hour for 40 hours from T0, through the real intake. */
async function publish(server: TestServer, z: string): Promise<void> {
  const start = Date.parse(T0);
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', '+00:00');
  const intervals = Array.from({ length: 40 }, (_, h) => ({ start: iso(start + h * 3_600_000), end: iso(start + (h + 1) * 3_600_000), price: h === 9 ? 0.05 : 0.3 }));
  const result = server.running.pricing.intake.validate({ format: 'json', body: { zone: z, currency: 'EUR', resolution: 'PT60M', intervals } });
  if (!result.ok) throw new Error(`prices refused: ${JSON.stringify(result.issues)}`);
  await server.running.pricing.intake.apply(result.publication, 'test');
}

export function vehicleBody(group: Group | null, idToken: string) {
  return { name: 'a car', ...(group ? { fleet: group } : {}), batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: [idToken] };
}

/** A profile 3 station on no site (admins only): the one station whose certificate policy can be set. */
export const PROFILE3_STATION = 'CS-P3';

export async function startWorld(): Promise<World> {
  const clock = new ManualClock(T0);
  // A CA with its key, so that station certificates can be renewed (A02); no TLS port is needed for that.
  const pkiDir = mkdtempSync(join(tmpdir(), 'chargeplan-matrix-pki-'));
  const ca = writeCa(await makeCa('CN=Matrix Test Root, O=Chargeplan', '2026-01-01T00:00:00Z'), pkiDir);
  const server = await startTestServer({
    ...CONFIG,
    ocpp: { tls: { certFile: 'test/fixtures/tls/server.crt', keyFile: 'test/fixtures/tls/server.key', ...ca } },
  } as never, { clock });
  await server.addStation(PROFILE3_STATION, '', 3);
  const app = server.running.http;
  const scheduler = server.running.scheduler;
  const restore = async () => {
    for (const g of GROUP_IDS) await scheduler.upsertVehicle({ ...vehicleBody(g, GROUPS[g].idToken), id: GROUPS[g].vehicle, name: `${g} car` });
  };
  await restore();
  for (const z of ZONES) await publish(server, z);
  const stations: PlanningStation[] = [];
  for (const g of ['fleet-a', 'fleet-b'] as const) {
    const cs = await PlanningStation.connect(server, { id: GROUPS[g].station });
    // A02 from the certificate-renewal route: the station agrees (and sends no CSR, which is its business).
    cs.cs.respond('TriggerMessage', () => ({ status: 'Accepted' }));
    await cs.boot();
    await scheduler.setTarget(GROUPS[g].vehicle, { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 10 });
    await cs.startTransaction(1, `TX-${g}`, GROUPS[g].idToken);
    stations.push(cs);
  }
  await settle(server);

  const users = new UserRepository(server.running.db);
  const tokens = new ApiTokenRepository(server.running.db);
  const principals: Principal[] = [{ name: 'anonymous', auth: 'none', grants: [], owner: null }];
  let address = 1;
  for (const [name, grants] of Object.entries(PEOPLE)) {
    const user = await createUser(users, clock, { username: name, name, password: PASSWORD, grants }, FAST);
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: name, password: PASSWORD }, remoteAddress: `10.1.0.${address++}` });
    if (res.statusCode !== 200) throw new Error(`login ${name}: ${res.statusCode} ${res.body}`);
    const p: Principal = { name, auth: 'cookie', grants, owner: user.id, cookie: cookieOf(res)!.value, csrf: res.json().csrfToken };
    const spare = await app.inject({ method: 'POST', url: '/api/v1/tokens', cookies: { cp_session: p.cookie! }, headers: { 'x-csrf-token': p.csrf! }, payload: { name: `${name} spare` } });
    if (spare.statusCode !== 201) throw new Error(`spare token ${name}: ${spare.statusCode} ${spare.body}`);
    p.ownTokenId = spare.json().id;
    if (name === 'multi') {
      // The narrow token: minted by multi through the API with one of its two grants.
      const minted = await app.inject({ method: 'POST', url: '/api/v1/tokens', cookies: { cp_session: p.cookie! }, headers: { 'x-csrf-token': p.csrf! }, payload: { name: 'narrow', grants: [{ role: 'homeowner', scopeId: 'home-1' }] } });
      if (minted.statusCode !== 201) throw new Error(`narrow token: ${minted.statusCode} ${minted.body}`);
      principals.push({ name: 'narrow-token (home-1 of multi)', auth: 'bearer', grants: [grant.home('home-1')], owner: user.id, bearer: minted.json().token, ownTokenId: p.ownTokenId });
    } else {
      principals.push(p);
    }
  }
  for (const z of ZONES) {
    const t = await issueApiToken(tokens, clock, { name: `publisher ${z}`, grants: [grant.publisher(z)] });
    principals.push({ name: `pub-${z}`, auth: 'bearer', grants: [grant.publisher(z)], owner: null, bearer: t.token, ownTokenId: t.id });
  }

  const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
  return {
    server,
    principals,
    stations,
    restore,
    as(p, opts, csrf = true) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (p.auth === 'bearer') headers.authorization = `Bearer ${p.bearer}`;
      if (p.auth === 'cookie' && csrf && UNSAFE.has(opts.method)) headers['x-csrf-token'] = p.csrf!;
      return app.inject({
        method: opts.method as 'GET',
        url: opts.url,
        headers,
        ...(opts.payload !== undefined ? { payload: opts.payload as string } : {}),
        ...(p.auth === 'cookie' ? { cookies: { cp_session: p.cookie! } } : {}),
      });
    },
    async close() {
      for (const s of stations) await s.close();
      await server.stop();
      rmSync(pkiDir, { recursive: true, force: true });
    },
  };
}
