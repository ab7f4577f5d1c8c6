import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables } from '../../helpers/scripted-station.js';
import { OcppChargerGateway } from '../../../src/ocpp/profiles/index.js';
import { capabilitiesFrom } from '../../../src/ocpp/handlers/capabilities.js';
import { silentLogger } from '../../../src/platform/logger.js';
import { ChargerError, type TxProfileRequest } from '../../../src/domain/plans.js';
import type { RequestOf, ResponseOf } from '../../../src/ocpp/schemas/generated/index.js';

const PASSWORD = 'correct-horse-battery';
const MIN = 60_000;
let server: TestServer;
afterEach(async () => server?.stop());

async function booted(s: TestServer, variables: Record<string, string> = {}): Promise<ScriptedStation> {
  await s.addStation('CS1', PASSWORD);
  const cs = await ScriptedStation.connect(s.wsUrl, { id: 'CS1', password: PASSWORD });
  cs.respond('GetVariables', smartChargingVariables(variables));
  const caps = s.running.events.once('station.capabilities');
  await cs.boot();
  await caps;
  return cs;
}

function gateway(s: TestServer): OcppChargerGateway {
  const r = s.running;
  return new OcppChargerGateway({
    call: r.ocpp.call.bind(r.ocpp),
    capabilities: async (id) => capabilitiesFrom(await r.repositories.deviceModel.list(id, 'SmartChargingCtrlr')),
    on: r.events.on.bind(r.events),
    clock: s.clock,
    logger: silentLogger(),
    reportTimeoutMs: r.config.ocpp.callTimeoutSeconds * 1000,
  });
}

/** A one-hour plan that starts now: 11 kW, then 7.4 kW, then nothing. */
function plan(s: TestServer, over: Partial<TxProfileRequest> = {}): TxProfileRequest {
  const t0 = s.clock.now();
  return {
    stationId: 'CS1', evseId: 1, transactionId: 'TX-1', profileId: 501, stackLevel: 1,
    periods: [{ startMs: t0, limitKw: 11 }, { startMs: t0 + 20 * MIN, limitKw: 7.4 }, { startMs: t0 + 40 * MIN, limitKw: 0 }],
    endMs: t0 + 60 * MIN, phases: 3, lineVoltageV: 230, ...over,
  };
}

type Periods = NonNullable<ResponseOf<'GetCompositeSchedule'>['schedule']>['chargingSchedulePeriod'];

/** A station that accepts profiles and answers the composite schedule with `periods(last sent)`, from now. */
function accepting(s: TestServer, cs: ScriptedStation, periods: (sent: Periods) => Periods = (sent) => sent): void {
  cs.respond('SetChargingProfile', () => ({ status: 'Accepted' }));
  cs.respond('GetCompositeSchedule', (req) => ({
    status: 'Accepted',
    schedule: {
      evseId: req.evseId, duration: req.duration, scheduleStart: new Date(s.clock.now()).toISOString(),
      chargingRateUnit: req.chargingRateUnit ?? 'A',
      chargingSchedulePeriod: periods(sentProfiles(cs).at(-1)!.chargingProfile.chargingSchedule[0].chargingSchedulePeriod),
    },
  }));
}

async function rejection(p: Promise<unknown>): Promise<ChargerError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ChargerError) return err;
    throw err;
  }
  throw new Error('expected a ChargerError');
}

const sentProfiles = (cs: ScriptedStation) =>
  cs.calls.filter((c) => c.action === 'SetChargingProfile').map((c) => c.payload as RequestOf<'SetChargingProfile'>);

describe('OcppChargerGateway.applyTxProfile', () => {
  it('sends the profile in W, checks the composite schedule, and reports matches', async () => {
    server = await startTestServer();
    const cs = await booted(server);
    accepting(server, cs);
    const applied = await gateway(server).applyTxProfile(plan(server));
    expect(applied).toMatchObject({ profileId: 501, stackLevel: 1, unit: 'W', attempts: 1, composite: { status: 'matches' } });
    expect(applied.periods.map((p) => p.limitKw)).toEqual([11, 7.4, 0]);
    expect(applied.coversUntilMs).toBe(server.clock.now() + 60 * MIN);
    expect(sentProfiles(cs)).toEqual([applied.request]);
    const composite = cs.calls.find((c) => c.action === 'GetCompositeSchedule')?.payload;
    expect(composite).toEqual({ evseId: 1, duration: 3600, chargingRateUnit: 'W' });
  });

  it('a composite above what we sent means the station ignores it: higher', async () => {
    server = await startTestServer();
    const cs = await booted(server);
    accepting(server, cs, () => [{ startPeriod: 0, limit: 22000, numberPhases: 3 }]);
    const { composite } = await gateway(server).applyTxProfile(plan(server));
    expect(composite).toMatchObject({ status: 'higher', periods: [{ startMs: server.clock.now(), limitKw: 22 }] });
    expect(composite.status === 'higher' && composite.detail).toContain('22000 W');
  });

  it('a composite below what we sent means another limit holds it: lower, with its periods in kW', async () => {
    server = await startTestServer();
    const cs = await booted(server);
    accepting(server, cs, (sent) => sent.map((p) => ({ ...p, limit: Math.min(p.limit, 3680) })) as Periods);
    const { composite } = await gateway(server).applyTxProfile(plan(server));
    expect(composite).toMatchObject({ status: 'lower' });
    expect(composite.status === 'lower' && composite.periods.map((p) => p.limitKw)).toEqual([3.68, 3.68, 0]);
  });

  it('a rejected composite call leaves the profile applied, with the check unavailable', async () => {
    server = await startTestServer();
    const cs = await booted(server);
    accepting(server, cs);
    cs.respond('GetCompositeSchedule', () => ({ status: 'Rejected', statusInfo: { reasonCode: 'UnknownEVSE' } }));
    const applied = await gateway(server).applyTxProfile(plan(server));
    expect(applied.composite).toEqual({ status: 'unavailable', detail: 'GetCompositeSchedule Rejected (UnknownEVSE)' });
  });

  it('rejected in W, retried once in A and accepted: attempts 2', async () => {
    server = await startTestServer();
    const cs = await booted(server, { RateUnit: 'A,W' });
    accepting(server, cs);
    cs.respond('SetChargingProfile', (req) => ({
      status: req.chargingProfile.chargingSchedule[0].chargingRateUnit === 'W' ? 'Rejected' : 'Accepted',
    }));
    const applied = await gateway(server).applyTxProfile(plan(server));
    expect(applied).toMatchObject({ unit: 'A', attempts: 2, composite: { status: 'matches' } });
    expect(sentProfiles(cs).map((p) => p.chargingProfile.chargingSchedule[0].chargingRateUnit)).toEqual(['W', 'A']);
    expect(sentProfiles(cs)[1]?.chargingProfile.chargingSchedule[0].chargingSchedulePeriod[0]).toEqual({ startPeriod: 0, limit: 15.9, numberPhases: 3 });
  });

  it('rejected twice: PROFILE_REJECTED with the status, the reason code and the request', async () => {
    server = await startTestServer();
    const cs = await booted(server);
    cs.respond('SetChargingProfile', () => ({ status: 'Rejected', statusInfo: { reasonCode: 'InvalidSchedule' } }));
    const err = await rejection(gateway(server).applyTxProfile(plan(server)));
    expect(err).toMatchObject({ code: 'PROFILE_REJECTED', retryable: false });
    expect(err.message).toContain('Rejected (InvalidSchedule)');
    expect(err.request).toEqual(sentProfiles(cs)[1]);
    expect(sentProfiles(cs)).toHaveLength(2);
    expect(cs.calls.some((c) => c.action === 'GetCompositeSchedule')).toBe(false);
  });

  it('an A-only station with PeriodsPerSchedule 24 gets at most 24 periods in A; a rejection retries with half', async () => {
    server = await startTestServer();
    const cs = await booted(server, { RateUnit: 'A', PeriodsPerSchedule: '24' });
    accepting(server, cs);
    const t0 = server.clock.now();
    const periods = Array.from({ length: 96 }, (_, i) => ({ startMs: t0 + i * 15 * MIN, limitKw: i % 2 ? 11 : 4.14 }));
    const req = plan(server, { periods, endMs: t0 + 96 * 15 * MIN });
    const applied = await gateway(server).applyTxProfile(req);
    const sent = sentProfiles(cs)[0]!.chargingProfile.chargingSchedule[0];
    expect(sent.chargingRateUnit).toBe('A');
    expect(sent.chargingSchedulePeriod).toHaveLength(24);
    expect(applied.coversUntilMs).toBe(t0 + 24 * 15 * MIN);
    expect(applied.composite).toEqual({ status: 'matches' });

    cs.respond('SetChargingProfile', (r) => ({ status: r.chargingProfile.chargingSchedule[0].chargingSchedulePeriod.length > 12 ? 'Rejected' : 'Accepted' }));
    const retried = await gateway(server).applyTxProfile(req);
    expect(retried).toMatchObject({ unit: 'A', attempts: 2, coversUntilMs: t0 + 12 * 15 * MIN });
  });

  it('no answer within the call timeout: OCPP_TIMEOUT, retryable', async () => {
    server = await startTestServer({ ocpp: { callTimeoutSeconds: 30 } });
    const cs = await booted(server);
    const sent = cs.nextCall('SetChargingProfile');
    const pending = rejection(gateway(server).applyTxProfile(plan(server)));
    await sent;
    server.clock.advance(30_000);
    expect(await pending).toMatchObject({ code: 'OCPP_TIMEOUT', retryable: true, cause: { kind: 'Timeout' } });
  });

  it('K01.FR.29: a NotImplemented CALLERROR means no smart charging', async () => {
    server = await startTestServer();
    const cs = await booted(server);
    cs.respond('SetChargingProfile', () => ({ raw: [4, (cs.received.at(-1) as string[])[1]!, 'NotImplemented', 'no smart charging', {}] }));
    const err = await rejection(gateway(server).applyTxProfile(plan(server)));
    expect(err).toMatchObject({ code: 'SMART_CHARGING_UNSUPPORTED', retryable: false });
    expect(err.request).toEqual(sentProfiles(cs)[0]);
  });

  it('a station that is not connected: STATION_OFFLINE, retryable', async () => {
    server = await startTestServer();
    await booted(server);
    const err = await rejection(gateway(server).applyTxProfile({ ...plan(server), stationId: 'NOPE' }));
    expect(err).toMatchObject({ code: 'STATION_OFFLINE', retryable: true });
  });
});

describe('OcppChargerGateway.applyDefaultProfile', () => {
  it('sends a TxDefaultProfile in the station\'s unit, without a composite check', async () => {
    server = await startTestServer();
    const cs = await booted(server, { RateUnit: 'A' });
    accepting(server, cs);
    const applied = await gateway(server).applyDefaultProfile({
      stationId: 'CS1', evseId: 1, profileId: 9, stackLevel: 0, limitKw: 4.14, phases: 3, lineVoltageV: 230, startMs: server.clock.now(),
    });
    expect(applied).toMatchObject({ unit: 'A', attempts: 1, composite: { status: 'unavailable', detail: 'not checked for default profiles' } });
    expect(sentProfiles(cs)[0]?.chargingProfile).toMatchObject({ chargingProfilePurpose: 'TxDefaultProfile', chargingSchedule: [{ chargingSchedulePeriod: [{ limit: 6 }] }] });
  });
});

describe('OcppChargerGateway.installedProfiles (K09)', () => {
  const report = (requestId: number, tbc: boolean, id: number, purpose: 'TxProfile' | 'TxDefaultProfile'): RequestOf<'ReportChargingProfiles'> => ({
    requestId, tbc, evseId: 1, chargingLimitSource: 'CSO',
    chargingProfile: [{
      id, stackLevel: 1, chargingProfilePurpose: purpose, chargingProfileKind: 'Absolute',
      ...(purpose === 'TxProfile' ? { transactionId: 'TX-1' } : {}),
      chargingSchedule: [{ id: 1, startSchedule: '2026-03-29T00:00:00Z', chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] }],
    }],
  });

  it('collects every ReportChargingProfiles of its requestId until tbc is false (K09.FR.01/.02)', async () => {
    server = await startTestServer();
    const cs = await booted(server);
    cs.respond('GetChargingProfiles', (req) => ({ status: req.chargingProfile.chargingProfilePurpose === 'TxProfile' ? 'Accepted' : 'NoProfiles' }));
    const result = gateway(server).installedProfiles('CS1');
    const asked = await cs.nextCall('GetChargingProfiles');
    // K09.FR.03: the criteria name a purpose.
    expect(asked.chargingProfile).toEqual({ chargingProfilePurpose: 'TxProfile' });
    await cs.call('ReportChargingProfiles', report(asked.requestId + 1000, false, 99, 'TxProfile')); // someone else's request
    await cs.call('ReportChargingProfiles', report(asked.requestId, true, 501, 'TxProfile'));
    await cs.call('ReportChargingProfiles', report(asked.requestId, false, 502, 'TxProfile'));
    expect(await result).toEqual([
      { evseId: 1, profileId: 501, stackLevel: 1, purpose: 'TxProfile', transactionId: 'TX-1' },
      { evseId: 1, profileId: 502, stackLevel: 1, purpose: 'TxProfile', transactionId: 'TX-1' },
    ]);
    const requests = cs.calls.filter((c) => c.action === 'GetChargingProfiles').map((c) => c.payload as RequestOf<'GetChargingProfiles'>);
    expect(requests.map((r) => r.chargingProfile.chargingProfilePurpose)).toEqual(['TxProfile', 'TxDefaultProfile']);
    expect(requests[1]!.requestId).not.toBe(requests[0]!.requestId);
    // Still kept verbatim in the station log.
    expect(await server.running.repositories.stationLog.messages('CS1', 'ReportChargingProfiles')).toHaveLength(3);
  });

  it('NoProfiles for both purposes: an empty list', async () => {
    server = await startTestServer();
    const cs = await booted(server);
    cs.respond('GetChargingProfiles', () => ({ status: 'NoProfiles' }));
    expect(await gateway(server).installedProfiles('CS1')).toEqual([]);
  });

  it('a report that never ends: OCPP_TIMEOUT on the clock', async () => {
    server = await startTestServer({ ocpp: { callTimeoutSeconds: 30 } });
    const cs = await booted(server);
    cs.respond('GetChargingProfiles', () => ({ status: 'Accepted' }));
    const result = rejection(gateway(server).installedProfiles('CS1'));
    const asked = await cs.nextCall('GetChargingProfiles');
    await cs.call('ReportChargingProfiles', report(asked.requestId, true, 501, 'TxProfile'));
    server.clock.advance(29_999);
    await cs.call('Heartbeat', {});
    server.clock.advance(1);
    expect(await result).toMatchObject({ code: 'OCPP_TIMEOUT', retryable: true });
  });
});
