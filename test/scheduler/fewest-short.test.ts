/**
 * Issue 21: when not every target fits, the product completes as many cars as the same energy allows rather than leave
 * every car a little short (problem.shortfall 'fewest-cars', solver/fewest-short.ts), also through the site's warm
 * solver (planning-loop.ts wraps it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';
import type { Problem } from '../../solver/index.js';

let server: TestServer;
afterEach(async () => server?.stop());

async function van(id: string, token: string, energyKwh: number) {
  await server.running.scheduler.upsertVehicle({ id, name: id, fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: [token] });
  await server.running.scheduler.setTarget(id, { kind: 'once', departure: '2026-11-24T07:00', energyKwh });
}

describe('fewest cars short', () => {
  it('two cars asking 40 kWh where 70 fit: one is planned complete, the other carries the whole shortfall', async () => {
    server = await startDepot({ gridLimitKw: 5 });
    await publishPrices(server, T0, Array.from({ length: 40 }, () => 0.3));
    const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2 });
    await cs.boot();
    await van('VAN-1', 'TOKEN-1', 40);
    await van('VAN-2', 'TOKEN-2', 40);
    await cs.startTransaction(1, 'TX-1', 'TOKEN-1');
    await cs.startTransaction(2, 'TX-2', 'TOKEN-2');
    await settle(server);
    const plan = (await server.running.scheduler.latestPlan('depot'))!;
    expect((plan.problem as Problem).shortfall).toBe('fewest-cars');
    const sessions = [...plan.sessions].sort((a, b) => a.shortfallKwh - b.shortfallKwh);
    expect(sessions.map((s) => s.shortfallKwh > 1e-6)).toEqual([false, true]);
    // The spread plan of the same problem left both short by about 5 kWh each; the energy planned is the same.
    expect(sessions[1]!.shortfallKwh).toBeGreaterThan(9);
    expect(sessions[0]!.plannedKwh + sessions[1]!.plannedKwh).toBeGreaterThan(69);
  }, 60_000);
});
