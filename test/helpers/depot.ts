/** A depot site on the real product for the scheduler's end-to-end tests: config, prices, settling the loop. */
import { ManualClock } from '../../src/platform/clock.js';
import { startTestServer, type TestServer } from './test-server.js';

export const T0 = '2026-11-23T16:00:00Z'; // Monday 17:00 in Copenhagen
const HOUR = 3_600_000;

export function depotConfig(site: Record<string, unknown> = {}) {
  return {
    prices: {
      zones: [{ id: 'TEST', currency: 'EUR', timeZone: 'Europe/Copenhagen' }],
      tariffs: { depot: { currency: 'EUR', timeZone: 'Europe/Copenhagen', energy: { kind: 'market', zone: 'TEST' } } },
    },
    sites: [{
      id: 'depot',
      timeZone: 'Europe/Copenhagen',
      tariff: 'depot',
      gridLimitKw: 40,
      slotMinutes: 15,
      circuits: [{ id: 'row-a', limitKw: 11 }],
      evses: [
        { stationId: 'CS1', evseId: 1, circuit: 'row-a', maxKw: 11 },
        { stationId: 'CS1', evseId: 2, circuit: 'row-a', maxKw: 11 },
        { stationId: 'CS2', evseId: 1, maxKw: 11 },
      ],
      policy: { debounceSeconds: 2, defaultDeparture: '07:00', defaultEnergyKwh: 20 },
      ...site,
    }],
  };
}

export async function startDepot(site: Record<string, unknown> = {}): Promise<TestServer> {
  return startTestServer(depotConfig(site) as never, { clock: new ManualClock(T0) });
}

/** Hourly prices from `startIso` (EUR/kWh), published through the real intake (which emits prices.updated). */
export async function publishPrices(server: TestServer, startIso: string, prices: number[], minutes: 15 | 60 = 60): Promise<void> {
  const start = Date.parse(startIso);
  const step = minutes * 60_000;
  const body = {
    zone: 'TEST', currency: 'EUR', resolution: minutes === 60 ? 'PT60M' : 'PT15M',
    intervals: prices.map((price, i) => ({
      start: new Date(start + i * step).toISOString().replace('.000Z', '+00:00'),
      end: new Date(start + (i + 1) * step).toISOString().replace('.000Z', '+00:00'),
      price,
    })),
  };
  const result = server.running.pricing.intake.validate({ format: 'json', body });
  if (!result.ok) throw new Error(`prices refused: ${JSON.stringify(result)}`);
  await server.running.pricing.intake.apply(result.publication, 'test');
}

/** 40 hours from T0 at 0.30, with 0.05 in the hour from 01:00Z and 0.10 from 02:00Z on Tuesday. */
export function nightPrices(): number[] {
  return Array.from({ length: 40 }, (_, h) => (h === 9 ? 0.05 : h === 10 ? 0.1 : 0.3));
}

/** Runs every due planning cycle to the end: advances the debounce, awaits the pushes, until nothing is due. */
export async function settle(server: TestServer, stepMs = 2_000): Promise<void> {
  const s = server.running.scheduler;
  for (let i = 0; i < 50; i++) {
    await s.done();
    await new Promise((r) => setImmediate(r));
    if (!s.waiting) return;
    server.clock.advance(stepMs);
  }
  throw new Error('the scheduler did not settle');
}

/** A 60 kWh, 11 kW three-phase van identified by `token`, with a one-off target (departure in site local time). */
export async function addVan(server: TestServer, id: string, token: string, departure: string, energyKwh: number): Promise<void> {
  await server.running.scheduler.upsertVehicle({ id, name: id, fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: [token] });
  await server.running.scheduler.setTarget(id, { kind: 'once', departure, energyKwh });
}

export const at = (iso: string) => Date.parse(iso);
export { HOUR };
