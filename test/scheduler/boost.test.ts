import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { addVan, at, nightPrices, publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';
import { energyKwh, heldKw, type SentProfile } from '../helpers/profile-limits.js';
import { SchedulerInputError } from '../../src/scheduler/index.js';

/** "Charge now" end to end: the real server on the fake clock, a scripted station that keeps what it is sent. */
let server: TestServer;
afterEach(async () => server?.stop());

const DEPARTURE = at('2026-11-24T06:00:00Z'); // 07:00 in Copenhagen
const scheduler = () => server.running.scheduler;
const plan = async () => (await scheduler().latestPlan('depot'))!;
const kw = (p: SentProfile, ms: number) => heldKw(p, ms) ?? 0;

async function depot() {
  server = await startDepot();
  await publishPrices(server, T0, nightPrices()); // 0.30, with 0.05 from 01:00Z and 0.10 from 02:00Z
  const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2 });
  await cs.boot();
  return cs;
}

async function inputError(fn: () => Promise<unknown>): Promise<SchedulerInputError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SchedulerInputError);
    return e as SchedulerInputError;
  }
  throw new Error('no error thrown');
}

describe('charge now (boost)', () => {
  it('the pushed profile gives full power now until the boost is in, and the target still holds', async () => {
    const cs = await depot();
    await addVan(server, 'VAN-1', 'T1', '2026-11-24T07:00', 10);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    expect(kw(cs.txProfile(1)!, server.clock.now())).toBe(0); // the plan waits for the cheap hour

    const record = await scheduler().setBoost('VAN-1', 5);
    expect(record).toMatchObject({ vehicleId: 'VAN-1', siteId: 'depot', stationId: 'CS1', evseId: 1, transactionId: 'TX-1', energyKwh: 5, deliveredKwh: 0, remainingKwh: 5 });
    await settle(server);
    const p = cs.txProfile(1)!;
    // 11 kW (car, EVSE and the row-a circuit all allow 11) for the first quarter: 2.75 kWh; the rest in the next.
    expect(kw(p, server.clock.now())).toBeCloseTo(11, 1);
    expect(energyKwh(p, server.clock.now(), at('2026-11-23T16:30:00Z'))).toBeCloseTo(5, 1);
    expect(kw(p, at('2026-11-23T16:30:00Z'))).toBe(0); // then the normal plan: nothing until the cheap hour
    expect(energyKwh(p, at('2026-11-24T01:00:00Z'), at('2026-11-24T02:00:00Z'))).toBeCloseTo(5, 1);
    expect(energyKwh(p, server.clock.now(), DEPARTURE)).toBeGreaterThanOrEqual(10 - 0.05);

    const s = (await plan()).sessions[0]!;
    expect((await plan()).triggers).toContain('boost-set');
    expect(s.boost).toEqual({ remainingKwh: 5, plannedKwh: 5, untilMs: at('2026-11-23T16:30:00Z') });
    expect(s.notes.join(' ')).toContain('charge now: 5.0 kWh at full power until about 17:30, then the plan');
    expect(s.notePhrases).toContainEqual({ id: 'boost.until', params: { kwh: 5, untilAt: '2026-11-23T16:30:00.000Z' } });
    const set = (await scheduler().decisions('depot')).find((d) => d.kind === 'boost.set')!;
    expect(set.phrase).toMatchObject({ id: 'decision.boostSet', params: { kwh: 5 } });
    expect(s).toMatchObject({ shortfallKwh: 0, shortfallReason: null, expectedEnergyAtDepartureKwh: 10 });
    expect((await scheduler().decisions('depot')).map((d) => d.kind)).toContain('boost.set');

    // The car takes the 5 kWh; the next cycle ends the boost and the plan goes on alone.
    server.clock.advance(30 * 60_000);
    await cs.meter(1, 'TX-1', 5000, 9000);
    expect(await scheduler().boost('VAN-1')).toBeUndefined();
    await settle(server);
    expect((await plan()).sessions[0]).toMatchObject({ boost: null, shortfallKwh: 0 });
    // Delivered counts the 2 s since the reading at the 9 kW it reported (issue 21: extrapolated from power).
    expect((await plan()).sessions[0]!.deliveredKwh).toBeCloseTo(5, 2);
    expect((await plan()).sessions[0]!.deliveredKwh + (await plan()).sessions[0]!.requestedKwh).toBeCloseTo(10, 6);
    expect((await scheduler().decisions('depot')).map((d) => d.kind)).toContain('boost.done');
    expect((await server.running.repositories.transactions.get('CS1', 'TX-1'))!.boost).toBeNull();
  });

  it('takes the circuit ahead of the other car, which is planned around it and still makes it', async () => {
    const cs = await depot();
    await addVan(server, 'VAN-1', 'T1', '2026-11-24T07:00', 8);
    await addVan(server, 'VAN-2', 'T2', '2026-11-24T07:00', 8);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await cs.startTransaction(2, 'TX-2', 'T2');
    await settle(server);
    await scheduler().setBoost('VAN-2', 11);
    await settle(server);
    const a = cs.txProfile(1)!;
    const b = cs.txProfile(2)!;
    const now = server.clock.now();
    expect(kw(b, now)).toBeCloseTo(11, 1);
    expect(kw(a, now)).toBe(0);
    for (let t = now; t < DEPARTURE; t += 60_000) expect(kw(a, t) + kw(b, t)).toBeLessThanOrEqual(11 + 1e-9);
    expect(energyKwh(b, now, at('2026-11-23T17:00:00Z'))).toBeCloseTo(11, 1);
    expect(energyKwh(a, now, DEPARTURE)).toBeGreaterThanOrEqual(8 - 0.05);
    expect((await plan()).sessions.map((s) => s.shortfallKwh)).toEqual([0, 0]);
  });

  it('clearing it gives the plan back; it is kept across a restart and ends with the session', async () => {
    let cs = await depot();
    await addVan(server, 'VAN-1', 'T1', '2026-11-24T07:00', 10);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    await scheduler().setBoost('VAN-1', 4);
    await settle(server);
    expect(kw(cs.txProfile(1)!, server.clock.now())).toBeCloseTo(11, 1);
    expect(await scheduler().clearBoost('VAN-1')).toBe(true);
    expect(await scheduler().clearBoost('VAN-1')).toBe(false);
    await settle(server);
    expect((await plan()).triggers).toContain('boost-cleared');
    expect(kw(cs.txProfile(1)!, server.clock.now())).toBe(0);
    expect((await plan()).sessions[0]!.boost).toBeNull();

    await scheduler().setBoost('VAN-1', 6);
    await settle(server);
    await cs.close();
    server = await server.restart();
    expect(await scheduler().boost('VAN-1')).toMatchObject({ transactionId: 'TX-1', energyKwh: 6, remainingKwh: 6 });
    cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2 }, false);
    await cs.boot();
    await settle(server);
    expect((await plan()).sessions[0]!.boost).toMatchObject({ remainingKwh: 6, plannedKwh: 6 });
    expect(kw(cs.txProfile(1) ?? cs.sent().at(-1)!.chargingProfile, server.clock.now())).toBeCloseTo(11, 1);

    // (This station object is new after the restart: its seqNo must continue where the old one left off.)
    await cs.cs.call('TransactionEvent', {
      eventType: 'Ended', timestamp: cs.now, triggerReason: 'EVCommunicationLost', seqNo: 100,
      transactionInfo: { transactionId: 'TX-1', stoppedReason: 'EVDisconnected' }, evse: { id: 1, connectorId: 1 },
    });
    expect(await scheduler().boost('VAN-1')).toBeUndefined();
    await cs.close();
  });

  it('refuses what it cannot do, naming the field', async () => {
    const cs = await depot();
    await addVan(server, 'VAN-1', 'T1', '2026-11-24T07:00', 10);
    await addVan(server, 'VAN-2', 'T2', '2026-11-24T07:00', 10);
    await cs.startTransaction(1, 'TX-1', 'T1');
    expect(await inputError(() => scheduler().setBoost('NOPE', 5))).toMatchObject({ code: 'VEHICLE_UNKNOWN', field: 'vehicleId' });
    expect(await inputError(() => scheduler().clearBoost('NOPE'))).toMatchObject({ code: 'VEHICLE_UNKNOWN', field: 'vehicleId' });
    for (const bad of [0, -1, '5', Number.NaN, 2000, 61]) {
      expect(await inputError(() => scheduler().setBoost('VAN-1', bad))).toMatchObject({ code: 'TARGET_INVALID', field: 'energyKwh' });
    }
    expect((await inputError(() => scheduler().setBoost('VAN-1', 61))).message).toContain('battery');
    const notPlugged = await inputError(() => scheduler().setBoost('VAN-2', 5));
    expect(notPlugged).toMatchObject({ code: 'VEHICLE_NOT_PLUGGED_IN', field: 'vehicleId' });
    expect(notPlugged.message).toContain('not plugged in');
    expect(await scheduler().boost('VAN-1')).toBeUndefined();
  });
});
