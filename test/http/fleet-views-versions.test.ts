import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiContext } from '../../src/http/api/context.js';
import { fleetTable, readFleetInputs } from '../../src/http/api/fleet.js';
import { planView, sessionView, vehicleNames } from '../../src/http/api/plans.js';
import type { Storage } from '../../src/storage/database.js';
import { ProfileRepository } from '../../src/storage/plan-repository.js';
import { VehicleRepository } from '../../src/storage/vehicle-repository.js';
import { FreshRead } from '../../src/storage/vehicle-data-version.js';
import type { PlanningStation } from '../helpers/planning-station.js';
import { planVan1, startApi, T0, type ApiFixture } from './api-fixture.js';

/**
 * Issue 18, the fleet views' batched reads and kept copies: the narrow and kept reads answer what the per-session
 * and per-request reads answer; a change shows up on the next request, whether it was made in this process, by an
 * event at the site, or by another connection to the database (another cluster node, another process), which this
 * process's write counter never sees.
 */
let f: ApiFixture;
let cs: PlanningStation;
let other: Storage;
beforeAll(async () => {
  f = await startApi();
  cs = await planVan1(f);
  // A second connection to the same database: what another node (PostgreSQL) or process (SQLite file) writes with.
  other = await f.server.database.open();
}, 60_000);
afterAll(async () => {
  await other?.close();
  await f?.close();
});

const ctx = () => new ApiContext(f.deps);
const north = () => ctx().sites.find((s) => s.id === 'north-depot')!;
const get = (url: string, headers: Record<string, string> = {}) => f.as('north', { url, headers });

describe('batched reads answer what the per-vehicle and per-session reads answer', () => {
  it('the plan: pushes in one narrow read, names in one bulk read', async () => {
    const plan = (await f.server.running.scheduler.latestPlan('north-depot'))!;
    expect(plan.sessions.length).toBeGreaterThan(0);
    const batched = await planView(ctx(), plan);
    // The same stores without the narrow read: pushedOf, the full records.
    const { pushed, pushedOf, complianceOf } = f.deps.stores.profiles;
    const wide = new ProfileRepository(f.server.running.db);
    const plain = new ApiContext({ ...f.deps, stores: { ...f.deps.stores, profiles: { pushed: pushed.bind(wide), pushedOf: pushedOf.bind(wide), complianceOf: complianceOf.bind(wide) } } });
    expect(await planView(plain, plan)).toEqual(batched);
    // Each session read on its own (its push by its key, its car by id).
    const names = await vehicleNames(ctx(), plan);
    const one = await Promise.all(plan.sessions.map((s) => sessionView(ctx(), s, names)));
    expect(one).toEqual(batched.sessions);
    expect(batched.sessions[0]).toMatchObject({ vehicleId: 'VAN-1', vehicleName: expect.any(String), pushed: { state: 'accepted' } });
  });

  it('the plan’s narrow push read says what pushedOf says, for the site’s sessions only', async () => {
    const plan = (await f.server.running.scheduler.latestPlan('north-depot'))!;
    const repo = new ProfileRepository(f.server.running.db);
    const wide = await repo.pushedOf(plan.sessions);
    expect(wide.length).toBeGreaterThan(0);
    expect(await repo.pushStatesOf('north-depot', plan.sessions)).toEqual(wide.map((p) => ({
      stationId: p.stationId, evseId: p.evseId, transactionId: p.transactionId, profileId: p.profileId, state: p.state, sentAt: p.sentAt,
    })));
    expect(await repo.pushStatesOf('south-depot', plan.sessions)).toEqual([]);
    expect(await repo.pushStatesOf('north-depot', [])).toEqual([]);
  });

  it('the fleet table from kept inputs is the table it reads itself', async () => {
    const inputs = await readFleetInputs(ctx(), north());
    expect(await fleetTable(ctx(), north(), undefined, inputs)).toEqual(await fleetTable(ctx(), north()));
  });
});

describe('a change is on the next request', () => {
  it('a van renamed through another connection: the fleet table and the plan name it at once', async () => {
    const table = await get('/api/v1/sites/north-depot/vehicles');
    const plan = await get('/api/v1/sites/north-depot/plan');
    const before = await f.deps.stores.vehicles.stored!.vehicles();
    // Not through the repositories of this process: its write counter stays where it was.
    await other.db.updateTable('vehicles').set({ name: 'Renamed elsewhere', updated_at: T0 }).where('id', '=', 'VAN-1').execute();
    expect(await f.deps.stores.vehicles.stored!.vehicles()).not.toBe(before);
    const table2 = await get('/api/v1/sites/north-depot/vehicles', { 'if-none-match': table.headers.etag as string });
    expect(table2.statusCode).toBe(200);
    expect((table2.json() as { vehicleId: string; name: string }[]).find((r) => r.vehicleId === 'VAN-1')!.name).toBe('Renamed elsewhere');
    const plan2 = await get('/api/v1/sites/north-depot/plan', { 'if-none-match': plan.headers.etag as string });
    expect(plan2.statusCode).toBe(200);
    expect(plan2.json().sessions[0].vehicleName).toBe('Renamed elsewhere');
  });

  it('a target set through another connection: the fleet table shows it at once', async () => {
    const table = await get('/api/v1/sites/north-depot/vehicles');
    await other.db.insertInto('departure_targets')
      .values({ vehicle_id: 'VAN-2', once_json: JSON.stringify({ kind: 'once', departure: '2026-11-24T09:45', energyKwh: 7 }), weekly_json: null, updated_at: T0 })
      .onConflict((oc) => oc.column('vehicle_id').doUpdateSet({ once_json: JSON.stringify({ kind: 'once', departure: '2026-11-24T09:45', energyKwh: 7 }) }))
      .execute();
    const after = await get('/api/v1/sites/north-depot/vehicles', { 'if-none-match': table.headers.etag as string });
    expect(after.statusCode).toBe(200);
    expect((after.json() as { vehicleId: string }[]).find((r) => r.vehicleId === 'VAN-2')).toMatchObject({ departureAt: '2026-11-24T08:45:00.000Z', target: { kind: 'once', energyKwh: 7 } });
  });

  it('what was pushed: a plan.pushed at the site drops the kept plan; one at another site does not', async () => {
    const plan = await get('/api/v1/sites/north-depot/plan');
    const etag = plan.headers.etag as string;
    const planId = plan.json().planId as number;
    // Another site's event: the kept copy stays (no rebuild, same body). Written as the push cycle writes, on this
    // process's connection (another connection's commit moves SQLite's data_version, and the views rebuild anyway).
    await f.server.running.db.updateTable('pushed_profiles').set({ state: 'rejected' }).where('station_id', '=', 'CS1').execute();
    f.server.running.events.emit('plan.pushed', { siteId: 'south-depot', planId, pushes: [] });
    expect((await get('/api/v1/sites/north-depot/plan', { 'if-none-match': etag })).statusCode).toBe(304);
    // This site's event: rebuilt from the database.
    f.server.running.events.emit('plan.pushed', { siteId: 'north-depot', planId, pushes: [] });
    const after = await get('/api/v1/sites/north-depot/plan', { 'if-none-match': etag });
    expect(after.statusCode).toBe(200);
    expect(after.json().sessions[0].pushed.state).toBe('rejected');
  });

  it('a station going away: the fleet table says offline on the next request', async () => {
    const before = (await get('/api/v1/sites/north-depot/vehicles')).json() as { vehicleId: string; status: string }[];
    expect(before.find((r) => r.vehicleId === 'VAN-1')!.status).not.toBe('offline');
    const gone = new Promise<void>((resolve) => {
      const off = f.server.running.events.on('station.disconnected', (e) => {
        if (e.stationId !== 'CS1') return;
        off();
        resolve();
      });
    });
    await cs.close();
    await gone;
    const after = (await get('/api/v1/sites/north-depot/vehicles')).json() as { vehicleId: string; status: string }[];
    expect(after.find((r) => r.vehicleId === 'VAN-1')!.status).toBe('offline');
  });

  it('never serves one principal’s kept view to a principal who may not read the site', async () => {
    expect((await get('/api/v1/sites/north-depot/vehicles')).statusCode).toBe(200);
    expect((await f.as('south', { url: '/api/v1/sites/north-depot/vehicles' })).statusCode).toBe(403);
    expect((await f.as('south', { url: '/api/v1/sites/north-depot/plan' })).statusCode).toBe(403);
    expect((await f.as('anonymous', { url: '/api/v1/sites/north-depot/plan' })).statusCode).toBe(401);
  });
});

describe('FreshRead', () => {
  it('shares one read among callers that arrive before it starts, and never answers a caller from an earlier read', async () => {
    let n = 0;
    const gates: (() => void)[] = [];
    const shared = new FreshRead(() => new Promise<number>((resolve) => {
      const k = ++n;
      gates.push(() => resolve(k));
    }));
    const a = shared.read();
    const b = shared.read();
    await Promise.resolve();
    await Promise.resolve();
    expect(n).toBe(1); // a and b share read 1
    const c = shared.read(); // read 1 is under way: c waits for read 2
    const d = shared.read();
    gates[0]!();
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    for (let i = 0; i < 5 && gates.length < 2; i++) await Promise.resolve();
    expect(n).toBe(2);
    gates[1]!();
    expect(await c).toBe(2);
    expect(await d).toBe(2);
    const e = shared.read();
    for (let i = 0; i < 5 && gates.length < 3; i++) await Promise.resolve();
    gates[2]!();
    expect(await e).toBe(3);
  });
});
