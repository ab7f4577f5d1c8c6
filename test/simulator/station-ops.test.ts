/**
 * The simulated station's maintenance answers (issue 17) against the real product server over WebSockets, called
 * through the server's own call(): availability of the whole station (G04) and of a connector, a car plugged into an
 * Inoperative EVSE, EVSE resets (B12), a station reset OnIdle when idle (B11), and the NotifyReport sequence (B07).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { SimulatedStation, type StationOptions } from '../../src/simulator/station.js';
import { car } from '../../src/simulator/car.js';
import type { Frame } from '../../src/simulator/ocpp-client.js';
import { OcppValidator } from '../../src/ocpp/rpc/validator.js';

const PASSWORD = 'sim-password-123';
const validator = new OcppValidator();
let server: TestServer;
let station: SimulatedStation | undefined;
let sent: Frame[] = [];
let schemaErrors: string[] = [];
let serial = 0;
let id = '';

// One product for the file (a start per test costs seconds on PostgreSQL); each test gets a station of its own.
beforeAll(async () => {
  server = await startTestServer({ ocpp: { acceptUnknownIdTokens: true } });
}, 120_000);
afterAll(async () => server.stop());
afterEach(async () => {
  await station?.stop();
  station = undefined;
  expect(schemaErrors).toEqual([]);
  schemaErrors = [];
  sent = [];
});

async function setup(opts: Partial<StationOptions> = {}): Promise<SimulatedStation> {
  id = `SIMOPS-${++serial}`;
  await server.addStation(id, PASSWORD);
  station = new SimulatedStation({
    id, password: PASSWORD, url: `${server.wsUrl}/ocpp`, clock: server.clock, evses: 2, txUpdatedIntervalS: 0,
    tap: (direction, frame) => {
      if (direction !== 'sent') return;
      sent.push(frame);
      if (frame[0] !== 2) return;
      const failure = validator.validate(frame[2] as string, 'Request', frame[3]);
      if (failure) schemaErrors.push(`${String(frame[2])}: ${JSON.stringify(failure)}`);
    },
    ...opts,
  });
  const caps = server.running.events.once('station.capabilities', (e) => e.stationId === id);
  station.start();
  await station.idle();
  await caps;
  sent = [];
  return station;
}

const statusesSent = () => sent.filter((f) => f[0] === 2 && f[2] === 'StatusNotification').map((f) => {
  const p = f[3] as { evseId: number; connectorStatus: string };
  return `${p.evseId}:${p.connectorStatus}`;
});
const call = <A extends Parameters<TestServer['running']['ocpp']['call']>[1]>(action: A, payload: Parameters<TestServer['running']['ocpp']['call']>[2] & object) =>
  server.running.ocpp.call(id, action, payload as never);

describe('availability (G03/G04)', () => {
  it('the whole station: every connector Unavailable, a plugged car waits, Operative brings back each one’s status', async () => {
    const s = await setup();
    expect(await call('ChangeAvailability', { operationalStatus: 'Inoperative' })).toEqual({ status: 'Accepted' });
    await s.idle();
    expect(statusesSent()).toEqual(['1:Unavailable', '2:Unavailable']);
    // G03.FR.03: asking for the state it is in is Accepted, and changes nothing.
    expect(await call('ChangeAvailability', { operationalStatus: 'Inoperative' })).toEqual({ status: 'Accepted' });
    s.plugIn(1, car({ idToken: 'CAR-1', maxPowerKW: 11, batteryKWh: 60 }, 20));
    await s.idle();
    expect(s.evse(1)!.tx).toBeUndefined();
    expect(statusesSent()).toEqual(['1:Unavailable', '2:Unavailable', '1:Unavailable']);
    expect(await call('ChangeAvailability', { operationalStatus: 'Operative' })).toEqual({ status: 'Accepted' });
    await s.idle();
    expect(statusesSent().slice(3)).toEqual(['1:Occupied', '2:Available']);
  });

  it('a connector of one EVSE; a station-wide change while a transaction runs is Scheduled and applies when it ends', async () => {
    const s = await setup();
    expect(await call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2, connectorId: 1 } })).toEqual({ status: 'Accepted' });
    expect((await call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2, connectorId: 3 } })).status).toBe('Rejected');
    s.plugIn(1, car({ idToken: 'CAR-1', maxPowerKW: 11, batteryKWh: 60 }, 20));
    await s.idle();
    expect(await call('ChangeAvailability', { operationalStatus: 'Inoperative' })).toEqual({ status: 'Scheduled' });
    await s.idle();
    expect(statusesSent()).toEqual(['2:Unavailable', '1:Occupied']);
    const txId = s.evse(1)!.tx!.id;
    expect((await call('RequestStopTransaction', { transactionId: txId })).status).toBe('Accepted');
    await s.idle();
    // Only EVSE 1 changes: EVSE 2's connector was Unavailable already.
    expect(statusesSent()).toEqual(['2:Unavailable', '1:Occupied', '1:Unavailable']);
  });
});

describe('resets', () => {
  it('an EVSE: Immediate ends its transaction only (ImmediateReset); OnIdle is Scheduled until its transaction ends', async () => {
    const s = await setup();
    s.plugIn(1, car({ idToken: 'CAR-1', maxPowerKW: 11, batteryKWh: 60 }, 20));
    s.plugIn(2, car({ idToken: 'CAR-2', maxPowerKW: 11, batteryKWh: 60 }, 20));
    await s.idle();
    const ended = server.running.events.once('transaction.event', (e) => e.stationId === id && e.eventType === 'Ended');
    expect(await call('Reset', { type: 'Immediate', evseId: 1 })).toEqual({ status: 'Accepted' });
    expect((await ended).transaction).toMatchObject({ evseId: 1, stoppedReason: 'ImmediateReset' });
    await s.idle();
    expect(s.evse(2)!.tx).toBeDefined();
    expect(s.isOnline).toBe(true);
    expect(await call('Reset', { type: 'OnIdle', evseId: 2 })).toEqual({ status: 'Scheduled' });
    s.unplug(2);
    await s.idle();
    expect(statusesSent().slice(-1)).toEqual(['2:Available']);
  });

  it('the station, OnIdle with nothing charging: Accepted, then it boots again with RemoteReset', async () => {
    const s = await setup();
    expect(await call('Reset', { type: 'OnIdle' })).toEqual({ status: 'Accepted' });
    await s.idle();
    expect(s.isOnline).toBe(false);
    const booted = server.running.events.once('station.booted', (e) => e.stationId === id);
    server.clock.advance(10_000);
    await s.idle();
    await booted;
    const boot = sent.find((f) => f[0] === 2 && f[2] === 'BootNotification')![3] as { reason: string };
    expect(boot.reason).toBe('RemoteReset');
  });
});

describe('the device-model report (B07)', () => {
  it('NotifyReport messages of at most 10 variables, seqNo from 0, tbc on all but the last, each stored', async () => {
    const s = await setup();
    expect(await call('GetBaseReport', { requestId: 42, reportBase: 'FullInventory' })).toEqual({ status: 'Accepted' });
    await s.idle();
    const reports = sent.filter((f) => f[0] === 2 && f[2] === 'NotifyReport').map((f) => f[3] as { requestId: number; seqNo: number; tbc?: boolean; reportData: unknown[] });
    expect(reports.map((r) => [r.requestId, r.seqNo, r.tbc ?? false, r.reportData.length])).toEqual([[42, 0, true, 10], [42, 1, true, 10], [42, 2, false, 1]]);
    const stored = await server.running.repositories.deviceModel.list(id);
    expect(stored.filter((v) => v.mutability !== undefined)).toHaveLength(21);
    expect(await call('GetBaseReport', { requestId: 43, reportBase: 'SummaryInventory' })).toEqual({ status: 'NotSupported' });
  });
});
