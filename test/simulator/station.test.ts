/**
 * The simulated station against the real product server, on the server's ManualClock. Time only moves when the
 * test advances it; between steps the test awaits the station's I/O (station.idle()) and the server's events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { OcppValidator } from '../../src/ocpp/rpc/validator.js';
import type { RequestOf } from '../../src/ocpp/schemas/generated/index.js';
import { SimulatedStation, type StationOptions } from '../../src/simulator/station.js';
import { car } from '../../src/simulator/car.js';
import type { Frame } from '../../src/simulator/ocpp-client.js';

const PASSWORD = 'sim-password-123';
const T0 = Date.parse('2026-03-29T00:00:00Z');
const validator = new OcppValidator();

let server: TestServer;
let serverUp = false;
let stations: SimulatedStation[] = [];
let schemaErrors: string[] = [];
let sent: Frame[] = [];
afterEach(async () => {
  for (const s of stations) await s.stop();
  stations = [];
  if (serverUp) await server.stop();
  serverUp = false;
  // Every frame any station sent in the test is valid against the official schemas.
  expect(schemaErrors).toEqual([]);
  schemaErrors = [];
  sent = [];
});

/** Validates every CALL and CALLRESULT the station sends (CALLRESULTs against the action of the CALL they answer). */
function schemaTap() {
  const actionOf = new Map<string, string>();
  return (direction: 'sent' | 'received', frame: Frame) => {
    const [type, id] = frame as [number, string];
    if (direction === 'received') {
      if (type === 2) actionOf.set(id, frame[2] as string);
      return;
    }
    sent.push(frame);
    const [action, kind, payload] = type === 2 ? [frame[2] as string, 'Request' as const, frame[3]] : [actionOf.get(id), 'Response' as const, frame[2]];
    if (type === 4 || !action) return;
    const failure = validator.validate(action, kind, payload);
    if (failure) schemaErrors.push(`${action}${kind}: ${JSON.stringify(failure)} in ${JSON.stringify(payload)}`);
  };
}

async function setup(opts: Partial<StationOptions> = {}, id = 'SIM1'): Promise<SimulatedStation> {
  if (!serverUp) server = await startTestServer({ ocpp: { acceptUnknownIdTokens: true } });
  serverUp = true;
  await server.addStation(id, PASSWORD);
  const station = new SimulatedStation({ id, password: PASSWORD, url: `${server.wsUrl}/ocpp`, clock: server.clock, txUpdatedIntervalS: 300, tap: schemaTap(), ...opts });
  stations.push(station);
  const caps = server.running.events.once('station.capabilities', (e) => e.stationId === id);
  station.start();
  await station.idle();
  await caps;
  return station;
}

/** Plugs a car in and resolves with the transaction id the server stored. */
async function arrive(station: SimulatedStation, evseId = 1, soc = 20, maxPowerKW = 11): Promise<string> {
  const started = server.running.events.once('transaction.event', (e) => e.stationId === station.id && e.eventType === 'Started');
  station.plugIn(evseId, car({ idToken: `CAR-${evseId}`, maxPowerKW, batteryKWh: 60 }, soc));
  await station.idle();
  return (await started).transaction.transactionId;
}

/** Advances the shared clock in steps, letting the station's messages reach the server after each step. */
async function advance(station: SimulatedStation, totalS: number, stepS = 60): Promise<void> {
  for (let done = 0; done < totalS; done += stepS) {
    server.clock.advance(Math.min(stepS, totalS - done) * 1000);
    await station.idle();
  }
}

function txProfile(id: number, transactionId: string, periods: [number, number][], unit: 'A' | 'W' = 'A', start = T0): RequestOf<'SetChargingProfile'>['chargingProfile'] {
  return {
    id, stackLevel: 1, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Absolute', transactionId,
    chargingSchedule: [{
      id, chargingRateUnit: unit, startSchedule: new Date(start).toISOString(),
      chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit })) as [{ startPeriod: number; limit: number }],
    }],
  };
}

/** The server's stored samples of one measurand, as [minutes since T0, value]. */
async function series(stationId: string, txId: string, measurand: string): Promise<[number, number][]> {
  return (await server.running.repositories.meterValues.forTransaction(stationId, txId))
    .filter((s) => s.measurand === measurand && !s.phase)
    .map((s): [number, number] => [(Date.parse(s.timestamp) - T0) / 60_000, s.value]);
}

const sentCalls = (action: string) => sent.filter((f) => f[0] === 2 && f[2] === action).map((f) => f[3] as Record<string, unknown>);

describe('simulated station against the product server', () => {
  it('boots, reports its smart-charging variables, and a plugged-in car starts a transaction', async () => {
    const station = await setup();
    const stored = await server.running.repositories.stations.get('SIM1');
    expect(stored).toMatchObject({ lastBootStatus: 'Accepted', vendorName: 'ChargeplanSim' });
    expect((await server.running.repositories.deviceModel.get('SIM1', 'SmartChargingCtrlr', 'RateUnit'))?.value).toBe('A,W');
    const txId = await arrive(station);
    const tx = await server.running.repositories.transactions.get('SIM1', txId);
    expect(tx).toMatchObject({ state: 'Started', evseId: 1, idToken: 'CAR-1', idTokenStatus: 'Accepted', meterStartWh: 0 });
    expect(sentCalls('Authorize')).toHaveLength(1);
    expect((await server.running.repositories.evses.evses('SIM1'))[0]!.connectors[0]!.status).toBe('Occupied');
  });

  it('follows a TxProfile set through the server: power per period, energy register = integrated power (K01.FR.04)', async () => {
    const station = await setup();
    const txId = await arrive(station);
    // 10 A for 30 min, 0 A for 15 min (below the car's minimum: nothing flows), then 32 A (the car takes its 11 kW).
    const res = await server.running.ocpp.call('SIM1', 'SetChargingProfile', { evseId: 1, chargingProfile: txProfile(1, txId, [[0, 10], [1800, 0], [2700, 32]]) });
    expect(res.status).toBe('Accepted');
    await advance(station, 3600);
    const power = await series('SIM1', txId, 'Power.Active.Import');
    // The Started event carries TxStartedMeasurands (energy, SoC); power comes with every periodic sample.
    expect(power).toEqual([[5, 6900], [10, 6900], [15, 6900], [20, 6900], [25, 6900], [30, 0], [35, 0], [40, 0], [45, 11000], [50, 11000], [55, 11000], [60, 11000]]);
    const energy = await series('SIM1', txId, 'Energy.Active.Import.Register');
    expect(energy.find(([m]) => m === 30)![1]).toBeCloseTo(3450, 1);
    expect(energy.find(([m]) => m === 45)![1]).toBeCloseTo(3450, 1);
    expect(energy.find(([m]) => m === 60)![1]).toBeCloseTo(3450 + 11000 / 4, 1);
    const perPhase = (await server.running.repositories.meterValues.forTransaction('SIM1', txId)).filter((s) => s.measurand === 'Current.Import' && s.timestamp === '2026-03-29T00:10:00.000Z');
    expect(perPhase.map((s) => [s.phase, s.value])).toEqual([['L1', 10], ['L2', 10], ['L3', 10]]);
  });

  it('answers GetCompositeSchedule and GetChargingProfiles (then ReportChargingProfiles) from its real state (K08, K09)', async () => {
    const station = await setup();
    const txId = await arrive(station);
    await server.running.ocpp.call('SIM1', 'SetChargingProfile', {
      evseId: 0,
      chargingProfile: { ...txProfile(7, '', [[0, 20]]), chargingProfilePurpose: 'ChargingStationMaxProfile', stackLevel: 0, transactionId: undefined },
    });
    await server.running.ocpp.call('SIM1', 'SetChargingProfile', { evseId: 1, chargingProfile: txProfile(8, txId, [[0, 16], [900, 25], [1800, 8]]) });
    const composite = await server.running.ocpp.call('SIM1', 'GetCompositeSchedule', { evseId: 1, duration: 3600, chargingRateUnit: 'A' });
    expect(composite).toMatchObject({ status: 'Accepted', schedule: { evseId: 1, duration: 3600, scheduleStart: '2026-03-29T00:00:00.000Z' } });
    expect(composite.schedule!.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit])).toEqual([[0, 16], [900, 20], [1800, 8]]);
    const inW = await server.running.ocpp.call('SIM1', 'GetCompositeSchedule', { evseId: 1, duration: 600, chargingRateUnit: 'W' });
    expect(inW.schedule!.chargingSchedulePeriod[0]).toMatchObject({ limit: 16 * 230 * 3, numberPhases: 3 });
    const reported = server.running.events.once('message.handled', (e) => e.action === 'ReportChargingProfiles');
    const get = await server.running.ocpp.call('SIM1', 'GetChargingProfiles', { requestId: 42, chargingProfile: {} });
    expect(get.status).toBe('Accepted');
    await reported;
    await station.idle();
    const reports = sentCalls('ReportChargingProfiles');
    expect(reports.map((r) => [r.requestId, r.evseId, r.tbc ?? false])).toEqual([[42, 0, true], [42, 1, false]]);
    const none = await server.running.ocpp.call('SIM1', 'GetChargingProfiles', { requestId: 43, chargingProfile: { stackLevel: 5 } });
    expect(none.status).toBe('NoProfiles');
  });

  it('drops the TxProfile when the transaction ends, and rejects a TxProfile without a transaction (K01.FR.09)', async () => {
    const station = await setup();
    const txId = await arrive(station);
    await server.running.ocpp.call('SIM1', 'SetChargingProfile', { evseId: 1, chargingProfile: txProfile(1, txId, [[0, 10]]) });
    expect(station.profiles.count).toBe(1);
    const ended = server.running.events.once('transaction.event', (e) => e.eventType === 'Ended');
    station.unplug(1);
    await station.idle();
    expect((await ended).transaction).toMatchObject({ stoppedReason: 'EVDisconnected', state: 'Ended' });
    expect(station.profiles.count).toBe(0);
    const again = await server.running.ocpp.call('SIM1', 'SetChargingProfile', { evseId: 1, chargingProfile: txProfile(2, txId, [[0, 10]]) });
    expect(again).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'TxNotFound' } });
  });

  it('answers GetVariables/SetVariables; a new TxUpdatedInterval takes effect; anything else is NotImplemented', async () => {
    const station = await setup();
    const set = await server.running.ocpp.call('SIM1', 'SetVariables', {
      setVariableData: [
        { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '60' },
        { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' }, attributeValue: 'W' },
        { component: { name: 'NoSuchCtrlr' }, variable: { name: 'X' }, attributeValue: '1' },
      ],
    });
    expect(set.setVariableResult.map((r) => r.attributeStatus)).toEqual(['Accepted', 'Rejected', 'UnknownComponent']);
    const txId = await arrive(station);
    await advance(station, 180);
    expect((await series('SIM1', txId, 'Power.Active.Import')).map(([m]) => m)).toEqual([1, 2, 3]);
    await expect(server.running.ocpp.call('SIM1', 'CancelReservation', { reservationId: 1 })).rejects.toThrow(/NotImplemented/);
  });

  it('RequestStopTransaction stops (Remote) and RequestStartTransaction starts again on the plugged car; TriggerMessage MeterValues', async () => {
    const station = await setup();
    const txId = await arrive(station);
    const ended = server.running.events.once('transaction.event', (e) => e.eventType === 'Ended');
    expect((await server.running.ocpp.call('SIM1', 'RequestStopTransaction', { transactionId: txId })).status).toBe('Accepted');
    expect((await ended).transaction.stoppedReason).toBe('Remote');
    const started = server.running.events.once('transaction.event', (e) => e.eventType === 'Started');
    const start = await server.running.ocpp.call('SIM1', 'RequestStartTransaction', { evseId: 1, remoteStartId: 5, idToken: { idToken: 'APP-USER', type: 'Central' } });
    expect(start.status).toBe('Accepted');
    expect((await started).transaction).toMatchObject({ remoteStartId: 5, idToken: 'APP-USER' });
    const meter = server.running.events.once('meter.values', (e) => e.stationId === 'SIM1');
    expect((await server.running.ocpp.call('SIM1', 'TriggerMessage', { requestedMessage: 'MeterValues', evse: { id: 1 } })).status).toBe('Accepted');
    expect((await meter).count).toBeGreaterThan(0);
    expect((await server.running.ocpp.call('SIM1', 'TriggerMessage', { requestedMessage: 'BootNotification' })).status).toBe('Rejected');
  });

  it('an ISO 15118 car sends NotifyEVChargingNeeds after its transaction started (K15.FR.01/.16)', async () => {
    const station = await setup();
    const needs = server.running.events.once('charging.needs', (e) => e.stationId === 'SIM1');
    station.plugIn(1, car({ idToken: 'EV-15118', iso15118: { departureTime: '2026-03-29T07:00:00.000Z', energyAmountWh: 30000 } }));
    await station.idle();
    expect(await needs).toMatchObject({ evseId: 1, departureTime: '2026-03-29T07:00:00.000Z', energyAmountWh: 30000, evMinCurrentA: 6, evMaxCurrentA: 15 });
    const order = sent.filter((f) => f[0] === 2).map((f) => f[2]);
    expect(order.indexOf('TransactionEvent')).toBeLessThan(order.indexOf('NotifyEVChargingNeeds'));
  });
});

describe('quirks', () => {
  it('rateUnits [A]: reports RateUnit A and rejects W profiles (K01.FR.26); periodsPerSchedule 24 rejects a 25-period schedule', async () => {
    const station = await setup({ rateUnits: ['A'], periodsPerSchedule: 24 });
    expect((await server.running.repositories.deviceModel.get('SIM1', 'SmartChargingCtrlr', 'RateUnit'))?.value).toBe('A');
    const txId = await arrive(station);
    const w = await server.running.ocpp.call('SIM1', 'SetChargingProfile', { evseId: 1, chargingProfile: txProfile(1, txId, [[0, 7000]], 'W') });
    expect(w).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedRateUnit' } });
    const long = Array.from({ length: 25 }, (_, i) => [i * 900, 16] as [number, number]);
    expect((await server.running.ocpp.call('SIM1', 'SetChargingProfile', { evseId: 1, chargingProfile: txProfile(2, txId, long) })).status).toBe('Rejected');
    expect((await server.running.ocpp.call('SIM1', 'SetChargingProfile', { evseId: 1, chargingProfile: txProfile(3, txId, long.slice(0, 24)) })).status).toBe('Accepted');
    expect((await server.running.ocpp.call('SIM1', 'GetCompositeSchedule', { evseId: 1, duration: 60, chargingRateUnit: 'W' })).status).toBe('Rejected');
  });

  it('rejectProfiles: every SetChargingProfile is Rejected and the car keeps drawing its maximum', async () => {
    const station = await setup({ rejectProfiles: true });
    const txId = await arrive(station);
    expect((await server.running.ocpp.call('SIM1', 'SetChargingProfile', { evseId: 1, chargingProfile: txProfile(1, txId, [[0, 6]]) })).status).toBe('Rejected');
    await advance(station, 300);
    expect((await series('SIM1', txId, 'Power.Active.Import')).at(-1)).toEqual([5, 11000]);
  });

  it('ignoreProfiles: Accepted and reported back (profiles and composite), but the meter shows the car at full power', async () => {
    const station = await setup({ ignoreProfiles: true });
    const txId = await arrive(station);
    expect((await server.running.ocpp.call('SIM1', 'SetChargingProfile', { evseId: 1, chargingProfile: txProfile(1, txId, [[0, 6]]) })).status).toBe('Accepted');
    const composite = await server.running.ocpp.call('SIM1', 'GetCompositeSchedule', { evseId: 1, duration: 600, chargingRateUnit: 'A' });
    expect(composite.schedule!.chargingSchedulePeriod[0]!.limit).toBe(6);
    expect((await server.running.ocpp.call('SIM1', 'GetChargingProfiles', { requestId: 1, chargingProfile: { chargingProfilePurpose: 'TxProfile' } })).status).toBe('Accepted');
    await advance(station, 600);
    expect(await series('SIM1', txId, 'Power.Active.Import')).toEqual([[5, 11000], [10, 11000]]);
  });

  it('reboot(): the transaction ends (Reboot, sent offline after the boot), the station boots again and the car starts a new transaction', async () => {
    const station = await setup({ rebootDelayMs: 30_000 });
    const txId = await arrive(station);
    await advance(station, 600);
    const booted = server.running.events.once('station.booted', (e) => e.stationId === 'SIM1');
    const ended = server.running.events.once('transaction.event', (e) => e.eventType === 'Ended');
    const restarted = server.running.events.once('transaction.event', (e) => e.eventType === 'Started' && e.transaction.transactionId !== txId);
    station.reboot();
    expect(station.isOnline).toBe(false);
    await advance(station, 30, 30);
    await booted;
    expect((await ended).transaction).toMatchObject({ transactionId: txId, stoppedReason: 'Reboot', offline: true });
    const next = await restarted;
    expect(next.transaction.startedAt).toBe('2026-03-29T00:10:30.000Z');
    expect(sentCalls('BootNotification').map((b) => b.reason)).toEqual(['PowerUp', 'PowerUp']);
    // J02.FR.17: the register carries on across transactions.
    expect(next.transaction.meterStartWh).toBeCloseTo(11000 / 6, 1);
  });

  it('Reset Immediate: the transaction ends (ResetCommand, ImmediateReset) before the station goes down, then it boots with RemoteReset', async () => {
    const station = await setup({ rebootDelayMs: 20_000, resumeAfterReboot: false });
    const txId = await arrive(station);
    const ended = server.running.events.once('transaction.event', (e) => e.eventType === 'Ended');
    expect((await server.running.ocpp.call('SIM1', 'Reset', { type: 'Immediate' })).status).toBe('Accepted');
    expect((await ended).transaction).toMatchObject({ transactionId: txId, stoppedReason: 'ImmediateReset', offline: false });
    await station.idle();
    expect(station.isOnline).toBe(false);
    const booted = server.running.events.once('station.booted', (e) => e.stationId === 'SIM1');
    await advance(station, 20, 20);
    await booted;
    expect(sentCalls('BootNotification').map((b) => b.reason)).toEqual(['PowerUp', 'RemoteReset']);
    expect(await server.running.repositories.transactions.active('SIM1')).toEqual([]);
  });

  it('dropConnection(): events of the offline period are queued with offline=true and delivered in order on reconnect', async () => {
    const station = await setup({ reconnectDelayMs: 1_000 });
    const txId = await arrive(station);
    station.dropConnection(16 * 60_000);
    await advance(station, 15 * 60, 300);
    expect(station.isOnline).toBe(false);
    expect(station.queued().map((m) => (m.payload as { seqNo: number; offline?: boolean })).map((p) => [p.seqNo, p.offline])).toEqual([[1, true], [2, true], [3, true]]);
    const reconnected = server.running.events.once('station.connected', (e) => e.stationId === 'SIM1');
    await advance(station, 60);
    await reconnected;
    await station.idle();
    expect(station.queued()).toHaveLength(0);
    expect((await series('SIM1', txId, 'Power.Active.Import')).map(([m]) => m)).toEqual([5, 10, 15]);
    expect(sentCalls('BootNotification')).toHaveLength(1);
    const seqNos = sentCalls('TransactionEvent').map((t) => t.seqNo);
    expect(seqNos).toEqual([0, 1, 2, 3]);
  });
});
