import { describe, expect, it } from 'vitest';
import { createOcppRepositories } from '../../src/storage/index.js';
import { PlanRepository, ProfileRepository } from '../../src/storage/plan-repository.js';
import { AssignmentRepository, TargetRepository, VehicleRepository } from '../../src/storage/vehicle-repository.js';
import { loadCycleSnapshot, type SnapshotSources } from '../../src/scheduler/snapshot.js';
import { resolveSites } from '../../src/scheduler/sites.js';
import type { EffectiveSlot } from '../../src/domain/prices.js';
import { openTestStorage } from '../helpers/test-database.js';

/**
 * Issue 15: a small site's planning cycle finds its sessions' cars with one read by token (VehicleRepository.byIdTokens,
 * snapshot.ts) instead of one read per session. It must answer what byIdToken answers for each token, and the snapshot
 * must name the same car the same way (by token, by a fleet manager's assignment, or none) as when the store is asked
 * per session: on the real store (SQLite, or PostgreSQL under npm run test:postgres).
 */
const AT = '2026-11-23T16:00:00.000Z';
const NOW = Date.parse(AT);

async function store() {
  const storage = await openTestStorage();
  const db = storage.db;
  const repos = createOcppRepositories(db);
  const vehicles = new VehicleRepository(db);
  const assignments = new AssignmentRepository(db);
  const targets = new TargetRepository(db);
  await vehicles.upsert({ id: 'V1', name: 'Van 1', fleet: 'f', batteryKwh: 60, maxAcKw: 11, phases: 3, minCurrentA: null, idTokens: ['TB', 'TA'] }, AT);
  await vehicles.upsert({ id: 'V2', name: 'Van 2', fleet: null, batteryKwh: null, maxAcKw: 7, phases: 1, minCurrentA: 8, idTokens: ['TC'] }, AT);
  await vehicles.upsert({ id: 'V3', name: 'Van 3', fleet: 'f', batteryKwh: 40, maxAcKw: 11, phases: 3, minCurrentA: null, idTokens: [] }, AT);
  await targets.set('V1', { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 20 }, AT);
  await targets.set('V3', { kind: 'once', departure: '2026-11-24T06:30', energyKwh: 10 }, AT);
  return { storage, db, repos, vehicles, assignments, targets };
}

describe('the cars of a cycle by token, in one read', () => {
  it('answers for each token what byIdToken answers (every token of the car, in order; none for an unknown token)', async () => {
    const { vehicles } = await store();
    const asked = ['TA', 'TB', 'TC', 'NOPE', 'TA'];
    const many = await vehicles.byIdTokens(asked);
    expect([...many.keys()].sort()).toEqual(['TA', 'TB', 'TC']);
    for (const t of asked) expect(many.get(t)).toEqual(await vehicles.byIdToken(t));
    expect(many.get('TA')?.idTokens).toEqual(['TA', 'TB']);
    expect(many.get('TC')).toMatchObject({ id: 'V2', batteryKwh: null, phases: 1, minCurrentA: 8, idTokens: ['TC'] });
    expect(await vehicles.byIdTokens([])).toEqual(new Map());
  });

  it('a snapshot names the same cars, found the same way, with and without the bulk read', async () => {
    const { repos, vehicles, assignments, targets, db } = await store();
    for (const id of ['CS1', 'CS2']) await repos.stations.register({ id, passwordHash: null, securityProfile: 0 }, AT);
    // CS1/1 by token TB (V1), CS1/2 by an unknown token then V3's assignment, CS2/1 with no token and no assignment.
    await assignments.assign('V3', 'CS1', 2, AT);
    const start = (stationId: string, transactionId: string, evseId: number, idToken?: string) => repos.transactions.applyEvent({
      stationId, transactionId, seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', timestamp: AT, offline: false, evseId, connectorId: 1,
      ...(idToken ? { idToken: { idToken, type: 'ISO14443' } } : {}),
      meterValues: [{ timestamp: AT, measurand: 'Energy.Active.Import.Register', value: 1000, unit: 'Wh' }], payload: {},
    }, AT);
    await start('CS1', 'T1', 1, 'TB');
    await start('CS1', 'T2', 2, 'UNKNOWN');
    await start('CS2', 'T3', 1);
    const [site] = resolveSites([{
      id: 'depot', timeZone: 'Europe/Copenhagen', tariff: 't', gridLimitKw: 40,
      circuits: [{ id: 'row', limitKw: 40 }],
      evses: [{ stationId: 'CS1', evseId: 1, circuit: 'row' }, { stationId: 'CS1', evseId: 2, circuit: 'row' }, { stationId: 'CS2', evseId: 1, circuit: 'row' }],
    }], ['t']);
    const prices = {
      effective: (_t: string, w: { start: number; end: number }, step: number): Promise<EffectiveSlot[]> => {
        const out: EffectiveSlot[] = [];
        for (let t = w.start; t < w.end; t += step) out.push({ start: t, end: t + step, energy: 0.2, gridFee: 0, taxes: {}, vat: 0, total: 0.2, currency: 'EUR', kind: 'final', source: 'test' });
        return Promise.resolve(out);
      },
    };
    const stores = { ...repos, vehicles, targets, assignments, profiles: new ProfileRepository(db) };
    // The same store asked per session: a vehicle store without byIdTokens.
    const perSession = { byIdToken: (t: string) => vehicles.byIdToken(t), get: (id: string) => vehicles.get(id) };
    const sources = (v: SnapshotSources['stores']['vehicles']): SnapshotSources => ({ stores: { ...stores, vehicles: v }, prices, connected: () => true, caps: () => null });
    const bulk = await loadCycleSnapshot(site!, NOW, sources(vehicles));
    const each = await loadCycleSnapshot(site!, NOW, sources(perSession));
    const cars = (s: typeof bulk) => s.sessions.map((x) => [x.session.transactionId, x.session.vehicle?.id ?? null, x.session.identifiedBy, x.target.departureMs]);
    expect(cars(bulk)).toEqual(cars(each));
    expect(cars(bulk).map((c) => c.slice(0, 3))).toEqual([['T1', 'V1', 'id-token'], ['T2', 'V3', 'assignment'], ['T3', null, null]]);
    expect(bulk.sessions).toEqual(each.sessions);
    // The plan a cycle stores reads back whole (plans.insert and plans.latest are prepared statements).
    const plans = new PlanRepository(db);
    const plan = { siteId: 'depot', createdAt: AT, triggers: ['test'], status: 'optimal' as const, currency: 'EUR', totalCost: 1.5, solver: 'test', solveMs: 2, slotStarts: [NOW], endMs: NOW + 900_000, prices: [0.2], siteLimitKw: [40], sessions: [], problem: { x: 1 } };
    const id = await plans.save(plan);
    expect(await plans.save({ ...plan, totalCost: 2 })).toBe(id + 1);
    expect(await plans.latest('depot')).toEqual({ ...plan, totalCost: 2, id: id + 1 });
    expect(await plans.latest('nowhere')).toBeUndefined();
  });
});
