/**
 * The remote operations on the real product (startTestServer: main.ts on a ManualClock, its database, OCPP server,
 * scheduler and HTTP app) with simulated stations connected over real WebSockets. Every frame a station sends is
 * checked against the official schemas; requests go to the app with inject() as an admin, a fleet manager of each
 * fleet, or a homeowner.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { issueApiToken } from '../../src/http/auth/api-tokens.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import type { ApiTokenGrant } from '../../src/domain/prices.js';
import { OcppValidator } from '../../src/ocpp/rpc/validator.js';
import { SimulatedStation, type StationOptions } from '../../src/simulator/station.js';
import type { Frame } from '../../src/simulator/ocpp-client.js';
import { car } from '../../src/simulator/car.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ADMIN, fleet, home } from './helpers/auth-app.js';

export const PASSWORD = 'sim-password-123';
const validator = new OcppValidator();

const site = (id: string, group: string, evses: [string, number][]) => ({
  id, name: id, fleet: group, timeZone: 'Europe/Copenhagen', tariff: 'Z1', gridLimitKw: 44, slotMinutes: 15,
  evses: evses.map(([stationId, evseId]) => ({ stationId, evseId, maxKw: 11 })),
  policy: { debounceSeconds: 2, defaultDeparture: '07:00', defaultEnergyKwh: 20, defaultLimitKw: 4.2 },
});

export const CONFIG = {
  prices: { zones: [{ id: 'Z1', currency: 'EUR', timeZone: 'Europe/Copenhagen' }], tariffs: { Z1: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'market', zone: 'Z1' } } } },
  sites: [
    site('depot-a', 'fleet-a', [['OPS1', 1], ['OPS1', 2], ['OPS2', 1], ['OPS3', 1], ['OPS4', 1]]),
    site('depot-b', 'fleet-b', [['OPS-B', 1]]),
  ],
  ocpp: { acceptUnknownIdTokens: true, callTimeoutSeconds: 30 },
};

export interface OpsFixture {
  server: TestServer;
  stations: Map<string, SimulatedStation>;
  /** Frames each station sent that fail the official schemas (must stay empty). */
  schemaErrors: string[];
  /** Every frame each station received, by station. */
  received: Map<string, Frame[]>;
  as(who: 'admin' | 'fmA' | 'fmB' | 'home' | 'anonymous', opts: InjectOptions): Promise<LightMyRequestResponse>;
  post(who: 'admin' | 'fmA' | 'fmB' | 'home', stationId: string, path: string, body?: unknown): Promise<LightMyRequestResponse>;
  station(id: string, opts?: Partial<StationOptions>): Promise<SimulatedStation>;
  close(): Promise<void>;
}

/** Validates every CALL and CALLRESULT a station sends (a CALLRESULT against the action of the CALL it answers). */
function schemaTap(errors: string[], received: Frame[]) {
  const actionOf = new Map<string, string>();
  return (direction: 'sent' | 'received', frame: Frame) => {
    const [type, id] = frame as [number, string];
    if (direction === 'received') {
      received.push(frame);
      if (type === 2) actionOf.set(id, frame[2] as string);
      return;
    }
    const [action, kind, payload] = type === 2 ? [frame[2] as string, 'Request' as const, frame[3]] : [actionOf.get(id), 'Response' as const, frame[2]];
    if (type === 4 || !action) return;
    const failure = validator.validate(action, kind, payload);
    if (failure) errors.push(`${action}${kind}: ${JSON.stringify(failure)} in ${JSON.stringify(payload)}`);
  };
}

export async function opsFixture(extra: Record<string, unknown> = {}): Promise<OpsFixture> {
  const server = await startTestServer({ ...CONFIG, ...extra } as never);
  const tokens: Record<string, string> = {};
  const grants: Record<string, ApiTokenGrant> = { admin: ADMIN, fmA: fleet('fleet-a'), fmB: fleet('fleet-b'), home: home('fleet-a') };
  for (const [who, grant] of Object.entries(grants)) {
    tokens[who] = (await issueApiToken(new ApiTokenRepository(server.running.db), server.clock, { name: who, grants: [grant] })).token;
  }
  const stations = new Map<string, SimulatedStation>();
  const received = new Map<string, Frame[]>();
  const schemaErrors: string[] = [];
  const f: OpsFixture = {
    server, stations, schemaErrors, received,
    as: (who, opts) => server.running.http.inject({ ...opts, headers: { ...(opts.headers ?? {}), ...(tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {}) } }),
    post: (who, stationId, path, body) => f.as(who, {
      method: 'POST', url: `/api/v1/stations/${encodeURIComponent(stationId)}/${path}`,
      ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
    }),
    async station(id, opts = {}) {
      await server.addStation(id, PASSWORD);
      const frames: Frame[] = [];
      received.set(id, frames);
      const station = new SimulatedStation({
        id, password: PASSWORD, url: `${server.wsUrl}/ocpp`, clock: server.clock, txUpdatedIntervalS: 300, evses: 1,
        tap: schemaTap(schemaErrors, frames), ...opts,
      });
      stations.set(id, station);
      const caps = server.running.events.once('station.capabilities', (e) => e.stationId === id);
      station.start();
      await station.idle();
      await caps;
      return station;
    },
    async close() {
      for (const s of stations.values()) await s.stop();
      await server.stop();
      expect(schemaErrors).toEqual([]);
    },
  };
  return f;
}

/** Plugs a car in (the station starts a transaction) and resolves with the id the server stored. */
export async function arrive(f: OpsFixture, station: SimulatedStation, evseId = 1, idToken = `CAR-${station.id}-${evseId}`): Promise<string> {
  const started = f.server.running.events.once('transaction.event', (e) => e.stationId === station.id && e.eventType === 'Started');
  station.plugIn(evseId, car({ idToken, maxPowerKW: 11, batteryKWh: 60 }, 20));
  await station.idle();
  return (await started).transaction.transactionId;
}

/** The stored connector statuses of a station's EVSEs, `evseId -> status`. */
export async function statuses(f: OpsFixture, stationId: string): Promise<Record<number, string>> {
  const evses = await f.server.running.repositories.evses.evses(stationId);
  return Object.fromEntries(evses.map((e) => [e.evseId, e.connectors[0]?.status ?? 'none']));
}
