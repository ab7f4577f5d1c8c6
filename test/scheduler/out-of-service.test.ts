/**
 * The scheduler reacts (issue 17): an EVSE taken out of service (ChangeAvailability Inoperative, G03/G04: its
 * connectors report Unavailable; or a fault, G01: Faulted) leaves planning at once, its share of the site's limit
 * going to the other cars, and returns when its connector is Available again. (A remotely started session is planned
 * at once: test/http/api-operations.test.ts, "RequestStartTransaction carries our TxProfile and the session is
 * planned at once".)
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';

let server: TestServer;
afterEach(async () => server?.stop());

async function van(id: string, token: string) {
  await server.running.scheduler.upsertVehicle({ id, name: id, fleet: 'north', batteryKwh: 100, maxAcKw: 11, phases: 3, idTokens: [token] });
  await server.running.scheduler.setTarget(id, { kind: 'once', departure: '2026-11-24T07:00', energyKwh: 80 });
}

const planned = async () => {
  const plan = (await server.running.scheduler.latestPlan('depot'))!;
  return plan.sessions.map((s) => `${s.stationId}#${s.evseId}`).sort();
};

describe('an EVSE out of service', () => {
  for (const status of ['Unavailable', 'Faulted'] as const) {
    it(`${status}: its session leaves planning at once and returns when the connector is Available`, async () => {
      // Two EVSEs under a 5 kW site limit: 70 kWh by 07:00 for two cars asking 80 each. Neither can be complete, so they
      // share it (two cars asking 40 would not: the solver completes one of them rather than leave both short).
      server = await startDepot({ gridLimitKw: 5 });
      await publishPrices(server, T0, Array.from({ length: 40 }, () => 0.3));
      const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2 });
      await cs.boot();
      await van('VAN-1', 'TOKEN-1');
      await van('VAN-2', 'TOKEN-2');
      await cs.startTransaction(1, 'TX-1', 'TOKEN-1');
      await cs.startTransaction(2, 'TX-2', 'TOKEN-2');
      await settle(server);
      expect(await planned()).toEqual(['CS1#1', 'CS1#2']);
      const before = (await server.running.scheduler.latestPlan('depot'))!.sessions.find((s) => s.evseId === 1)!.plannedKwh;

      const out = server.running.events.once('plan.created', (e) => e.triggers.includes('evse-out-of-service'));
      await cs.cs.call('StatusNotification', { timestamp: cs.now, connectorStatus: status, evseId: 2, connectorId: 1 });
      await settle(server); // the re-plan waits for the site's debounce on the manual clock
      await out;
      expect(await planned()).toEqual(['CS1#1']);
      // The whole limit is EVSE 1's now.
      expect((await server.running.scheduler.latestPlan('depot'))!.sessions[0]!.plannedKwh).toBeGreaterThan(before);

      const back = server.running.events.once('plan.created', (e) => e.triggers.includes('evse-in-service'));
      await cs.cs.call('StatusNotification', { timestamp: cs.now, connectorStatus: 'Available', evseId: 2, connectorId: 1 });
      await settle(server);
      await back;
      expect(await planned()).toEqual(['CS1#1', 'CS1#2']);
    }, 60_000);
  }

  it('Occupied keeps an EVSE in service, Unavailable takes it out (per EVSE)', async () => {
    server = await startDepot();
    const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2 });
    await cs.boot();
    await settle(server);
    expect(server.running.scheduler.outOfService('CS1', 1)).toBe(false);
    await cs.cs.call('StatusNotification', { timestamp: cs.now, connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
    await cs.cs.call('StatusNotification', { timestamp: cs.now, connectorStatus: 'Unavailable', evseId: 2, connectorId: 1 });
    await settle(server);
    expect([server.running.scheduler.outOfService('CS1', 1), server.running.scheduler.outOfService('CS1', 2)]).toEqual([false, true]);
  }, 60_000);
});
