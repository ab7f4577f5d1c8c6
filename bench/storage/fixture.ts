/**
 * bench:storage's databases and data: the same rows written through the product's repositories on SQLite (a temp
 * file, WAL) and on PostgreSQL (a schema of its own in CHARGEPLAN_BENCH_DATABASE_URL's database, dropped after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStorage, type DialectName, type Storage } from '../../src/storage/database.js';
import { createOcppRepositories } from '../../src/storage/index.js';
import { AssignmentRepository, TargetRepository, VehicleRepository } from '../../src/storage/vehicle-repository.js';
import { PlanRepository, ProfileRepository } from '../../src/storage/plan-repository.js';
import { resolveSites } from '../../src/scheduler/sites.js';
import type { Site } from '../../src/domain/sites.js';
import type { MeterSample } from '../../src/domain/stations.js';
import type { EffectiveSlot, SitePriceProvider } from '../../src/domain/prices.js';

/** The seeded day-ahead-like curve bench:scheduler uses (prices are not what bench:storage measures). */
export const benchPrices: SitePriceProvider = {
  async effective(_tariff, window, stepMs): Promise<EffectiveSlot[]> {
    const out: EffectiveSlot[] = [];
    for (let t = window.start; t < window.end; t += stepMs) {
      const total = 0.2 + 0.15 * Math.cos(((new Date(t).getUTCHours() - 18) / 24) * 2 * Math.PI);
      out.push({ start: t, end: t + stepMs, energy: total, gridFee: 0, taxes: {}, vat: 0, total, currency: 'EUR', kind: 'final', source: 'bench' });
    }
    return out;
  },
};

export const PG_URL = process.env.CHARGEPLAN_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDb {
  storage: Storage;
  close(): Promise<void>;
}

export async function openBenchDb(dialect: DialectName, name: string): Promise<BenchDb> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'chargeplan-bench-storage-'));
    const storage = await openStorage({ path: join(dir, 'bench.sqlite') });
    return { storage, close: async () => { await storage.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const schema = `bench_storage_${name}_${process.pid}`;
  const admin = async (text: string) => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try { await c.query(text); } finally { await c.end(); }
  };
  await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const storage = await openStorage({ url: PG_URL, schema, poolSize: 10 });
  return { storage, close: async () => { await storage.close(); await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); } };
}

export const repositoriesOf = (s: Storage) => ({
  ...createOcppRepositories(s.db),
  vehicles: new VehicleRepository(s.db),
  targets: new TargetRepository(s.db),
  assignments: new AssignmentRepository(s.db),
  plans: new PlanRepository(s.db),
  profiles: new ProfileRepository(s.db),
});

/** Four measurands per sample time, as a metering charger sends them in a TransactionEvent Updated. */
export function samples(at: string, wh: number): MeterSample[] {
  return [
    { timestamp: at, measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' },
    { timestamp: at, measurand: 'Power.Active.Import', value: 11_000, unit: 'W' },
    { timestamp: at, measurand: 'Current.Import', value: 16, unit: 'A' },
    { timestamp: at, measurand: 'SoC', value: 42, unit: 'Percent' },
  ] as MeterSample[];
}

/**
 * A depot of `n` EVSEs (two per station, ten per circuit) with a van plugged into each: vehicles with id tokens,
 * one-off targets, a Started TransactionEvent with meter values per EVSE; the fleet's vans all in fleet 'f'.
 */
export async function depot(s: Storage, n: number, nowMs: number): Promise<Site> {
  const r = repositoriesOf(s);
  const [site] = resolveSites([{
    id: 'depot', timeZone: 'Europe/Copenhagen', tariff: 't', gridLimitKw: n * 4, fleet: 'f',
    circuits: Array.from({ length: Math.ceil(n / 10) }, (_, c) => ({ id: `row-${c}`, limitKw: 60 })),
    evses: Array.from({ length: n }, (_, i) => ({ stationId: `CS${Math.floor(i / 2)}`, evseId: (i % 2) + 1, circuit: `row-${Math.floor(i / 10)}` })),
  }], ['t']);
  const at = new Date(nowMs).toISOString();
  for (let i = 0; i < n; i++) {
    const stationId = `CS${Math.floor(i / 2)}`;
    if (i % 2 === 0) await r.stations.register({ id: stationId, passwordHash: null, securityProfile: 0 }, at);
    await r.vehicles.upsert({ id: `V${i}`, name: `Van ${i}`, fleet: 'f', batteryKwh: 60, maxAcKw: 11, phases: 3, minCurrentA: null, idTokens: [`T${i}`] }, at);
    const minute = (i % 4) * 60 + 30;
    await r.targets.set(`V${i}`, { kind: 'once', departure: `2026-11-24T0${5 + Math.floor(minute / 60)}:${String(minute % 60).padStart(2, '0')}`, energyKwh: 8 + (i % 25) }, at);
    await r.transactions.applyEvent({
      stationId, transactionId: `TX${i}`, seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', timestamp: at, offline: false,
      evseId: (i % 2) + 1, connectorId: 1, idToken: { idToken: `T${i}`, type: 'ISO14443' }, meterValues: samples(at, 1000 * i), payload: {},
    }, at);
  }
  return site!;
}
