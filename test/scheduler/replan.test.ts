import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { addVan, at, nightPrices, publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';
import { OcppValidator } from '../../src/ocpp/rpc/validator.js';
import type { RequestOf } from '../../src/ocpp/schemas/generated/index.js';
import { energyKwh as allowedKwh, heldKw } from '../helpers/profile-limits.js';

let server: TestServer;
afterEach(async () => server?.stop());
const validator = new OcppValidator(['SetChargingProfile']);
type Sent = RequestOf<'SetChargingProfile'>;

const limitKw = (p: Sent, ms: number) => heldKw(p.chargingProfile, ms);
const energyKwh = (p: Sent, from: number, to: number) => allowedKwh(p.chargingProfile, from, to);

const van = (id: string, token: string, departure: string, energyKwh: number) => addVan(server, id, token, departure, energyKwh);

async function depotWith(site: Record<string, unknown> = {}, station: Partial<Parameters<typeof PlanningStation.connect>[1]> = {}) {
  server = await startDepot(site);
  await publishPrices(server, T0, nightPrices());
  const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2, ...station });
  await cs.boot();
  return cs;
}

describe('the scheduler re-plans', () => {
  it('two cars on one 11 kW circuit that want the same cheap hour both reach their targets', async () => {
    const cs = await depotWith();
    await van('VAN-1', 'T1', '2026-11-24T07:00', 8);
    await van('VAN-2', 'T2', '2026-11-24T07:00', 8);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await cs.startTransaction(2, 'TX-2', 'T2');
    await settle(server);
    const plan = (await server.running.scheduler.latestPlan('depot'))!;
    expect(plan.sessions.map((s) => [s.vehicleId, s.shortfallKwh])).toEqual([['VAN-1', 0], ['VAN-2', 0]]);
    const p1 = cs.txProfile(1)!;
    const p2 = cs.txProfile(2)!;
    const a = { chargingProfile: p1 } as Sent;
    const b = { chargingProfile: p2 } as Sent;
    const dep = at('2026-11-24T06:00:00Z');
    // What the chargers hold delivers each target by departure, and never more than the circuit's 11 kW together.
    expect(energyKwh(a, server.clock.now(), dep)).toBeGreaterThanOrEqual(8 - 0.05);
    expect(energyKwh(b, server.clock.now(), dep)).toBeGreaterThanOrEqual(8 - 0.05);
    for (let t = server.clock.now(); t < dep; t += 60_000) expect((limitKw(a, t) ?? 0) + (limitKw(b, t) ?? 0)).toBeLessThanOrEqual(11 + 1e-9);
    // The cheapest hour is full: 11 kWh of the 16 go there.
    expect(energyKwh(a, at('2026-11-24T01:00:00Z'), at('2026-11-24T02:00:00Z')) + energyKwh(b, at('2026-11-24T01:00:00Z'), at('2026-11-24T02:00:00Z'))).toBeCloseTo(11, 1);
  });

  it('a re-plan 3 minutes before a slot ends still charges in that slot: its minimum is scaled like its maximum', async () => {
    const cs = await depotWith();
    server.clock.set('2026-11-23T16:12:00Z');
    // 17:00Z is 18:00 in Copenhagen: 48 minutes at 11 kW are 8.8 kWh, so the car has about 30 seconds to spare.
    await van('VAN-1', 'T1', '2026-11-23T18:00', 8.7);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    const plan = (await server.running.scheduler.latestPlan('depot'))!;
    expect(plan.slotStarts[0]).toBeGreaterThanOrEqual(at('2026-11-23T16:12:00Z'));
    expect(plan.slotStarts[1]).toBe(at('2026-11-23T16:15:00Z'));
    // The minimum (6 A x 3 x 230 V = 4.14 kW) over the 3 minutes left is 0.83 kW averaged over the slot: below the
    // slot's scaled maximum (2.2 kW), so the slot is usable, and the car must use it.
    expect(plan.sessions[0]!.shortfallKwh).toBe(0);
    const p = { chargingProfile: cs.txProfile(1)! } as Sent;
    expect(limitKw(p, server.clock.now())).toBeCloseTo(11, 1);
    expect(energyKwh(p, server.clock.now(), at('2026-11-23T17:00:00Z'))).toBeGreaterThanOrEqual(8.7 - 1e-6);
  });

  it('a target change re-plans and replaces the profile under the same id (K01.FR.05)', async () => {
    const cs = await depotWith();
    await van('VAN-1', 'T1', '2026-11-24T07:00', 10);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    const before = cs.sent().at(-1)!;
    await server.running.scheduler.setTarget('VAN-1', { kind: 'once', departure: '2026-11-24T01:00', energyKwh: 10 }); // 00:00Z
    await settle(server);
    const after = cs.sent().at(-1)!;
    expect(after.chargingProfile.id).toBe(before.chargingProfile.id);
    const plan = (await server.running.scheduler.latestPlan('depot'))!;
    expect(plan.triggers).toContain('target-changed');
    expect(plan.sessions[0]!.departureMs).toBe(at('2026-11-24T00:00:00Z'));
    expect(energyKwh(after, server.clock.now(), at('2026-11-24T00:00:00Z'))).toBeGreaterThanOrEqual(10 - 0.05);
    expect(limitKw(after, at('2026-11-24T01:30:00Z'))).toBe(null); // the schedule now ends at the new departure
  });

  it('charging needs from the car (ISO 15118) override the site default target', async () => {
    const cs = await depotWith();
    await cs.startTransaction(1, 'TX-1', 'UNKNOWN-CARD');
    await settle(server);
    let s = (await server.running.scheduler.latestPlan('depot'))!.sessions[0]!;
    expect(s).toMatchObject({ targetSource: 'site-default', requestedKwh: 20, departureMs: at('2026-11-24T06:00:00Z') });
    await cs.cs.call('NotifyEVChargingNeeds', {
      evseId: 1,
      chargingNeeds: { requestedEnergyTransfer: 'AC_three_phase', departureTime: '2026-11-24T03:00:00Z', acChargingParameters: { energyAmount: 6000, evMinCurrent: 6, evMaxCurrent: 16, evMaxVoltage: 400 } },
    });
    await settle(server);
    const plan = (await server.running.scheduler.latestPlan('depot'))!;
    s = plan.sessions[0]!;
    expect(plan.triggers).toContain('charging-needs');
    expect(s).toMatchObject({ targetSource: 'charging-needs', requestedKwh: 6, departureMs: at('2026-11-24T03:00:00Z'), shortfallKwh: 0 });
  });

  it('new prices re-plan: the energy moves to the new cheapest hour', async () => {
    const cs = await depotWith();
    await van('VAN-1', 'T1', '2026-11-24T07:00', 5);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    expect(limitKw(cs.sent().at(-1)!, at('2026-11-24T01:00:00Z'))).toBeGreaterThan(0);
    await publishPrices(server, '2026-11-23T22:00:00Z', [0.01]); // a windy evening hour becomes the cheapest
    await settle(server);
    const latest = cs.sent().at(-1)!;
    expect((await server.running.scheduler.latestPlan('depot'))!.triggers).toContain('prices-updated');
    expect(energyKwh(latest, at('2026-11-23T22:00:00Z'), at('2026-11-23T23:00:00Z'))).toBeCloseTo(5, 1);
    expect(limitKw(latest, at('2026-11-24T01:00:00Z'))).toBe(0);
  });

  it('a station in A with 24 periods receives a valid profile and a refresh before it runs out', async () => {
    const cs = await depotWith({}, { variables: { RateUnit: 'A', PeriodsPerSchedule: '24' } });
    // Quarter-hour prices that alternate make a plan with far more than 24 changes.
    await publishPrices(server, T0, Array.from({ length: 14 * 4 }, (_, q) => (q % 2 ? 0.1 : 0.4)), 15);
    await van('VAN-1', 'T1', '2026-11-24T07:00', 45); // 17 cheap quarters: 34 changes of limit
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    const sent = cs.sent();
    expect(sent.length).toBeGreaterThanOrEqual(1);
    const p = sent.at(-1)!;
    expect(validator.validate('SetChargingProfile', 'Request', p)).toBeNull();
    const s = p.chargingProfile.chargingSchedule[0];
    expect(s.chargingRateUnit).toBe('A');
    expect(s.chargingSchedulePeriod.length).toBeLessThanOrEqual(24);
    for (const q of s.chargingSchedulePeriod) {
      expect(q.numberPhases).toBe(3);
      expect(q.limit).toBeLessThanOrEqual(11000 / 690 + 1e-9); // K01.FR.51: per phase, never above the plan
    }
    // The schedule ends where the cut periods would start; the loop pushes again before that.
    const coversUntil = Date.parse(s.startSchedule!) + s.duration! * 1000;
    expect(coversUntil).toBeLessThan(at('2026-11-24T06:00:00Z'));
    const count = cs.sent().length;
    server.clock.advance(coversUntil - server.clock.now() - 30 * 60_000);
    await settle(server);
    expect(cs.sent().length).toBeGreaterThan(count);
    const refreshed = cs.sent().at(-1)!;
    const end = Date.parse(refreshed.chargingProfile.chargingSchedule[0].startSchedule!) + refreshed.chargingProfile.chargingSchedule[0].duration! * 1000;
    expect(end).toBeGreaterThan(coversUntil);
  });

  it('a car identified after the transaction started (Authorized in an Updated event) gets its own target', async () => {
    const cs = await depotWith();
    await van('VAN-1', 'T1', '2026-11-24T05:00', 6);
    await cs.startTransaction(1, 'TX-1', null);
    await settle(server);
    expect((await server.running.scheduler.latestPlan('depot'))!.sessions[0]).toMatchObject({ vehicleId: null, targetSource: 'site-default' });
    await cs.cs.call('TransactionEvent', {
      eventType: 'Updated', timestamp: cs.now, triggerReason: 'Authorized', seqNo: 99,
      transactionInfo: { transactionId: 'TX-1' }, idToken: { idToken: 'T1', type: 'ISO14443' },
    });
    await settle(server);
    const plan = (await server.running.scheduler.latestPlan('depot'))!;
    expect(plan.triggers).toContain('vehicle-identified');
    expect(plan.sessions[0]).toMatchObject({ vehicleId: 'VAN-1', targetSource: 'vehicle-once', requestedKwh: 6, departureMs: at('2026-11-24T04:00:00Z') });
  });
});
