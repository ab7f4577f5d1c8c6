import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ScriptedStation, smartChargingVariables } from '../helpers/scripted-station.js';
import type { RequestOf } from '../../src/ocpp/schemas/generated/index.js';
import { countAll } from '../../src/storage/sql/dialect.js';
import { instant } from './same-instant.js';
import { VehicleRepository } from '../../src/storage/vehicle-repository.js';

const PASSWORD = 'correct-horse-battery';
let server: TestServer;
afterEach(async () => server?.stop());

async function bootedStation(s: TestServer, id = 'CS1'): Promise<ScriptedStation> {
  await s.addStation(id, PASSWORD);
  const cs = await ScriptedStation.connect(s.wsUrl, { id, password: PASSWORD });
  cs.respond('GetVariables', smartChargingVariables());
  const caps = s.running.events.once('station.capabilities', (e) => e.stationId === id);
  await cs.boot([{ evseId: 1, connectors: 1 }, { evseId: 2, connectors: 1 }], '2026-03-29T00:00:00Z');
  await caps;
  return cs;
}

function txEvent(
  eventType: 'Started' | 'Updated' | 'Ended',
  seqNo: number,
  timestamp: string,
  energyWh: number,
  extra: Partial<RequestOf<'TransactionEvent'>> = {},
): RequestOf<'TransactionEvent'> {
  return {
    eventType,
    timestamp,
    triggerReason: eventType === 'Started' ? 'Authorized' : eventType === 'Ended' ? 'EVDeparted' : 'MeterValuePeriodic',
    seqNo,
    transactionInfo: {
      transactionId: 'TX-1',
      chargingState: eventType === 'Ended' ? 'Idle' : 'Charging',
      ...(eventType === 'Ended' ? { stoppedReason: 'EVDisconnected' as const } : {}),
    },
    ...(eventType === 'Started' ? { evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'VAN-07', type: 'ISO14443' as const } } : {}),
    meterValue: [{
      timestamp,
      sampledValue: [
        { value: energyWh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } },
        { value: 11000, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W' } },
        { value: 42, measurand: 'SoC', unitOfMeasure: { unit: 'Percent' } },
      ],
    }],
    ...extra,
  };
}

describe('station flows', () => {
  it('boot stores the station and its smart-charging capabilities; status is stored per EVSE and connector', async () => {
    server = await startTestServer();
    const cs = await bootedStation(server);
    const st = await server.running.repositories.stations.get('CS1');
    expect(st).toMatchObject({ vendorName: 'TestVendor', model: 'Scripted', serialNumber: 'SN-CS1', lastBootStatus: 'Accepted' });
    const dm = server.running.repositories.deviceModel;
    expect((await dm.get('CS1', 'SmartChargingCtrlr', 'PeriodsPerSchedule'))?.value).toBe('24');
    expect((await dm.get('CS1', 'SmartChargingCtrlr', 'RateUnit'))?.value).toBe('A,W');
    const getVars = cs.calls.find((c) => c.action === 'GetVariables')!.payload as RequestOf<'GetVariables'>;
    expect(getVars.getVariableData.map((d) => d.variable.name)).toEqual([
      'Enabled', 'RateUnit', 'PeriodsPerSchedule', 'ProfileStackLevel', 'Entries', 'Phases3to1', 'ACPhaseSwitchingSupported',
    ]);
    // B01: the capability read comes only after the BootNotification was answered.
    const bootReply = cs.received.findIndex((f) => f[0] === 3 && (f[2] as { status?: string }).status === 'Accepted');
    const firstCall = cs.received.findIndex((f) => f[0] === 2);
    expect(bootReply).toBeLessThan(firstCall);
    await cs.call('StatusNotification', { timestamp: '2026-03-29T00:05:00Z', connectorStatus: 'Occupied', evseId: 2, connectorId: 1 });
    // An offline-queued older status does not overwrite the newer one.
    await cs.call('StatusNotification', { timestamp: '2026-03-29T00:01:00Z', connectorStatus: 'Available', evseId: 2, connectorId: 1 });
    const evses = await server.running.repositories.evses.evses('CS1');
    expect(evses.map((e) => [e.evseId, e.connectors[0]!.status])).toEqual([[1, 'Available'], [2, 'Occupied']]);
  });

  it('falls back to one GetVariables per variable when the station refuses the batch', async () => {
    server = await startTestServer();
    await server.addStation('CS1', PASSWORD);
    const cs = await ScriptedStation.connect(server.wsUrl, { id: 'CS1', password: PASSWORD });
    const one = smartChargingVariables({ PeriodsPerSchedule: '12' });
    cs.respond('GetVariables', (req) =>
      req.getVariableData.length > 1 ? { raw: [4, (cs.received.at(-1) as string[])[1]!, 'OccurrenceConstraintViolation', 'ItemsPerMessage is 1', {}] } : one(req));
    const caps = server.running.events.once('station.capabilities');
    await cs.boot();
    expect((await caps).capabilities).toMatchObject({ periodsPerSchedule: 12, rateUnits: ['A', 'W'], enabled: true });
    expect(cs.calls.filter((c) => c.action === 'GetVariables')).toHaveLength(8);
  });

  it('authorizes from the token table, then from the vehicles\' cards, with accept-all as an option', async () => {
    server = await startTestServer();
    const cs = await bootedStation(server);
    const tokens = server.running.repositories.idTokens;
    const base = { groupIdToken: null, vehicleId: null };
    await tokens.upsert({ idToken: 'OK', type: 'ISO14443', status: 'Accepted', expiresAt: null, ...base }, '2026-03-29T00:00:00Z');
    await tokens.upsert({ idToken: 'BAD', type: 'ISO14443', status: 'Blocked', expiresAt: null, ...base }, '2026-03-29T00:00:00Z');
    await tokens.upsert({ idToken: 'OLD', type: 'ISO14443', status: 'Accepted', expiresAt: '2026-03-01T00:00:00Z', ...base }, '2026-03-29T00:00:00Z');
    const status = async (idToken: string) => (await cs.call('Authorize', { idToken: { idToken, type: 'ISO14443' } })).idTokenInfo.status;
    expect(await status('OK')).toBe('Accepted');
    expect(await status('BAD')).toBe('Blocked');
    expect(await status('OLD')).toBe('Expired');
    expect(await status('WHO')).toBe('Unknown');
    // A card a vehicle lists is accepted as that vehicle's; the token table's own entry still wins (BAD stays Blocked).
    const vehicles = new VehicleRepository(server.running.db);
    await vehicles.upsert({ id: 'van-9', name: 'Van 9', fleet: null, batteryKwh: 60, maxAcKw: 11, phases: 3, minCurrentA: null, idTokens: ['VAN-CARD-9', 'BAD'] }, '2026-03-29T00:00:00Z');
    expect(await status('VAN-CARD-9')).toBe('Accepted');
    expect(await status('BAD')).toBe('Blocked');
    await cs.close();
    await server.stop();
    server = await startTestServer({ ocpp: { acceptUnknownIdTokens: true } });
    const cs2 = await bootedStation(server);
    expect((await cs2.call('Authorize', { idToken: { idToken: 'WHO', type: 'ISO14443' } })).idTokenInfo.status).toBe('Accepted');
  });

  it('a transaction from start to end: one record, meter values as a time series, the EVSE tracks it', async () => {
    server = await startTestServer();
    const cs = await bootedStation(server);
    const repos = server.running.repositories;
    const started = server.running.events.once('transaction.event', (e) => e.eventType === 'Started');
    const res = await cs.call('TransactionEvent', txEvent('Started', 0, '2026-03-29T01:00:00Z', 1000));
    expect(res.idTokenInfo?.status).toBe('Unknown');
    expect((await started).transaction.transactionId).toBe('TX-1');
    expect(await repos.evses.currentTransaction('CS1', 1)).toBe('TX-1');
    expect((await repos.transactions.activeOnEvse('CS1', 1))?.idToken).toBe('VAN-07');
    await cs.call('TransactionEvent', txEvent('Updated', 1, '2026-03-29T01:15:00Z', 3750));
    await cs.call('MeterValues', { evseId: 1, meterValue: [{ timestamp: '2026-03-29T01:20:00Z', sampledValue: [{ value: 4.6, unitOfMeasure: { unit: 'kWh' } }] }] });
    await cs.call('TransactionEvent', txEvent('Ended', 2, '2026-03-29T02:00:00Z', 12000));
    const tx = (await repos.transactions.get('CS1', 'TX-1'))!;
    expect(tx).toMatchObject({
      state: 'Ended', evseId: 1, connectorId: 1, meterStartWh: 1000, energyWh: 12000, lastSeqNo: 2,
      startedAt: instant('2026-03-29T01:00:00Z'), endedAt: instant('2026-03-29T02:00:00Z'), stoppedReason: 'EVDisconnected',
    });
    expect(await repos.evses.currentTransaction('CS1', 1)).toBeNull();
    expect(await repos.transactions.activeOnEvse('CS1', 1)).toBeUndefined();
    const energy = (await repos.meterValues.forTransaction('CS1', 'TX-1')).filter((s) => s.measurand === 'Energy.Active.Import.Register');
    expect(energy.map((s) => [s.timestamp, s.value, s.unit])).toEqual([
      [instant('2026-03-29T01:00:00Z'), 1000, 'Wh'],
      [instant('2026-03-29T01:15:00Z'), 3750, 'Wh'],
      [instant('2026-03-29T01:20:00Z'), 4.6, 'kWh'],
      [instant('2026-03-29T02:00:00Z'), 12000, 'Wh'],
    ]);
    const soc = (await repos.meterValues.forTransaction('CS1', 'TX-1')).filter((s) => s.measurand === 'SoC');
    expect(soc).toHaveLength(3);
  });

  it('a retransmitted TransactionEvent (same seqNo) is answered again and stored once', async () => {
    server = await startTestServer();
    const cs = await bootedStation(server);
    const events: boolean[] = [];
    server.running.events.on('transaction.event', (e) => events.push(e.duplicate));
    await cs.call('TransactionEvent', txEvent('Started', 0, '2026-03-29T01:00:00Z', 1000));
    await cs.call('TransactionEvent', txEvent('Updated', 1, '2026-03-29T01:15:00Z', 3000));
    const again = await cs.call('TransactionEvent', txEvent('Updated', 1, '2026-03-29T01:15:00Z', 3000));
    expect(again).toEqual({});
    const db = server.running.db;
    const count = await db.selectFrom('transaction_events').select(countAll().as('n')).where('transaction_id', '=', 'TX-1').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2);
    const meterRows = await db.selectFrom('meter_values').select(countAll().as('n')).where('transaction_id', '=', 'TX-1').executeTakeFirstOrThrow();
    expect(Number(meterRows.n)).toBe(6);
    expect(events).toEqual([false, false, true]);
  });

  it('offline-queued events are accepted late and out of order without an older one overwriting newer state', async () => {
    server = await startTestServer();
    const cs = await bootedStation(server);
    const repos = server.running.repositories;
    // The Started was lost on the station side; Ended arrives before a late Updated.
    await cs.call('TransactionEvent', txEvent('Updated', 1, '2026-03-29T01:15:00Z', 3000, { offline: true, evse: { id: 2, connectorId: 1 } }));
    expect(await repos.evses.currentTransaction('CS1', 2)).toBe('TX-1');
    await cs.call('TransactionEvent', txEvent('Ended', 3, '2026-03-29T02:00:00Z', 9000, { offline: true }));
    await cs.call('TransactionEvent', txEvent('Updated', 2, '2026-03-29T01:30:00Z', 5000, { offline: true }));
    const tx = (await repos.transactions.get('CS1', 'TX-1'))!;
    expect(tx).toMatchObject({ state: 'Ended', energyWh: 9000, lastSeqNo: 3, offline: true, chargingState: 'Idle', evseId: 2 });
    expect(await repos.evses.currentTransaction('CS1', 2)).toBeNull();
  });

  it('charging needs are stored, announced to the scheduler and answered Accepted', async () => {
    server = await startTestServer();
    const cs = await bootedStation(server);
    await cs.call('TransactionEvent', txEvent('Started', 0, '2026-03-29T01:00:00Z', 0));
    const announced = server.running.events.once('charging.needs');
    const res = await cs.call('NotifyEVChargingNeeds', {
      evseId: 1,
      maxScheduleTuples: 24,
      chargingNeeds: {
        requestedEnergyTransfer: 'AC_three_phase',
        departureTime: '2026-03-29T06:30:00Z',
        acChargingParameters: { energyAmount: 30000, evMinCurrent: 6, evMaxCurrent: 16, evMaxVoltage: 400 },
      },
    });
    expect(res).toEqual({ status: 'Accepted' });
    const needs = await announced;
    expect(needs).toMatchObject({
      stationId: 'CS1', evseId: 1, transactionId: 'TX-1', departureTime: '2026-03-29T06:30:00Z',
      energyAmountWh: 30000, evMinCurrentA: 6, evMaxCurrentA: 16, maxScheduleTuples: 24,
    });
    expect(await server.running.repositories.chargingNeeds.latest('CS1', 1)).toEqual({ ...needs, departureTime: instant(needs.departureTime!) });
  });

  it('a restart in the middle of a transaction loses nothing and the station carries on', async () => {
    server = await startTestServer();
    let cs = await bootedStation(server);
    await cs.call('TransactionEvent', txEvent('Started', 0, '2026-03-29T01:00:00Z', 1000));
    await cs.call('TransactionEvent', txEvent('Updated', 1, '2026-03-29T01:15:00Z', 2500));
    const closed = cs.closed;
    server = await server.restart();
    expect((await closed).code).toBe(1001);
    const repos = server.running.repositories;
    expect(await repos.transactions.activeOnEvse('CS1', 1)).toMatchObject({ transactionId: 'TX-1', energyWh: 2500, state: 'Started' });
    // The station reconnects without booting (Part 4, 5.3) and continues; its queued event arrives offline.
    cs = await ScriptedStation.connect(server.wsUrl, { id: 'CS1', password: PASSWORD });
    await cs.call('TransactionEvent', txEvent('Updated', 2, '2026-03-29T01:30:00Z', 4000, { offline: true }));
    await cs.call('TransactionEvent', txEvent('Ended', 3, '2026-03-29T02:00:00Z', 7000));
    expect(await repos.transactions.get('CS1', 'TX-1')).toMatchObject({ state: 'Ended', energyWh: 7000, meterStartWh: 1000, lastSeqNo: 3 });
    expect((await repos.meterValues.forTransaction('CS1', 'TX-1')).filter((s) => s.measurand === 'Energy.Active.Import.Register')).toHaveLength(4);
  });
});
