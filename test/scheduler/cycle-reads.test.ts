import { describe, expect, it } from 'vitest';
import { createOcppRepositories } from '../../src/storage/index.js';
import { ProfileRepository } from '../../src/storage/plan-repository.js';
import { TargetRepository, VehicleRepository } from '../../src/storage/vehicle-repository.js';
import type { MeterSample, TransactionEventRecord } from '../../src/domain/stations.js';
import { openTestStorage } from '../helpers/test-database.js';

/**
 * Issue 15: a planning cycle reads its site's sessions with one query per kind (snapshot.ts) instead of one per
 * session. Each bulk read must answer exactly what the one-at-a-time read it replaces answers, for every EVSE and
 * transaction asked for, on the real store (SQLite, or PostgreSQL under npm run test:postgres): checked here on a
 * site with the awkward cases (a stale Started transaction under a newer one, an ended session, samples of several
 * measurands and instants, needs of an earlier session, statuses and pushes of other stations).
 */
const AT = '2026-11-23T16:00:00.000Z';
const iso = (minutes: number) => new Date(Date.parse(AT) + minutes * 60_000).toISOString();
const sample = (minutes: number, measurand: string, value: number): MeterSample => ({ timestamp: iso(minutes), measurand, value, ...(measurand === 'SoC' ? { unit: 'Percent' } : { unit: 'Wh' }) });

async function store() {
  const storage = await openTestStorage();
  const repos = createOcppRepositories(storage.db);
  const profiles = new ProfileRepository(storage.db);
  for (const id of ['CS1', 'CS2', 'CS3']) await repos.stations.register({ id, passwordHash: null, securityProfile: 0 }, AT);
  let seq = 0;
  const event = (stationId: string, transactionId: string, evseId: number, eventType: TransactionEventRecord['eventType'], minutes: number, meterValues: MeterSample[] = []) =>
    repos.transactions.applyEvent({
      stationId, transactionId, seqNo: seq++, eventType, triggerReason: 'MeterValuePeriodic', timestamp: iso(minutes), offline: false,
      evseId, connectorId: 1, meterValues, payload: {},
    }, iso(minutes));
  // CS1 EVSE 1: a session that never ended (stale), then the current one; EVSE 2: one with SoC and power samples.
  await event('CS1', 'OLD', 1, 'Started', -300, [sample(-300, 'Energy.Active.Import.Register', 0)]);
  await event('CS1', 'T1', 1, 'Started', -60, [sample(-60, 'Energy.Active.Import.Register', 100)]);
  await event('CS1', 'T2', 2, 'Started', -40, [sample(-40, 'Energy.Active.Import.Register', 0), sample(-40, 'SoC', 20)]);
  for (const m of [-30, -20, -10, -5, -1]) await event('CS1', 'T2', 2, 'Updated', m, [sample(m, 'Energy.Active.Import.Register', 1000 * (45 + m)), sample(m, 'Power.Active.Import', 11_000), sample(m, 'SoC', 60 + m)]);
  // CS2 EVSE 1: an ended session, then none; CS2 EVSE 2: a session with the same id as one on CS1 (ids are per station).
  await event('CS2', 'T1', 1, 'Started', -120, [sample(-120, 'SoC', 10)]);
  await event('CS2', 'T1', 1, 'Ended', -90, [sample(-90, 'SoC', 30)]);
  await event('CS2', 'T2', 2, 'Started', -15, [sample(-15, 'Energy.Active.Import.Register', 7), sample(-14, 'SoC', 55)]);
  // CS3 EVSE 1: a session on a station the site does not ask about.
  await event('CS3', 'T9', 1, 'Started', -10, [sample(-10, 'SoC', 99)]);
  const needs = (stationId: string, evseId: number, transactionId: string | null, minutes: number, energyAmountWh: number) => repos.chargingNeeds.record({
    stationId, evseId, transactionId, requestedEnergyTransfer: 'AC_three_phase', departureTime: null, energyAmountWh, evMinCurrentA: 6,
    evMaxCurrentA: 16, evMaxVoltageV: 400, evMaxPowerW: null, maxScheduleTuples: null, receivedAt: iso(minutes),
  }, {});
  await needs('CS1', 1, 'OLD', -300, 1000);
  await needs('CS1', 1, 'T1', -59, 2000);
  await needs('CS1', 1, 'T1', -58, 3000);
  await needs('CS2', 1, 'T1', -119, 4000);
  const push = (stationId: string, evseId: number, transactionId: string, siteId: string, limitKw: number) => profiles.recordPush({
    stationId, evseId, transactionId, siteId, planId: 1, profileId: 100 + evseId, stackLevel: 1, unit: 'W', periods: [{ startMs: Date.parse(AT), limitKw }],
    endMs: Date.parse(AT) + 3_600_000, coversUntilMs: null, state: 'accepted', detail: null, sentAt: AT,
  });
  await push('CS1', 1, 'T1', 'depot', 7);
  await push('CS1', 2, 'T2', 'elsewhere', 11); // pushed under another site's name: still this session's
  await push('CS2', 1, 'T1', 'depot', 3);
  for (const [stationId, evseId, compliance] of [['CS1', 1, 'follows'], ['CS1', 2, 'limited'], ['CS3', 1, 'unreachable']] as const) {
    await profiles.setCompliance({ stationId, evseId, compliance, detail: null, since: AT });
  }
  const vehicles = new VehicleRepository(storage.db);
  const targets = new TargetRepository(storage.db);
  for (const id of ['V1', 'V2']) await vehicles.upsert({ id, name: id, fleet: null, batteryKwh: 60, maxAcKw: 11, phases: 3, minCurrentA: null, idTokens: [] }, AT);
  await targets.set('V1', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 20 }, AT);
  return { repos, profiles, targets };
}

const evses = [
  { stationId: 'CS1', evseId: 1 }, { stationId: 'CS1', evseId: 2 }, { stationId: 'CS2', evseId: 1 }, { stationId: 'CS2', evseId: 2 }, { stationId: 'CS2', evseId: 3 },
];
const sessions = [
  { stationId: 'CS1', evseId: 1, transactionId: 'T1' }, { stationId: 'CS1', evseId: 2, transactionId: 'T2' }, { stationId: 'CS2', evseId: 1, transactionId: 'T1' },
  { stationId: 'CS2', evseId: 2, transactionId: 'T2' }, { stationId: 'CS1', evseId: 1, transactionId: 'OLD' }, { stationId: 'CS2', evseId: 2, transactionId: 'NONE' },
];
const key = (x: { stationId: string; transactionId?: string; evseId?: number }) => `${x.stationId}#${x.evseId ?? ''}#${x.transactionId ?? ''}`;
const byKey = <T extends { stationId: string; transactionId?: string; evseId?: number }>(list: readonly T[]) => new Map(list.map((x) => [key(x), x]));

describe('a cycle\'s bulk reads answer what the reads one at a time answer', () => {
  it('active transactions of many EVSEs: the current one of each, none for an EVSE without one', async () => {
    const { repos } = await store();
    const bulk = await repos.transactions.activeOnEvses(evses);
    for (const e of evses) {
      const one = await repos.transactions.activeOnEvse(e.stationId, e.evseId);
      expect(bulk.find((b) => b.stationId === e.stationId && b.evseId === e.evseId)?.transaction).toEqual(one);
    }
    expect(bulk.map((b) => `${b.stationId}#${b.evseId}#${b.transaction.transactionId}`).sort()).toEqual(['CS1#1#T1', 'CS1#2#T2', 'CS2#2#T2']);
    expect(await repos.transactions.activeOnEvses([])).toEqual([]);
  });

  it('a cycle\'s narrow read of them holds the same sessions with the same values in what it plans with', async () => {
    const { repos } = await store();
    await repos.transactions.setBoost('CS2', 'T2', { vehicleId: 'V2', energyKwh: 5, fromDeliveredKwh: 1.5, setAt: AT });
    await repos.transactions.setVehicle('CS2', 'T2', 'V2');
    const full = await repos.transactions.activeOnEvses(evses);
    expect(full.find((f) => f.stationId === 'CS2')?.transaction.boost).toEqual({ vehicleId: 'V2', energyKwh: 5, fromDeliveredKwh: 1.5, setAt: AT });
    const running = await repos.transactions.runningOnEvses(evses);
    expect(running.map((r) => `${r.stationId}#${r.evseId}`)).toEqual(full.map((f) => `${f.stationId}#${f.evseId}`));
    for (const [k, r] of running.entries()) {
      const tx = full[k]!.transaction;
      expect(r.transaction).toEqual({
        stationId: tx.stationId, transactionId: tx.transactionId, evseId: tx.evseId, idToken: tx.idToken, startedAt: tx.startedAt,
        chargingState: tx.chargingState, meterStartWh: tx.meterStartWh, energyWh: tx.energyWh, vehicleId: tx.vehicleId, boost: tx.boost,
      });
    }
    expect(await repos.transactions.runningOnEvses([])).toEqual([]);
  });

  it('recent samples and the latest of a measurand of many transactions', async () => {
    const { repos } = await store();
    const refs = sessions.map(({ stationId, transactionId }) => ({ stationId, transactionId }));
    const since = iso(-20);
    const recent = await repos.meterValues.forTransactions(refs, since);
    const all = await repos.meterValues.forTransactions(refs);
    const socs = byKey(await repos.meterValues.latestOf(refs, 'SoC'));
    const of = (list: typeof all, r: (typeof refs)[number]) => list.filter((s) => s.stationId === r.stationId && s.transactionId === r.transactionId).map(({ stationId: _s, transactionId: _t, ...s }) => s);
    for (const r of refs) {
      expect(of(recent, r)).toEqual(await repos.meterValues.forTransaction(r.stationId, r.transactionId, since));
      expect(of(all, r)).toEqual(await repos.meterValues.forTransaction(r.stationId, r.transactionId));
      const soc = socs.get(key(r));
      expect(soc && (({ stationId: _s, transactionId: _t, ...s }) => s)(soc)).toEqual(await repos.meterValues.latest(r.stationId, r.transactionId, 'SoC'));
    }
    expect(recent.length).toBeGreaterThan(0);
    expect(all.length).toBeGreaterThan(recent.length);
    expect(socs.get('CS1##T2')?.value).toBe(59);
    expect(socs.get('CS2##T2')?.value).toBe(55);
    expect(await repos.meterValues.latestOf([], 'SoC')).toEqual([]);
  });

  it('the latest charging needs of many EVSEs', async () => {
    const { repos } = await store();
    const bulk = await repos.chargingNeeds.latestOnEvses(evses);
    for (const e of evses) expect(bulk.find((n) => n.stationId === e.stationId && n.evseId === e.evseId)).toEqual(await repos.chargingNeeds.latest(e.stationId, e.evseId));
    expect(bulk.map((n) => n.energyAmountWh).sort()).toEqual([3000, 4000]);
  });

  it('what was pushed to many sessions, and the statuses of many stations', async () => {
    const { profiles } = await store();
    const pushed = await profiles.pushedOf(sessions);
    for (const s of sessions) expect(pushed.find((p) => key(p) === key(s))).toEqual(await profiles.pushed(s.stationId, s.evseId, s.transactionId));
    expect(pushed.map(key).sort()).toEqual(['CS1#1#T1', 'CS1#2#T2', 'CS2#1#T1']);
    const statuses = await profiles.complianceOf(['CS1', 'CS2']);
    for (const e of evses) expect(statuses.find((c) => c.stationId === e.stationId && c.evseId === e.evseId)).toEqual(await profiles.compliance(e.stationId, e.evseId));
    expect(statuses).toHaveLength(2);
    expect(await profiles.complianceOf([])).toEqual([]);
  });

  it('the targets of many vehicles', async () => {
    const { targets } = await store();
    const many = await targets.many(['V1', 'V2', 'NOPE']);
    expect([...many.keys()]).toEqual(['V1']);
    expect(many.get('V1')).toEqual(await targets.get('V1'));
  });
});
