import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { PlanningStation } from '../helpers/planning-station.js';
import { addVan, at, nightPrices, publishPrices, settle, startDepot, T0 } from '../helpers/depot.js';
import type { RequestOf } from '../../src/ocpp/schemas/generated/index.js';
import { heldKw } from '../helpers/profile-limits.js';

let server: TestServer;
afterEach(async () => server?.stop());
type Sent = RequestOf<'SetChargingProfile'>;

/** After its schedule ends the EVSE falls back to the site default (3.7 kW). */
const limitKw = (p: Sent['chargingProfile'], ms: number) => heldKw(p, ms) ?? 3.7;

const van = (id: string, token: string, departure: string, energyKwh: number) => addVan(server, id, token, departure, energyKwh);

async function depot(station: Partial<Parameters<typeof PlanningStation.connect>[1]> = {}) {
  server = await startDepot();
  await publishPrices(server, T0, nightPrices());
  const cs = await PlanningStation.connect(server, { id: 'CS1', evses: 2, ...station });
  await cs.boot();
  return cs;
}

const kinds = async () => (await server.running.scheduler.decisions('depot')).map((d) => d.kind);

describe('chargers that do not do what we ask', () => {
  it('a station that accepts and ignores is detected by two meter readings above the limit, and planned as it draws', async () => {
    const cs = await depot();
    await van('VAN-1', 'T1', '2026-11-24T07:00', 10);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    expect(await server.running.scheduler.compliance('CS1', 1)).toBe('follows');
    // The plan holds 0 kW until the cheap night hour, but the car draws 11 kW.
    // The scheduler checks a reading after the station's MeterValues is answered (its reads are awaited): done() waits for that.
    server.clock.advance(61_000);
    await cs.meter(1, 'TX-1', 186, 11_000);
    await server.running.scheduler.done();
    expect(await server.running.scheduler.compliance('CS1', 1)).toBe('follows'); // one reading is not enough
    server.clock.advance(60_000);
    await cs.meter(1, 'TX-1', 183, 11_000);
    await server.running.scheduler.done();
    expect(await server.running.scheduler.compliance('CS1', 1)).toBe('ignores-profiles');
    await settle(server);
    const plan = (await server.running.scheduler.latestPlan('depot'))!;
    expect(plan.triggers).toContain('charger-ignores-profiles');
    expect(plan.sessions[0]).toMatchObject({ compliance: 'ignores-profiles' });
    expect(plan.sessions[0]!.powerKw[1]).toBe(11); // planned as it really draws: full power from now
    expect(await kinds()).toContain('station.ignores-profiles');
  });

  it('a charger whose composite schedule is above the profile is marked as ignoring it', async () => {
    const cs = await depot({ ignoreProfilesW: 11_000 });
    await van('VAN-1', 'T1', '2026-11-24T07:00', 10);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    expect(await server.running.scheduler.compliance('CS1', 1)).toBe('ignores-profiles');
    const d = (await server.running.scheduler.decisions('depot')).find((x) => x.kind === 'station.ignores-profiles')!;
    expect(d.message).toContain('composite schedule is above it');
  });

  it('a station that rejects profiles is marked, logged and planned as uncontrolled', async () => {
    const cs = await depot({ rejectProfiles: true });
    await van('VAN-1', 'T1', '2026-11-24T07:00', 10);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    // One try in W, one retry in A (the other unit), then PROFILE_REJECTED.
    expect(cs.sent().map((p) => p.chargingProfile.chargingSchedule[0].chargingRateUnit)).toEqual(['W', 'A']);
    expect(await server.running.scheduler.compliance('CS1', 1)).toBe('rejects-profiles');
    const rejected = (await server.running.scheduler.decisions('depot')).find((x) => x.kind === 'profile.rejected')!;
    expect(rejected.details).toMatchObject({ code: 'PROFILE_REJECTED' });
    const plan = (await server.running.scheduler.latestPlan('depot'))!;
    expect(plan.sessions[0]).toMatchObject({ compliance: 'rejects-profiles' });
    expect(plan.sessions[0]!.notes.join(' ')).toContain('not steered');
  });

  it('reductions are pushed before increases: the circuit limit holds between two plans too', async () => {
    const cs = await depot();
    await van('VAN-A', 'TA', '2026-11-24T07:00', 11);
    await van('VAN-B', 'TB', '2026-11-24T07:00', 0.5);
    await cs.startTransaction(1, 'TX-A', 'TA');
    await cs.startTransaction(2, 'TX-B', 'TB');
    await settle(server);
    const before = cs.sent().length;
    // B must now leave at 03:00 local with 11 kWh: it takes the cheap hour, A moves to the next one.
    await server.running.scheduler.setTarget('VAN-B', { kind: 'once', departure: '2026-11-24T03:00', energyKwh: 11 });
    await settle(server);
    const sequence = cs.sent().slice(before);
    expect(sequence.length).toBeGreaterThanOrEqual(3);
    // Replay what the two EVSEs hold after each accepted message: the sum never exceeds the circuit's 11 kW.
    const held = new Map<number, Sent['chargingProfile']>();
    for (const p of cs.sent().slice(0, before)) held.set(p.evseId, p.chargingProfile);
    for (const p of sequence) {
      held.set(p.evseId, p.chargingProfile);
      for (let t = server.clock.now(); t < at('2026-11-24T06:00:00Z'); t += 5 * 60_000) {
        expect(limitKw(held.get(1)!, t) + limitKw(held.get(2)!, t)).toBeLessThanOrEqual(11 + 1e-9);
      }
    }
    const final = (await server.running.scheduler.latestPlan('depot'))!;
    expect(final.sessions.map((s) => s.shortfallKwh)).toEqual([0, 0]);
    expect(limitKw(cs.txProfile(2)!, at('2026-11-24T01:30:00Z'))).toBe(11);
    expect(limitKw(cs.txProfile(1)!, at('2026-11-24T02:30:00Z'))).toBe(11);
  });

  it('a reconnect re-pushes the profile a station no longer holds', async () => {
    const cs = await depot();
    await van('VAN-1', 'T1', '2026-11-24T07:00', 10);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    const first = cs.sent().at(-1)!;
    await cs.close();
    await settle(server);
    expect(await server.running.scheduler.compliance('CS1', 1)).toBe('unreachable');
    // The station comes back without the profile (a firmware that does not keep them, against K01.FR.27).
    const again = await PlanningStation.connect(server, { id: 'CS1', evses: 2 }, false);
    await settle(server);
    const repushed = again.sent().at(-1)!;
    expect(repushed.chargingProfile.id).toBe(first.chargingProfile.id);
    expect(repushed.chargingProfile.transactionId).toBe('TX-1');
    expect(again.sent('TxDefaultProfile')).toHaveLength(2); // the site default on both EVSEs again
    expect(await kinds()).toContain('profile.restored');
  });

  it('a server restart mid-session restores the plan from the database and leaves a held profile alone', async () => {
    const cs = await depot();
    await van('VAN-1', 'T1', '2026-11-24T07:00', 10);
    await cs.startTransaction(1, 'TX-1', 'T1');
    await settle(server);
    const planBefore = (await server.running.scheduler.latestPlan('depot'))!;
    const installed = new Map(cs.installed);
    await cs.close();
    server = await server.restart();
    const after = (await server.running.scheduler.latestPlan('depot'))!;
    expect(after.sessions[0]).toMatchObject({ transactionId: 'TX-1', vehicleId: 'VAN-1', plannedKwh: planBefore.sessions[0]!.plannedKwh });
    // The station kept its profiles (K01.FR.27) and reconnects: nothing needs pushing again.
    const back = await PlanningStation.connect(server, { id: 'CS1', evses: 2 }, false);
    for (const [id, p] of installed) back.installed.set(id, p);
    await settle(server);
    expect(back.sent()).toEqual([]);
    expect(back.cs.calls.map((c) => c.action)).toContain('GetChargingProfiles');
    expect((await server.running.scheduler.latestPlan('depot'))!.sessions[0]!.plannedKwh).toBeCloseTo(10, 3);
  });

  it('a push that times out marks the charger unreachable, and it gets another chance at the next slot boundary', async () => {
    const cs = await depot();
    await settle(server);
    const answer = (req: Sent) => (req.chargingProfile.chargingProfilePurpose === 'TxProfile' ? { raw: null } : { status: 'Accepted' as const });
    cs.cs.respond('SetChargingProfile', answer);
    await van('VAN-1', 'T1', '2026-11-24T07:00', 10);
    // A new session's plan goes out at once (a leading trigger): wait for the call from before the session starts.
    const call = cs.cs.nextCall('SetChargingProfile');
    await cs.startTransaction(1, 'TX-1', 'T1');
    await call;
    server.clock.advance(31_000); // past ocpp.callTimeoutSeconds
    await settle(server);
    expect(await server.running.scheduler.compliance('CS1', 1)).toBe('unreachable');
    expect((await server.running.scheduler.decisions('depot')).find((d) => d.kind === 'profile.failed')!.details).toMatchObject({ code: 'OCPP_TIMEOUT' });
    // The station answers again; at 16:15 the loop tries once more.
    cs.cs.respond('SetChargingProfile', (req) => {
      cs.installed.set(req.chargingProfile.id, { evseId: req.evseId, profile: req.chargingProfile });
      return { status: 'Accepted' };
    });
    server.clock.set('2026-11-23T16:15:00Z');
    await settle(server);
    expect(await server.running.scheduler.compliance('CS1', 1)).toBe('follows');
    expect(cs.txProfile(1)?.transactionId).toBe('TX-1');
  });
});
