/**
 * Nothing a station sends grows storage without bound (issue 20): meter values are thinned at intake without
 * changing a figure the product computes from them (delivered energy, session cost and savings, the demand peak,
 * the latest register, SoC and power), a station's new rows per minute are capped with its latest register still
 * kept current, the device model is capped per station, and finished transactions with their meter values (and
 * meter values outside any transaction) are pruned by age in small steps, never a running one. Both databases.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/index.js';
import { StationRepository } from '../../src/storage/station-repository.js';
import { MeterValueRepository } from '../../src/storage/meter-value-repository.js';
import { TransactionRepository } from '../../src/storage/transaction-repository.js';
import { DeviceModelRepository } from '../../src/storage/device-model-repository.js';
import { MeterThinning } from '../../src/storage/meter-thinning.js';
import { Retention, type Prunable } from '../../src/storage/retention.js';
import { DecisionRepository, PlanRepository } from '../../src/storage/plan-repository.js';
import { StationLogRepository } from '../../src/storage/station-log-repository.js';
import type { MeterSample, TransactionEventRecord } from '../../src/domain/stations.js';
import { deliveredKwh, energyRegisterReadings, energyRegisterWh, powerReadingsW } from '../../src/domain/meter.js';
import { costOf } from '../../src/scheduler/costs.js';
import { peakOf, quarterEnergiesWh } from '../../src/scheduler/demand-peak.js';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { mulberry32 } from '../solver/helpers/prng.js';
import { openTestStorage } from '../helpers/test-database.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.parse('2026-03-29T00:00:07.250Z');
const iso = (ms: number) => new Date(ms).toISOString();

let db: Db;
beforeEach(async () => {
  db = (await openTestStorage()).db;
  const stations = new StationRepository(db);
  for (const id of ['RAW', 'THIN', 'CS1']) await stations.register({ id, passwordHash: null, securityProfile: 0 }, iso(T0 - 600 * DAY));
});

/** A session sampled every `everyMs` (seeded jitter): the register (Wh) at a varying power, the power (kW) and SoC. */
function session(durationMs: number, everyMs: number, seed: number): MeterSample[][] {
  const random = mulberry32(seed);
  const out: MeterSample[][] = [];
  let wh = 12_345;
  let prev = T0;
  for (let t = T0; t < T0 + durationMs; t += everyMs) {
    const at = t + Math.floor(random() * everyMs * 0.3);
    const kw = 3 + 8 * random();
    wh += (kw * (at - prev)) / 3_600;
    prev = at;
    const timestamp = iso(at);
    out.push([
      { timestamp, measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh', context: 'Sample.Periodic' },
      { timestamp, measurand: 'Power.Active.Import', value: kw, unit: 'kW', context: 'Sample.Periodic' },
      { timestamp, measurand: 'SoC', value: 20 + (t - T0) / durationMs * 60, unit: 'Percent', context: 'Sample.Periodic' },
    ]);
  }
  return out;
}

/** What the product computes from a session's samples (scheduler/sessions.ts, session-costs.ts, demand-peak.ts). */
function figures(samples: readonly MeterSample[]) {
  const readings = energyRegisterReadings(samples);
  const maxKw = Math.max(...powerReadingsW(samples).map((r) => r.w / 1000));
  const slotMs = 15 * 60_000;
  const price = (ms: number) => ({ start: ms, end: ms + slotMs, total: 0.1 + ((ms / slotMs) % 7) / 20, currency: 'EUR', kind: 'actual' }) as never;
  const cost = costOf({ startMs: T0, readings, slotMs, fullPowerKw: maxKw, priceAt: price });
  const quarters = quarterEnergiesWh([readings], T0 - 3_600_000, T0 + 4 * 3_600_000);
  return {
    delivered: deliveredKwh(samples, null),
    latestRegister: energyRegisterWh(samples),
    maxKw,
    cost: { ...cost, slots: cost.slots },
    peak: peakOf(quarters),
    quarters: [...quarters].map(([q, wh]) => [q, Math.round(wh * 1e6) / 1e6]),
  };
}

async function write(repo: MeterValueRepository, station: string, batches: MeterSample[][]) {
  // Received as they were sampled: the receive time follows the samples.
  for (const b of batches) await repo.append(station, 1, 'TX1', b, 'MeterValues', b[0]!.timestamp);
}

describe('meter values: thinning at intake', { timeout: 120_000 }, () => {
  // Half an hour at 1 s and two minutes at 100 ms (1,800 and 1,200 batches a station): every batch is a round trip on
  // PostgreSQL, and the two hours and ten minutes these were took 56 s of CI's PostgreSQL run for the same checks.
  it('a session sampled every second keeps every figure exactly, in a fraction of the rows', async () => {
    const batches = session(30 * 60_000, 1_000, 7);
    const raw = new MeterValueRepository(db);
    const thin = new MeterValueRepository(db, new MeterThinning());
    await write(raw, 'RAW', batches);
    await write(thin, 'THIN', batches);
    const all = await raw.forTransaction('RAW', 'TX1');
    const kept = await thin.forTransaction('THIN', 'TX1');
    expect(all).toHaveLength(3 * 1_800);
    // Per 10 s bucket: first and last of the register and SoC, and also the highest power.
    expect(kept.length).toBeLessThanOrEqual(180 * 7);
    expect(kept.length).toBeLessThan(all.length / 3);
    expect(figures(kept)).toEqual(figures(all));
    for (const m of ['Energy.Active.Import.Register', 'SoC', 'Power.Active.Import']) {
      expect(await thin.latest('THIN', 'TX1', m)).toEqual(await raw.latest('RAW', 'TX1', m));
    }
    const refs = (id: string) => [{ stationId: id, transactionId: 'TX1' }];
    expect((await thin.latestOf(refs('THIN'), 'SoC')).map((s) => s.value)).toEqual((await raw.latestOf(refs('RAW'), 'SoC')).map((s) => s.value));
  });

  it('a station sampling every 100 ms stores at most 7 rows per 10 s for these three series, and the latest is current', async () => {
    const batches = session(2 * 60_000, 100, 11);
    const thinning = new MeterThinning();
    const thin = new MeterValueRepository(db, thinning);
    await write(thin, 'THIN', batches);
    const kept = await thin.forTransaction('THIN', 'TX1');
    // Two minutes from 7.25 s into a bucket touch 13 buckets.
    expect(kept.length).toBeLessThanOrEqual(13 * 7);
    expect(thinning.counts.thinned).toBe(3 * 1_200 - kept.length);
    const last = batches.at(-1)!;
    expect((await thin.latest('THIN', 'TX1', 'Energy.Active.Import.Register'))?.value).toBe(last[0]!.value);
    const raw = new MeterValueRepository(db);
    await write(raw, 'RAW', batches);
    expect(figures(kept)).toEqual(figures(await raw.forTransaction('RAW', 'TX1')));
  });

  it('beyond the rows per station per minute, only each series\' latest is updated; the drop is told once and counted', async () => {
    const told: string[] = [];
    const thinning = new MeterThinning({ bucketSeconds: 10, rowsPerStationPerMinute: 50 }, (s) => told.push(s));
    const repo = new MeterValueRepository(db, thinning);
    // 200 register readings 10 s apart (a queued backlog, or invented timestamps), all received in one minute.
    const receivedAt = iso(T0 + DAY);
    for (let i = 0; i < 200; i++) {
      await repo.append('CS1', 1, 'TX1', [{ timestamp: iso(T0 + i * 10_000), measurand: 'Energy.Active.Import.Register', value: 1000 + i, unit: 'Wh' }], 'MeterValues', receivedAt);
    }
    const rows = await repo.forTransaction('CS1', 'TX1');
    expect(rows).toHaveLength(50);
    expect(rows.at(-1)).toMatchObject({ value: 1199, timestamp: iso(T0 + 199 * 10_000) });
    expect(thinning.counts.dropped).toBe(150);
    expect(told).toEqual(['CS1']);
    // The next minute has a new budget.
    await repo.append('CS1', 1, 'TX1', [{ timestamp: iso(T0 + 200 * 10_000), measurand: 'Energy.Active.Import.Register', value: 1200, unit: 'Wh' }], 'MeterValues', iso(T0 + DAY + 60_000));
    expect(await repo.forTransaction('CS1', 'TX1')).toHaveLength(51);
  });

  it('TransactionEvent and MeterValues share a station\'s series: one bucket\'s first and last, whichever way they came', async () => {
    const thinning = new MeterThinning();
    const txs = new TransactionRepository(db, thinning);
    const mv = new MeterValueRepository(db, thinning);
    const reg = (ms: number, wh: number): MeterSample => ({ timestamp: iso(ms), measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' });
    await txs.applyEvent(event('CS1', 'TX1', 0, 'Started', T0, [reg(T0, 100)]), iso(T0));
    for (let i = 1; i <= 30; i++) await mv.append('CS1', 1, 'TX1', [reg(T0 + i * 100, 100 + i)], 'MeterValues', iso(T0 + i * 100));
    await txs.applyEvent(event('CS1', 'TX1', 1, 'Updated', T0 + 3_100, [reg(T0 + 3_100, 131)]), iso(T0 + 3_100));
    // T0 is 7.25 s into its 10 s bucket: readings 0-27 fall in it, 28-31 in the next.
    expect((await mv.forTransaction('CS1', 'TX1')).map((s) => s.value)).toEqual([100, 127, 128, 131]);
    const tx = await txs.get('CS1', 'TX1');
    expect(tx && deliveredKwh(await mv.forTransaction('CS1', 'TX1'), tx.meterStartWh)).toBeCloseTo(0.031, 9);
  });
});

function event(stationId: string, transactionId: string, seqNo: number, eventType: 'Started' | 'Updated' | 'Ended', ms: number, meterValues: MeterSample[]): TransactionEventRecord {
  return { stationId, transactionId, seqNo, eventType, triggerReason: 'MeterValuePeriodic', timestamp: iso(ms), offline: false, evseId: 1, connectorId: 1, meterValues, payload: {} };
}

describe('device model: at most maxVariablesPerStation per station', () => {
  it('updates what exists, stores new variables while there is room, counts the rest and tells once', async () => {
    const told: [string, number][] = [];
    const repo = new DeviceModelRepository(db, { maxVariablesPerStation: 5, onDrop: (s, n) => told.push([s, n]) });
    const v = (name: string, value: string) => ({ component: 'Vendor', variable: name, attributeType: 'Actual', value });
    await repo.upsert('CS1', ['a', 'b', 'c'].map((n) => v(n, '1')), 'NotifyReport:1', iso(T0));
    await repo.upsert('CS1', ['a', 'b', 'd', 'e', 'f', 'g'].map((n) => v(n, '2')), 'NotifyReport:1', iso(T0));
    expect((await repo.list('CS1')).map((x) => `${x.variable}=${x.value}`)).toEqual(['a=2', 'b=2', 'c=1', 'd=2', 'e=2']);
    await repo.upsert('CS1', ['a', 'h'].map((n) => v(n, '3')), 'NotifyReport:2', iso(T0));
    expect((await repo.list('CS1')).map((x) => `${x.variable}=${x.value}`)).toEqual(['a=3', 'b=2', 'c=1', 'd=2', 'e=2']);
    expect(repo.counts.dropped).toBe(3);
    expect(told).toEqual([['CS1', 2]]);
    // Another station has its own room.
    await new StationRepository(db).register({ id: 'CS2', passwordHash: null, securityProfile: 0 }, iso(T0));
    await repo.upsert('CS2', ['x', 'y'].map((n) => v(n, '1')), 'NotifyReport:1', iso(T0));
    expect(await repo.list('CS2')).toHaveLength(2);
  });
});

describe('retention of transactions and meter values', { timeout: 60_000 }, () => {
  it('prunes finished transactions older than transactionDays with their events and samples, in small steps; never a running one', async () => {
    const NOW = T0 + 600 * DAY;
    const txs = new TransactionRepository(db);
    const mv = new MeterValueRepository(db);
    const reg = (ms: number, wh: number): MeterSample => ({ timestamp: iso(ms), measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' });
    const sessionOf = async (id: string, startMs: number, ended: boolean) => {
      await txs.applyEvent(event('CS1', id, 0, 'Started', startMs, [reg(startMs, 0)]), iso(startMs));
      for (let i = 1; i <= 12; i++) await mv.append('CS1', 1, id, [reg(startMs + i * 60_000, i * 100)], 'MeterValues', iso(startMs + i * 60_000));
      if (ended) await txs.applyEvent(event('CS1', id, 1, 'Ended', startMs + 3_600_000, [reg(startMs + 3_600_000, 1300)]), iso(startMs + 3_600_000));
    };
    await sessionOf('OLD-1', NOW - 500 * DAY, true);
    await sessionOf('OLD-2', NOW - 450 * DAY, true);
    await sessionOf('RUNNING', NOW - 500 * DAY, false);
    await sessionOf('RECENT', NOW - 10 * DAY, true);
    // Meter values outside any transaction, old and recent.
    for (const days of [500, 420, 30]) await mv.append('CS1', 0, null, [reg(NOW - days * DAY, 1)], 'MeterValues', iso(NOW - days * DAY));
    const steps: number[] = [];
    const counted = (p: Prunable): Prunable => ({ pruneStep: async (b, m, n) => { const k = await p.pruneStep(b, m, n); steps.push(k); return k; } });
    const retention = new Retention({
      policy: {
        stationLogDays: 90, maxStationLogRows: 1e6, planDays: 7, maxPlanRows: 1e6, decisionDays: 90, maxDecisionRows: 1e6,
        transactionDays: 400, pruneBatchRows: 5, pruneIntervalMinutes: 10,
      },
      stationLog: new StationLogRepository(db), plans: new PlanRepository(db), decisions: new DecisionRepository(db),
      transactions: counted(txs), meterValues: mv, clock: new ManualClock(NOW), logger: silentLogger(),
    });
    const report = await retention.prune();
    // Each old session: its Started and Ended samples and 12 more, then the transaction itself.
    expect(report.transactions).toBe(2 * 14 + 2);
    expect(report.meterValues).toBe(2);
    // Never more than the batch per step.
    expect(Math.max(...steps)).toBeLessThanOrEqual(5);
    expect(steps.length).toBeGreaterThan(5);
    expect(await txs.get('CS1', 'OLD-1')).toBeUndefined();
    expect(await txs.get('CS1', 'OLD-2')).toBeUndefined();
    expect(await mv.forTransaction('CS1', 'OLD-1')).toEqual([]);
    expect(await db.selectFrom('transaction_events').select('transaction_id').where('transaction_id', 'like', 'OLD-%').execute()).toEqual([]);
    expect((await txs.get('CS1', 'RUNNING'))?.state).toBe('Started');
    expect(await mv.forTransaction('CS1', 'RUNNING')).toHaveLength(13);
    expect(await mv.forTransaction('CS1', 'RECENT')).toHaveLength(14);
    const untied = await db.selectFrom('meter_values').select('received_at').where('transaction_id', 'is', null).execute();
    expect(untied).toHaveLength(1);
    // A second pass finds nothing.
    expect(await retention.prune()).toMatchObject({ transactions: 0, meterValues: 0 });
  });
});
