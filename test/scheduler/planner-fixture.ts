/**
 * planSite on a snapshot read from in-memory stores (the scheduler's ports): a site of up to six 11 kW EVSEs on
 * station CS1, cars with one-off targets, meter samples and charging states, flat or given prices. Monday 23 November
 * 2026 in Copenhagen.
 */
import { planSite, type CycleResult } from '../../src/scheduler/planner.js';
import { loadCycleSnapshot, type CycleSnapshot, type SnapshotSources } from '../../src/scheduler/snapshot.js';
import { resolveSites } from '../../src/scheduler/sites.js';
import type { ChargerCompliance, PowerPeriod, PushedProfileRecord } from '../../src/domain/plans.js';
import type { EffectiveSlot } from '../../src/domain/prices.js';
import type { Site } from '../../src/domain/sites.js';
import type { MeterSample, TransactionRecord } from '../../src/domain/stations.js';
import type { TargetRecord, Vehicle } from '../../src/domain/vehicles.js';

export interface FixtureCar {
  evseId: number;
  /** Energy wanted in the session, kWh. */
  needKwh: number;
  /** Local departure (Europe/Copenhagen), e.g. '2026-11-23T19:00'. */
  departure: string;
  maxAcKw?: number;
  phases?: 1 | 3;
  minCurrentA?: number;
  /** Energy in the session so far by the last register reading, Wh (0 by default). */
  deliveredWh?: number;
  /** The transaction's chargingState (Charging by default). */
  chargingState?: string;
  /** Meter samples of the session (the register and power the station reported). */
  samples?: MeterSample[];
  compliance?: ChargerCompliance;
  /** The profile the charger holds (what we last pushed), kW from startMs; sent at `heldSince`. */
  held?: PowerPeriod[];
  heldSince?: string;
}

export interface FixtureSite {
  gridLimitKw?: number;
  circuits?: { id: string; limitKw?: number; phaseLimitA?: number }[];
  circuit?: string;
  evseKw?: number;
  policy?: Record<string, unknown>;
  slotMinutes?: 15 | 30 | 60;
}

export function fixtureSite(o: FixtureSite = {}): Site {
  const [site] = resolveSites([{
    id: 's', timeZone: 'Europe/Copenhagen', tariff: 't', gridLimitKw: o.gridLimitKw ?? 40,
    ...(o.slotMinutes ? { slotMinutes: o.slotMinutes } : {}),
    ...(o.circuits ? { circuits: o.circuits } : {}),
    ...(o.policy ? { policy: o.policy } : {}),
    evses: [1, 2, 3, 4, 5, 6].map((evseId) => ({ stationId: 'CS1', evseId, maxKw: o.evseKw ?? 11, ...(o.circuit ? { circuit: o.circuit } : {}) })),
  }], ['t']) as [Site];
  return site;
}

export function fixtureSources(now: number, cars: readonly FixtureCar[], prices: (start: number, end: number, step: number) => EffectiveSlot[] = flatPrices): SnapshotSources {
  const byEvse = (evseId: number) => cars.find((c) => c.evseId === evseId);
  const vehicles = new Map<string, Vehicle>(cars.map((c) => [`T${c.evseId}`, {
    id: `V${c.evseId}`, name: `V${c.evseId}`, fleet: null, batteryKwh: 80, maxAcKw: c.maxAcKw ?? 11, phases: c.phases ?? 3,
    minCurrentA: c.minCurrentA ?? 0, idTokens: [`T${c.evseId}`],
  }]));
  const tx = (c: FixtureCar): TransactionRecord => ({
    stationId: 'CS1', transactionId: `TX${c.evseId}`, evseId: c.evseId, connectorId: 1, idToken: `T${c.evseId}`, idTokenType: 'ISO14443',
    idTokenStatus: 'Accepted', state: 'Started', chargingState: c.chargingState ?? 'Charging', remoteStartId: null,
    startedAt: new Date(now - 3_600_000).toISOString(), endedAt: null, stoppedReason: null, lastSeqNo: 0, meterStartWh: 0,
    energyWh: c.deliveredWh ?? 0, offline: false, vehicleId: null, boost: null,
  });
  const samplesOf = (transactionId: string) => byEvse(Number(transactionId.slice(2)))?.samples ?? [];
  const held = (c: FixtureCar): PushedProfileRecord | undefined => c.held && {
    stationId: 'CS1', evseId: c.evseId, transactionId: `TX${c.evseId}`, siteId: 's', planId: 1, profileId: 1000, stackLevel: 1, unit: 'W', periods: c.held,
    endMs: now + 24 * 3_600_000, coversUntilMs: null, state: 'accepted', detail: null, sentAt: c.heldSince ?? new Date(now - 3_600_000).toISOString(),
  };
  const target = (vehicleId: string): TargetRecord => {
    const c = byEvse(Number(vehicleId.slice(1)))!;
    return { vehicleId, once: { kind: 'once', departure: c.departure, energyKwh: c.needKwh }, weekly: null, updatedAt: new Date(now - 7_200_000).toISOString() };
  };
  return {
    stores: {
      transactions: {
        runningOnEvses: async (evses) => evses.flatMap((e) => {
          const c = byEvse(e.evseId);
          return c ? [{ stationId: e.stationId, evseId: e.evseId, transaction: tx(c) }] : [];
        }),
      },
      meterValues: {
        forTransaction: async (_s, transactionId, since) => samplesOf(transactionId).filter((x) => since === undefined || x.timestamp >= since).map((x) => ({ ...x, evseId: 1 })),
        forTransactions: async (refs, since) => refs.flatMap((r) => samplesOf(r.transactionId).filter((x) => since === undefined || x.timestamp >= since).map((x) => ({ ...x, ...r, evseId: 1 }))),
        latestOf: async (refs, measurand) => refs.flatMap((r) => {
          const latest = samplesOf(r.transactionId).filter((x) => x.measurand === measurand).at(-1);
          return latest ? [{ ...latest, ...r }] : [];
        }),
        recent: async (_s, transactionId, measurand, since, count) => samplesOf(transactionId).filter((x) => x.measurand === measurand && x.timestamp >= since).slice(-count),
      },
      chargingNeeds: { latestOnEvses: async () => [] },
      vehicles: { byIdToken: async (t) => vehicles.get(t), get: async () => undefined },
      assignments: { onEvse: async () => undefined },
      targets: { many: async (ids) => new Map(ids.map((id) => [id, target(id)])) },
      profiles: {
        pushedOf: async (sessions) => sessions.flatMap((x) => {
          const c = byEvse(x.evseId);
          return c && x.transactionId === `TX${c.evseId}` ? held(c) ?? [] : [];
        }),
        complianceOf: async () => cars.map((c) => ({ stationId: 'CS1', evseId: c.evseId, compliance: c.compliance ?? 'follows', detail: null, since: new Date(now - 3_600_000).toISOString() })),
      },
    },
    prices: { effective: async (_t, w, step) => prices(w.start, w.end, step) },
    connected: () => true,
    caps: () => null,
  };
}

/** The cycle's snapshot of the fixture's cars at `now`. */
export function fixtureSnapshot(site: Site, now: number, cars: readonly FixtureCar[], prices?: Parameters<typeof fixtureSources>[2]): Promise<CycleSnapshot> {
  return loadCycleSnapshot(site, now, fixtureSources(now, cars, prices));
}

/** The plan of a snapshot, as the scheduler makes it (the solver's time not measured). */
export function planOf(snapshot: CycleSnapshot): CycleResult {
  return planSite(snapshot, ['test'], { monotonicMs: () => 0 });
}

export async function planFixture(site: Site, now: number, cars: readonly FixtureCar[], prices?: Parameters<typeof fixtureSources>[2]): Promise<CycleResult> {
  return planOf(await fixtureSnapshot(site, now, cars, prices));
}

export function flatPrices(start: number, end: number, step: number): EffectiveSlot[] {
  return pricesBy(() => 0.2)(start, end, step);
}

/** Prices from a function of the interval's start (EUR/kWh). */
export function pricesBy(price: (startMs: number) => number) {
  return (start: number, end: number, step: number): EffectiveSlot[] => {
    const out: EffectiveSlot[] = [];
    for (let t = start; t < end; t += step) {
      const total = price(t);
      out.push({ start: t, end: t + step, energy: total, gridFee: 0, taxes: {}, vat: 0, total, currency: 'EUR', kind: 'final', source: 'test' });
    }
    return out;
  };
}

/** A MeterValue's register and power at `iso`. */
export function meterAt(iso: string, registerWh: number, powerW?: number): MeterSample[] {
  return [
    { timestamp: iso, measurand: 'Energy.Active.Import.Register', value: registerWh, unit: 'Wh' },
    ...(powerW === undefined ? [] : [{ timestamp: iso, measurand: 'Power.Active.Import', value: powerW, unit: 'W' }]),
  ];
}
