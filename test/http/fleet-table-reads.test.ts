import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiContext } from '../../src/http/api/context.js';
import type { ApiStores } from '../../src/http/api/deps.js';
import { fleetTable } from '../../src/http/api/fleet.js';
import { startApi, T0, type ApiFixture } from './api-fixture.js';

/**
 * Issue 15: the fleet table's reads do not grow with the fleet (bench:storage times them at 1,000 vans). Every store
 * call the table makes is counted on the product's own repositories: the vans in one list and their targets in one
 * bulk read, never a query per row.
 */
let f: ApiFixture;
const N = 1000;

// The real product starts here (every OCPP and API schema compiled): past the default 20 s on a loaded machine.
beforeAll(async () => {
  f = await startApi();
  const vans = Array.from({ length: N }, (_, i) => ({
    id: `FLEET-${String(i).padStart(4, '0')}`, name: `Van ${i}`, fleet: 'north', battery_kwh: 60, max_ac_kw: 11, phases: 3, min_current_a: null, updated_at: T0,
  }));
  await f.server.running.db.transaction().execute(async (trx) => {
    for (let i = 0; i < N; i += 250) await trx.insertInto('vehicles').values(vans.slice(i, i + 250)).execute();
  });
  // Every other van has a weekly rule.
  await f.server.running.scheduler.setTargets(vans.filter((_, i) => i % 2 === 0).map((v) => ({
    vehicleId: v.id, target: { kind: 'weekly', days: ['mon', 'tue', 'wed', 'thu', 'fri'], time: '06:30', energyKwh: 20 },
  })));
}, 60_000);
afterAll(async () => f?.close());

/** The stores with every method call counted by "store.method". */
function counted(stores: ApiStores, calls: Map<string, number>): ApiStores {
  const wrap = <T extends object>(name: string, store: T): T => new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const key = `${name}.${String(prop)}`;
        calls.set(key, (calls.get(key) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return Object.fromEntries(Object.entries(stores).map(([name, store]) => [name, wrap(name, store as object)])) as unknown as ApiStores;
}

describe('the fleet table at 1,000 vans', () => {
  it('reads the vans once and their targets once, whatever the fleet’s size', async () => {
    const calls = new Map<string, number>();
    const ctx = new ApiContext({ ...f.deps, stores: counted(f.deps.stores, calls) });
    const site = ctx.sites.find((s) => s.id === 'north-depot')!;
    const rows = await fleetTable(ctx, site);
    expect(rows).toHaveLength(N + 2); // VAN-1 and VAN-2 of the fixture
    expect(Object.fromEntries(calls)).toEqual({ 'vehicles.list': 1, 'targets.many': 1 });
    expect(rows.find((r) => r.vehicleId === 'FLEET-0000')).toMatchObject({ status: 'away', target: { kind: 'weekly', energyKwh: 20 }, departureAt: '2026-11-24T05:30:00.000Z' });
    expect(rows.find((r) => r.vehicleId === 'FLEET-0001')).toMatchObject({ status: 'away', target: { kind: 'none' }, departureAt: null });
  });

  it('answers the same through the API', async () => {
    const res = await f.as('north', { url: '/api/v1/sites/north-depot/vehicles' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toHaveLength(N + 2);
  });
});
