/**
 * The compliance check on meter values (scheduler/verify.ts checkMeter) over a long session on a real database: it
 * runs on every reading, so it reads the newest few power samples, not every sample since the profile was pushed
 * (issue 21: that grew with the session's length), and decides exactly as a read of all of them would: the two
 * latest outlet power readings within the profile's span. SQLite and PostgreSQL.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/index.js';
import { StationRepository } from '../../src/storage/station-repository.js';
import { MeterValueRepository } from '../../src/storage/meter-value-repository.js';
import type { MeterSample } from '../../src/domain/stations.js';
import type { PushedProfileRecord } from '../../src/domain/plans.js';
import { DEFAULT_POLICY, type Site } from '../../src/domain/sites.js';
import { checkMeter, SETTLE_MS, type MeterCheckHost } from '../../src/scheduler/verify.js';
import { openTestStorage } from '../helpers/test-database.js';

const T0 = Date.parse('2025-09-15T18:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const site = { id: 'home', policy: DEFAULT_POLICY } as unknown as Site;

let db: Db;
let meterValues: MeterValueRepository;
beforeEach(async () => {
  db = (await openTestStorage()).db;
  await new StationRepository(db).register({ id: 'CS1', passwordHash: null, securityProfile: 0 }, iso(T0 - MIN));
  meterValues = new MeterValueRepository(db);
});

/** A profile pushed at T0 that holds `limitKw` until `untilMs`. */
const push = (limitKw: number, untilMs: number): PushedProfileRecord => ({
  stationId: 'CS1', evseId: 1, transactionId: 'tx-1', siteId: 'home', planId: 1, profileId: 7, stackLevel: 1, unit: 'W',
  periods: [{ startMs: T0, limitKw }], endMs: untilMs, coversUntilMs: untilMs, state: 'accepted', detail: null, sentAt: iso(T0),
});

/** Stores a reading every 5 minutes from T0 + 2 min: the register, the outlet power in kW, and per-phase power in W. */
async function readings(count: number, kwAt: (i: number) => number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const timestamp = iso(T0 + 2 * MIN + i * 5 * MIN);
    const kw = kwAt(i);
    const samples: MeterSample[] = [
      { timestamp, measurand: 'Energy.Active.Import.Register', value: 1000 + i * 500, unit: 'Wh' },
      { timestamp, measurand: 'Power.Active.Import', value: kw, unit: 'kW' },
      ...(['L1', 'L2', 'L3'] as const).map((phase) => ({ timestamp, measurand: 'Power.Active.Import', phase, value: (kw * 1000) / 3, unit: 'W' })),
    ];
    await meterValues.append('CS1', 1, 'tx-1', samples, 'test', timestamp);
  }
}

/** checkMeter with the real meter values, this push and no plan; what it concluded and how many samples it read. */
async function check(pushed: PushedProfileRecord): Promise<{ compliance: string[]; samplesRead: number }> {
  const compliance: string[] = [];
  let samplesRead = 0;
  const counted = {
    recent: async (...a: Parameters<MeterValueRepository['recent']>) => { const r = await meterValues.recent(...a); samplesRead += r.length; return r; },
    forTransaction: async (...a: Parameters<MeterValueRepository['forTransaction']>) => { const r = await meterValues.forTransaction(...a); samplesRead += r.length; return r; },
  };
  const host: MeterCheckHost = {
    stores: { profiles: { pushed: async () => pushed }, meterValues: counted, transactions: { activeOnEvse: async () => undefined } },
    now: T0 + 24 * 60 * MIN,
    plan: async () => undefined,
    setCompliance: async (_s, _e, c, detail) => { compliance.push(`${c}: ${detail}`); return true; },
    decide: async () => undefined,
    trigger: () => {},
  };
  await checkMeter(host, site, 'CS1', 1, 'tx-1');
  return { compliance, samplesRead };
}

describe('checkMeter on a long session', () => {
  it('a night under the limit and two readings over it at the end: ignores, read from the newest 8 samples', async () => {
    await readings(144, (i) => (i >= 142 ? 7.4 : 3.6)); // 12 hours at 3.6 kW under a 4.14 kW limit, then 7.4 kW twice
    const r = await check(push(4.14, T0 + 24 * 60 * MIN));
    expect(r.compliance).toEqual([`ignores-profiles: draws 7.40 kW at ${iso(T0 + 2 * MIN + 143 * 5 * MIN)} against a limit of 4.14 kW (two readings in a row)`]);
    expect(r.samplesRead).toBe(8);
  });

  it('one reading over at the end is not enough, nor a night over the limit that ended two readings ago', async () => {
    await readings(144, (i) => (i < 142 || i === 143 ? 7.4 : 3.6));
    expect(await check(push(4.14, T0 + 24 * 60 * MIN))).toEqual({ compliance: [], samplesRead: 8 });
  });

  it('readings after the profile held are left out: the two before its end decide, from all the samples', async () => {
    await readings(144, (i) => (i >= 100 ? 7.4 : 3.6)); // over the limit from reading 100 on
    const untilMs = T0 + 2 * MIN + 96 * 5 * MIN; // readings 0..95 lie within the profile's span
    expect((await check(push(4.14, untilMs))).compliance).toEqual([]);
    const laterUntil = T0 + 2 * MIN + 102 * 5 * MIN; // 100 and 101 within, over the limit
    expect((await check(push(4.14, laterUntil))).compliance).toEqual([`ignores-profiles: draws 7.40 kW at ${iso(T0 + 2 * MIN + 101 * 5 * MIN)} against a limit of 4.14 kW (two readings in a row)`]);
  });

  it('readings within a minute of the push are not held against the charger, and nothing is read without an accepted push', async () => {
    await readings(1, () => 7.4); // 2 minutes after the push: settled
    await meterValues.append('CS1', 1, 'tx-1', [{ timestamp: iso(T0 + SETTLE_MS - 1000), measurand: 'Power.Active.Import', value: 7.4, unit: 'kW' }], 'test', iso(T0));
    expect((await check(push(4.14, T0 + 60 * MIN))).compliance).toEqual([]);
    expect(await check({ ...push(4.14, T0 + 60 * MIN), state: 'rejected' })).toEqual({ compliance: [], samplesRead: 0 });
  });
});
