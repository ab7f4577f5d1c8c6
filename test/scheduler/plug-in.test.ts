import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { at, nightPrices, publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';
import { OcppValidator } from '../../src/ocpp/rpc/validator.js';
import { heldKw, type SentProfile } from '../helpers/profile-limits.js';

let server: TestServer;
afterEach(async () => server?.stop());
const validator = new OcppValidator(['SetChargingProfile']);

const limitW = (p: { chargingProfile: SentProfile }, iso: string) => Math.round((heldKw(p.chargingProfile, Date.parse(iso)) ?? 0) * 1000);

async function vanWithTarget(energyKwh: number, departure = '2026-11-24T07:00', id = 'VAN-1', token = 'TOKEN-1') {
  await server.running.scheduler.upsertVehicle({ id, name: id, fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, idTokens: [token] });
  await server.running.scheduler.setTarget(id, { kind: 'once', departure, energyKwh });
}

describe('a car plugs in', () => {
  it('its charger receives the schedule of the optimiser’s plan (K01.FR.03/.16/.31/.35/.40)', async () => {
    server = await startDepot();
    await publishPrices(server, T0, nightPrices());
    const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2 });
    await cs.boot();
    await vanWithTarget(10);
    await cs.startTransaction(1, 'TX-1', 'TOKEN-1');
    await settle(server);

    const plan = (await server.running.scheduler.latestPlan('depot'))!;
    expect(plan.status).toBe('optimal');
    const session = plan.sessions[0]!;
    expect(session).toMatchObject({ vehicleId: 'VAN-1', targetSource: 'vehicle-once', requestedKwh: 10, plannedKwh: 10, shortfallKwh: 0 });
    expect(session.departureMs).toBe(at('2026-11-24T06:00:00Z')); // 07:00 in Copenhagen
    // The cheapest hour (02:00-03:00 local) takes the energy: three quarters at 11 kW and the rest, earliest first.
    const sent = cs.sent();
    expect(sent).toHaveLength(1);
    const profile = sent[0]!;
    expect(validator.validate('SetChargingProfile', 'Request', profile)).toBeNull();
    expect(profile.evseId).toBe(1);
    expect(profile.chargingProfile).toMatchObject({ chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Absolute', transactionId: 'TX-1' });
    const schedule = profile.chargingProfile.chargingSchedule[0];
    expect(schedule.chargingSchedulePeriod[0]!.startPeriod).toBe(0);
    const starts = schedule.chargingSchedulePeriod.map((p) => p.startPeriod);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    for (let i = 0; i < plan.slotStarts.length; i++) {
      const iso = new Date(plan.slotStarts[i]!).toISOString();
      expect(limitW(profile, iso)).toBeCloseTo(session.powerKw[i]! * 1000, -1);
    }
    expect(limitW(profile, '2026-11-24T01:00:00Z')).toBe(11000);
    expect(limitW(profile, '2026-11-24T00:45:00Z')).toBe(0);
    expect(await server.running.scheduler.compliance('CS1', 1)).toBe('follows');
    const kinds = (await server.running.scheduler.decisions('depot')).map((d) => d.kind);
    expect(kinds).toEqual(expect.arrayContaining(['plan.created', 'profile.accepted', 'profile.verified', 'default-profile.installed']));
  });
});
