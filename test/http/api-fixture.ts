/**
 * The resource API on the real product: startTestServer runs main.ts (its test database, OCPP server, scheduler, prices,
 * and the HTTP app with the API as main.ts wires it) on a ManualClock; requests go to that app with inject().
 * Tokens for each role and scope; vehicles in two fleets and two homes. `deps` are the same pieces as ApiDeps, for
 * tests that build an app of their own and for reading the stores.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { ApiDeps } from '../../src/http/api/index.js';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ManualClock } from '../../src/platform/clock.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { ProfileRepository } from '../../src/storage/plan-repository.js';
import { AssignmentRepository, TargetRepository, VehicleRepository } from '../../src/storage/vehicle-repository.js';
import type { ApiTokenGrant } from '../../src/domain/prices.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { publishPrices, settle } from '../helpers/depot.js';
import { PlanningStation } from '../helpers/planning-station.js';

export const T0 = '2026-11-23T16:00:00Z'; // Monday 17:00 in Copenhagen and Berlin

const site = (id: string, fleet: string, evses: { stationId: string; evseId: number }[], extra: Record<string, unknown> = {}) => ({
  id, fleet, timeZone: 'Europe/Copenhagen', tariff: 'depot', gridLimitKw: 40, slotMinutes: 15,
  evses: evses.map((e) => ({ ...e, maxKw: 11 })), policy: { debounceSeconds: 2, defaultDeparture: '07:00', defaultEnergyKwh: 20 }, ...extra,
});

export const CONFIG = {
  prices: {
    zones: [{ id: 'TEST', currency: 'EUR', timeZone: 'Europe/Copenhagen' }],
    tariffs: { depot: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'market', zone: 'TEST' } } },
  },
  sites: [
    site('north-depot', 'north', [{ stationId: 'CS1', evseId: 1 }, { stationId: 'CS1', evseId: 2 }], { name: 'North depot', circuits: [{ id: 'row-a', limitKw: 22 }] }),
    site('south-depot', 'south', [{ stationId: 'CS2', evseId: 1 }]),
    site('home-h', 'home-h', [{ stationId: 'HOME-H', evseId: 1 }], { timeZone: 'Europe/Berlin' }),
    site('home-g', 'home-g', [{ stationId: 'HOME-G', evseId: 1 }], { timeZone: 'Europe/Berlin' }),
  ],
};
// row-a in the first site's EVSEs
CONFIG.sites[0]!.evses.forEach((e) => Object.assign(e, { circuit: 'row-a' }));

export const GRANTS = {
  admin: { role: 'admin', scopeKind: 'all', scopeId: '*' },
  north: { role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'north' },
  south: { role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'south' },
  homeH: { role: 'homeowner', scopeKind: 'home', scopeId: 'home-h' },
  homeG: { role: 'homeowner', scopeKind: 'home', scopeId: 'home-g' },
  publisher: { role: 'tariff-publisher', scopeKind: 'price-zone', scopeId: 'TEST' },
} satisfies Record<string, ApiTokenGrant>;
export type Who = keyof typeof GRANTS | 'anonymous';

export interface ApiFixture {
  server: TestServer;
  app: FastifyInstance;
  deps: ApiDeps;
  clock: ManualClock;
  tokens: Record<keyof typeof GRANTS, string>;
  /** app.inject as `who` (Bearer token; none for anonymous). */
  as(who: Who, opts: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export function apiDepsOf(server: TestServer): ApiDeps {
  const r = server.running;
  const db = r.db;
  return {
    scheduler: r.scheduler,
    sites: r.scheduler.index.sites,
    stores: {
      ...r.repositories,
      vehicles: new VehicleRepository(db),
      targets: new TargetRepository(db),
      assignments: new AssignmentRepository(db),
      profiles: new ProfileRepository(db),
    },
    prices: r.pricing.sitePrices,
    stations: r.ocpp,
    events: r.events,
    clock: server.clock,
  };
}

/** Two vans of fleet north, one of south, one car per home. */
export async function addVehicles(server: TestServer): Promise<void> {
  const s = server.running.scheduler;
  const v = (id: string, fleet: string, token: string) =>
    s.upsertVehicle({ id, name: `${id} name`, fleet, batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: [token] });
  await v('VAN-1', 'north', 'TOKEN-1');
  await v('VAN-2', 'north', 'TOKEN-2');
  await v('VAN-S', 'south', 'TOKEN-S');
  await v('CAR-H', 'home-h', 'TOKEN-H');
  await v('CAR-G', 'home-g', 'TOKEN-G');
}

export async function startApi(start: string = T0): Promise<ApiFixture> {
  const clock = new ManualClock(start);
  const server = await startTestServer(CONFIG as never, { clock });
  await addVehicles(server);
  const deps = apiDepsOf(server);
  const tokenStore = new ApiTokenRepository(server.running.db);
  const app = server.running.http;
  const tokens = Object.fromEntries(await Promise.all(
    Object.entries(GRANTS).map(async ([who, grant]) => [who, (await issueApiToken(tokenStore, clock, { name: who, grants: [grant] })).token]),
  )) as Record<keyof typeof GRANTS, string>;
  return {
    server, app, deps, clock, tokens,
    as(who, opts) {
      const headers = { ...(opts.headers ?? {}), ...(who === 'anonymous' ? {} : { authorization: `Bearer ${tokens[who]}` }) };
      return app.inject({ ...opts, headers });
    },
    async close() {
      await server.stop();
    },
  };
}

/** VAN-1 plugs in at CS1 EVSE 1 with a one-off target; prices published; the scheduler plans and pushes. */
export async function planVan1(f: ApiFixture, energyKwh = 10): Promise<PlanningStation> {
  await publishPrices(f.server, T0, Array.from({ length: 40 }, (_, h) => (h === 9 ? 0.05 : h === 10 ? 0.1 : 0.3)));
  const cs = await PlanningStation.connect(f.server, { id: 'CS1', evses: 2 });
  await cs.boot();
  await f.server.running.scheduler.setTarget('VAN-1', { kind: 'once', departure: '2026-11-24T07:00', energyKwh });
  await cs.startTransaction(1, 'TX-1', 'TOKEN-1');
  await settle(f.server);
  return cs;
}
