import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { PlanningStation, type PlanningStationOptions } from '../helpers/planning-station.js';
import { addVan, nightPrices, publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';

/**
 * Issue 21: two faults found against an independent OCPP 2.0.1 station. A compliant charger was judged "ignores
 * profiles" from the 58 ms between the whole second it reported from and our start at .942; and a new session's
 * first TxProfile waited for the debounce. These run the real product against scripted stations with those habits.
 */
let server: TestServer;
afterEach(async () => server?.stop());

async function depot(station: Partial<PlanningStationOptions> = {}) {
  server = await startDepot();
  await publishPrices(server, T0, nightPrices());
  const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2, ...station });
  await cs.boot();
  await settle(server);
  await addVan(server, 'VAN-1', 'T1', '2026-11-24T07:00', 10);
  // Off the whole second, as a real clock is when a car plugs in.
  server.clock.advance(10_942);
  return cs;
}

const compliance = () => server.running.scheduler.compliance('CS1', 1);
const kinds = async () => (await server.running.scheduler.decisions('depot')).map((d) => d.kind);

describe('interoperability with chargers that keep whole seconds (issue 21)', () => {
  it('a station that truncates times to seconds follows the profile; nothing we send has a fraction of a second', async () => {
    const cs = await depot({ truncateTimes: true });
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    expect(await compliance()).toBe('follows');
    expect(await kinds()).not.toContain('station.ignores-profiles');
    expect(await kinds()).toContain('profile.verified');
    for (const p of [...cs.sent(), ...cs.sent('TxDefaultProfile')]) {
      expect(p.chargingProfile.chargingSchedule[0].startSchedule).toMatch(/:\d\d\.000Z$/);
    }
    const planned = (await server.running.scheduler.latestPlan('depot'))!.sessions[0]!;
    expect(planned.shortfallKwh).toBe(0);
    expect(planned.notes.join(' ')).not.toContain('not steered');
  });

  it('a station that reports its composite in A, rounded to the nearest 0.1 A and in whole seconds, follows the W profile', async () => {
    const cs = await depot({ truncateTimes: true, compositeInA: true });
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    expect(cs.sent()[0]!.chargingProfile.chargingSchedule[0].chargingRateUnit).toBe('W');
    expect(await compliance()).toBe('follows');
    expect(await kinds()).not.toContain('station.ignores-profiles');
  });

  it('a station that truncates times and really ignores the profile is still found from its composite schedule', async () => {
    const cs = await depot({ truncateTimes: true, compositeInA: true, ignoreProfilesW: 11_000 });
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    expect(await compliance()).toBe('ignores-profiles');
    expect((await server.running.scheduler.decisions('depot')).find((d) => d.kind === 'station.ignores-profiles')!.message).toContain('composite schedule is above it');
  });
});

describe('a new session gets its plan at once (issue 21)', () => {
  it('the first TxProfile arrives within a second of TransactionEvent Started, on the manual clock', async () => {
    const cs = await depot();
    const startedAt = server.clock.now();
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    const first = cs.arrivals.find((a) => a.request.chargingProfile.chargingProfilePurpose === 'TxProfile')!;
    expect(first.request.chargingProfile.transactionId).toBe('TX-1');
    expect(first.atMs - startedAt).toBeLessThan(1000);
    expect((await server.running.scheduler.latestPlan('depot'))!.triggers).toContain('transaction-started');
  });

  it('two sessions that start together both get theirs within a second; a burst of changes after them is one cycle', async () => {
    const cs = await depot();
    await addVan(server, 'VAN-2', 'T2', '2026-11-24T07:00', 8);
    const startedAt = server.clock.now();
    await Promise.all([cs.startTransaction(1, 'TX-1', 'T1'), cs.startTransaction(2, 'TX-2', 'T2')]);
    await settle(server);
    for (const tx of ['TX-1', 'TX-2']) {
      const first = cs.arrivals.find((a) => a.request.chargingProfile.transactionId === tx)!;
      expect(first.atMs - startedAt).toBeLessThan(1000);
    }
    const plans = async () => (await server.running.scheduler.decisions('depot')).filter((d) => d.kind === 'plan.created').length;
    const before = await plans();
    server.clock.advance(5_000);
    const s = server.running.scheduler;
    await s.setTarget('VAN-1', { kind: 'once', departure: '2026-11-24T06:00', energyKwh: 9 });
    await s.setTarget('VAN-2', { kind: 'once', departure: '2026-11-24T06:00', energyKwh: 7 });
    await s.setTarget('VAN-1', { kind: 'once', departure: '2026-11-24T06:00', energyKwh: 9.5 });
    await settle(server);
    expect((await plans()) - before).toBe(1);
    expect((await s.latestPlan('depot'))!.sessions.map((x) => x.requestedKwh)).toEqual([9.5, 7]);
  });
});
