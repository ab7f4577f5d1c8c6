/**
 * Every method of the OCPP repositories round-trips the same records on SQLite and on PostgreSQL (issue 15):
 * instants as UTC ISO text, flags as booleans, numbers as numbers, lists in the same order.
 */
import { describe, expect, it } from 'vitest';
import { createOcppRepositories } from '../../src/storage/index.js';
import { openTestStorage } from '../helpers/test-database.js';

const T0 = '2026-03-29T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

async function open() {
  const storage = await openTestStorage();
  const repos = createOcppRepositories(storage.db);
  for (const id of ['CS1', 'CS2']) await repos.stations.register({ id, passwordHash: null, securityProfile: 0 }, T0);
  return { db: storage.db, ...repos };
}

describe('stations', () => {
  it('register, boot, presence, password, status, certificates', async () => {
    const { stations } = await open();
    const created = await stations.register({ id: 'CS3', passwordHash: 'h1', securityProfile: 2, autoRegistered: true }, T0);
    expect(created).toEqual({
      id: 'CS3', passwordHash: 'h1', securityProfile: 2, registrationStatus: null, autoRegistered: true, vendorName: null, model: null,
      serialNumber: null, firmwareVersion: null, lastBootAt: null, lastBootStatus: null, lastSeenAt: null, lastConnectedAt: null,
      lastDisconnectedAt: null, createdAt: T0, clientCertificate: null, certificateRenewalRequestedAt: null,
    });
    await stations.recordBoot('CS3', { reason: 'PowerUp', vendorName: 'V', model: 'M', serialNumber: 'S1' }, 'Accepted', at(1));
    await stations.recordPresence('CS3', 'connected', at(2));
    await stations.recordPresence('CS3', 'seen', at(3));
    await stations.recordPresence('CS3', 'disconnected', at(4));
    await stations.setPassword('CS3', 'h2', 1, at(5));
    await stations.setRegistrationStatus('CS3', 'Pending', at(5));
    await stations.recordClientCertificate('CS3', { serial: 'AB01', subject: 'CN=CS3', notAfter: at(60 * 24 * 365), seenAt: at(6) });
    await stations.setCertificateRenewalRequested('CS3', at(7));
    expect(await stations.get('CS3')).toMatchObject({
      passwordHash: 'h2', securityProfile: 1, registrationStatus: 'Pending', vendorName: 'V', model: 'M', serialNumber: 'S1',
      firmwareVersion: null, lastBootAt: at(1), lastBootStatus: 'Accepted', lastConnectedAt: at(2), lastDisconnectedAt: at(4),
      lastSeenAt: at(4), clientCertificate: { serial: 'AB01', subject: 'CN=CS3', notAfter: at(60 * 24 * 365), seenAt: at(6) },
      certificateRenewalRequestedAt: at(7),
    });
    // The Heartbeat's one-column read of the same (certificate-renewal.ts).
    expect(await stations.certificateRenewalRequestedAt('CS3')).toBe(at(7));
    await stations.setCertificateRenewalRequested('CS3', null);
    expect((await stations.get('CS3'))!.certificateRenewalRequestedAt).toBeNull();
    expect(await stations.certificateRenewalRequestedAt('CS3')).toBeNull();
    expect(await stations.certificateRenewalRequestedAt('nope')).toBeNull();
    expect((await stations.list()).map((s) => s.id)).toEqual(['CS1', 'CS2', 'CS3']);
    expect(await stations.get('nope')).toBeUndefined();
    await expect(stations.setPassword('nope', 'h', 1, T0)).rejects.toThrow('station nope does not exist');
    await expect(stations.setCertificateRenewalRequested('nope', T0)).rejects.toThrow('station nope does not exist');
  });
});

describe('EVSEs and transactions', () => {
  it('keeps the latest connector status by station time, whatever order they arrive in', async () => {
    const { evses } = await open();
    await evses.setConnectorStatus({ stationId: 'CS1', evseId: 1, connectorId: 1, status: 'Occupied', statusAt: at(5) }, at(6));
    await evses.setConnectorStatus({ stationId: 'CS1', evseId: 1, connectorId: 1, status: 'Available', statusAt: at(1) }, at(7));
    await evses.setConnectorStatus({ stationId: 'CS1', evseId: 2, connectorId: 1, status: 'Faulted', statusAt: at(2) }, at(7));
    expect(await evses.evses('CS1')).toEqual([
      { stationId: 'CS1', evseId: 1, currentTransactionId: null, connectors: [{ stationId: 'CS1', evseId: 1, connectorId: 1, status: 'Occupied', statusAt: at(5) }] },
      { stationId: 'CS1', evseId: 2, currentTransactionId: null, connectors: [{ stationId: 'CS1', evseId: 2, connectorId: 1, status: 'Faulted', statusAt: at(2) }] },
    ]);
    expect(await evses.currentTransaction('CS1', 1)).toBeNull();
  });

  it('merges out-of-order events: the newest seqNo sets the live state, the earliest instant the start', async () => {
    const { transactions, evses, meterValues } = await open();
    const base = { stationId: 'CS1', transactionId: 'T1', offline: true, payload: {} };
    const energy = (minutes: number, wh: number) => ({ timestamp: at(minutes), measurand: 'Energy.Active.Import.Register', value: wh, unit: 'Wh' });
    // The Updated (seqNo 2) arrives first, then the Started (0) and an older Updated (1), as queued offline.
    const r2 = await transactions.applyEvent({ ...base, seqNo: 2, eventType: 'Updated', triggerReason: 'ChargingStateChanged', timestamp: at(20),
      chargingState: 'SuspendedEV', meterValues: [energy(20, 3000)] }, at(30));
    expect(r2).toMatchObject({ duplicate: false, transaction: { state: 'Started', startedAt: at(20), lastSeqNo: 2, energyWh: 3000, meterStartWh: 3000, evseId: null } });
    await transactions.applyEvent({ ...base, seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', timestamp: at(0), evseId: 1, connectorId: 1,
      idToken: { idToken: 'RFID-1', type: 'ISO14443', status: 'Accepted' }, chargingState: 'Charging', remoteStartId: 7, meterValues: [energy(0, 1000)] }, at(30));
    const r1 = await transactions.applyEvent({ ...base, seqNo: 1, eventType: 'Updated', triggerReason: 'MeterValuePeriodic', timestamp: at(10),
      chargingState: 'Charging', meterValues: [energy(10, 2000)] }, at(30));
    expect(r1.transaction).toEqual({
      stationId: 'CS1', transactionId: 'T1', evseId: 1, connectorId: 1, idToken: 'RFID-1', idTokenType: 'ISO14443', idTokenStatus: 'Accepted',
      state: 'Started', chargingState: 'SuspendedEV', remoteStartId: 7, startedAt: at(0), endedAt: null, stoppedReason: null, lastSeqNo: 2,
      meterStartWh: 1000, energyWh: 3000, offline: true, vehicleId: null, boost: null,
    });
    expect(await evses.currentTransaction('CS1', 1)).toBe('T1');
    expect((await transactions.activeOnEvse('CS1', 1))?.transactionId).toBe('T1');
    expect((await meterValues.forTransaction('CS1', 'T1')).map((s) => [s.timestamp, s.value, s.evseId])).toEqual([
      [at(0), 1000, 1], [at(10), 2000, 1], [at(20), 3000, 0],
    ]);
    expect((await meterValues.forTransaction('CS1', 'T1', at(10))).map((s) => s.value)).toEqual([2000, 3000]);
    expect(await meterValues.latest('CS1', 'T1', 'Energy.Active.Import.Register')).toEqual({ ...energy(20, 3000), multiplier: 0 });
    expect(await meterValues.latest('CS1', 'T1', 'SoC')).toBeUndefined();

    const again = await transactions.applyEvent({ ...base, seqNo: 1, eventType: 'Updated', triggerReason: 'MeterValuePeriodic', timestamp: at(10),
      meterValues: [energy(10, 2000)] }, at(31));
    expect(again).toEqual({ duplicate: true, transaction: r1.transaction });
    expect(await meterValues.forTransaction('CS1', 'T1')).toHaveLength(3);

    await transactions.applyEvent({ ...base, seqNo: 3, eventType: 'Ended', triggerReason: 'StopAuthorized', timestamp: at(40), stoppedReason: 'Local',
      meterValues: [energy(40, 4000)] }, at(41));
    expect(await transactions.get('CS1', 'T1')).toMatchObject({ state: 'Ended', endedAt: at(40), stoppedReason: 'Local', energyWh: 4000 });
    expect(await evses.currentTransaction('CS1', 1)).toBeNull();
    expect(await transactions.activeOnEvse('CS1', 1)).toBeUndefined();
    expect(await transactions.get('CS1', 'nope')).toBeUndefined();
  });

  it('lists active sessions by station and start, and boosted ones by vehicle', async () => {
    const { transactions } = await open();
    const start = (stationId: string, transactionId: string, minutes: number, evseId: number) => transactions.applyEvent({
      stationId, transactionId, seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', timestamp: at(minutes), offline: false, evseId,
      meterValues: [], payload: {},
    }, at(minutes));
    await start('CS2', 'B', 1, 1);
    await start('CS1', 'C', 5, 2);
    await start('CS1', 'A', 3, 1);
    expect((await transactions.active()).map((t) => t.transactionId)).toEqual(['A', 'C', 'B']);
    expect((await transactions.active('CS1')).map((t) => t.transactionId)).toEqual(['A', 'C']);
    await transactions.setBoost('CS1', 'C', { vehicleId: 'VAN-1', energyKwh: 5, fromDeliveredKwh: 0.5, setAt: at(6) });
    expect((await transactions.activeBoosted('VAN-1')).map((t) => [t.transactionId, t.boost])).toEqual([
      ['C', { vehicleId: 'VAN-1', energyKwh: 5, fromDeliveredKwh: 0.5, setAt: at(6) }],
    ]);
    expect(await transactions.activeBoosted('VAN-2')).toEqual([]);
  });
});

describe('id tokens, charging needs, device model', () => {
  it('round-trips them', async () => {
    const { idTokens, chargingNeeds, deviceModel } = await open();
    await idTokens.upsert({ idToken: 'B', type: 'ISO14443', status: 'Accepted', groupIdToken: null, expiresAt: at(60), vehicleId: 'V1' }, T0);
    await idTokens.upsert({ idToken: 'A', type: 'Central', status: 'Blocked', groupIdToken: 'G', expiresAt: null, vehicleId: null }, T0);
    await idTokens.upsert({ idToken: 'B', type: 'ISO14443', status: 'Expired', groupIdToken: 'G2', expiresAt: null, vehicleId: null }, at(1));
    expect(await idTokens.list()).toEqual([
      { idToken: 'A', type: 'Central', status: 'Blocked', groupIdToken: 'G', expiresAt: null, vehicleId: null },
      { idToken: 'B', type: 'ISO14443', status: 'Expired', groupIdToken: 'G2', expiresAt: null, vehicleId: null },
    ]);
    expect(await idTokens.get('B', 'Central')).toBeUndefined();

    const needs = {
      stationId: 'CS1', evseId: 1, transactionId: 'T1', requestedEnergyTransfer: 'AC_three_phase', departureTime: at(600),
      energyAmountWh: 20_000.5, evMinCurrentA: 6, evMaxCurrentA: 32, evMaxVoltageV: 400, evMaxPowerW: null, maxScheduleTuples: 24, receivedAt: at(1),
    };
    await chargingNeeds.record({ ...needs, energyAmountWh: 1, receivedAt: T0 }, { first: true });
    await chargingNeeds.record(needs, { second: true });
    expect(await chargingNeeds.latest('CS1', 1)).toEqual(needs);
    expect(await chargingNeeds.latest('CS1', 2)).toBeUndefined();

    await deviceModel.upsert('CS1', [
      { component: 'SmartChargingCtrlr', variable: 'Enabled', value: 'true', mutability: 'ReadWrite', dataType: 'boolean' },
      { component: 'SmartChargingCtrlr', variable: 'Enabled', evseId: 1, value: 'false' },
      { component: 'EVSE', evseId: 1, variable: 'Power', attributeType: 'MaxSet', value: '11000', unit: 'W' },
    ], 'NotifyReport', T0);
    await deviceModel.upsert('CS1', [{ component: 'SmartChargingCtrlr', variable: 'Enabled', value: 'false' }], 'GetVariables', at(1));
    expect(await deviceModel.get('CS1', 'SmartChargingCtrlr', 'Enabled')).toEqual({
      component: 'SmartChargingCtrlr', variable: 'Enabled', attributeType: 'Actual', value: 'false', mutability: 'ReadWrite', dataType: 'boolean',
    });
    expect(await deviceModel.list('CS1')).toEqual([
      { component: 'EVSE', evseId: 1, variable: 'Power', attributeType: 'MaxSet', value: '11000', unit: 'W' },
      { component: 'SmartChargingCtrlr', variable: 'Enabled', attributeType: 'Actual', value: 'false', mutability: 'ReadWrite', dataType: 'boolean' },
      { component: 'SmartChargingCtrlr', evseId: 1, variable: 'Enabled', attributeType: 'Actual', value: 'false' },
    ]);
    expect(await deviceModel.list('CS1', 'EVSE')).toHaveLength(1);
    expect(await deviceModel.list('CS2')).toEqual([]);
  });
});

describe('device model: reports of many rows', () => {
  it('stores a report larger than one statement takes (70 rows) and updates it, keeping what a later report leaves out', async () => {
    const { deviceModel } = await open();
    const names = Array.from({ length: 70 }, (_, i) => `V${String(i).padStart(2, '0')}`);
    await deviceModel.upsert('CS1', names.map((n, i) => ({
      component: 'Vendor', variable: n, value: String(i), mutability: 'ReadOnly', dataType: 'integer', ...(i % 2 ? { unit: 'W' } : {}),
    })), 'NotifyReport', T0);
    // 33 of them again (a full statement and one row), with a value and no mutability, type or unit; one named twice.
    const again = names.slice(0, 33).map((n) => ({ component: 'Vendor', variable: n, value: `${n}!` }));
    await deviceModel.upsert('CS1', [...again, { component: 'Vendor', variable: 'V00', value: 'last' }], 'GetVariables', at(1));
    const listed = await deviceModel.list('CS1', 'Vendor');
    expect(listed).toHaveLength(70);
    expect(listed[0]).toEqual({ component: 'Vendor', variable: 'V00', attributeType: 'Actual', value: 'last', mutability: 'ReadOnly', dataType: 'integer' });
    expect(listed[1]).toEqual({ component: 'Vendor', variable: 'V01', attributeType: 'Actual', value: 'V01!', mutability: 'ReadOnly', dataType: 'integer', unit: 'W' });
    expect(listed[32]!.value).toBe('V32!');
    expect(listed[33]).toEqual({ component: 'Vendor', variable: 'V33', attributeType: 'Actual', value: '33', mutability: 'ReadOnly', dataType: 'integer', unit: 'W' });
    expect(listed.map((v) => v.variable)).toEqual(names);
    expect(await deviceModel.list('CS2')).toEqual([]);
  });
});

describe('station log and certificates', () => {
  it('charging limits: recorded, cleared per EVSE or for the station, only active ones listed', async () => {
    const { stationLog } = await open();
    await stationLog.recordChargingLimit('CS1', { evseId: 1, source: 'EMS', isGridCritical: true, schedule: [{ id: 1 }] }, T0);
    await stationLog.recordChargingLimit('CS1', { evseId: 2, source: 'EMS', isGridCritical: null, schedule: undefined }, at(1));
    await stationLog.recordChargingLimit('CS1', { evseId: 1, source: 'SO', isGridCritical: false, schedule: undefined }, at(2));
    await stationLog.clearChargingLimit('CS1', 'EMS', 1, at(3));
    expect(await stationLog.activeChargingLimits('CS1')).toEqual([
      { evseId: 2, source: 'EMS', isGridCritical: null, schedule: undefined, receivedAt: at(1) },
      { evseId: 1, source: 'SO', isGridCritical: false, schedule: undefined, receivedAt: at(2) },
    ]);
    await stationLog.clearChargingLimit('CS1', 'EMS', null, at(4));
    expect((await stationLog.activeChargingLimits('CS1')).map((l) => l.source)).toEqual(['SO']);
  });

  it('messages and events in order; pruneStep takes the oldest first and keeps active limits', async () => {
    const { db, stationLog } = await open();
    for (let i = 0; i < 5; i++) await stationLog.recordMessage('CS1', i % 2 ? 'DataTransfer' : 'SecurityEventNotification', { i }, at(i));
    await stationLog.recordEvents('CS1', [0, 1, 2].map((i) => ({
      eventId: i, timestamp: at(i), trigger: 'Alerting', eventNotificationType: 'HardWiredNotification', component: 'C', variable: 'V',
      actualValue: String(i), cleared: i === 2, raw: { eventId: i },
    })), at(3));
    expect((await stationLog.messages('CS1')).map((m) => m.payload)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    expect(await stationLog.messages('CS1', 'DataTransfer')).toEqual([
      { action: 'DataTransfer', payload: { i: 1 }, receivedAt: at(1) }, { action: 'DataTransfer', payload: { i: 3 }, receivedAt: at(3) },
    ]);
    const events = await db.selectFrom('station_events').select(['event_id', 'cleared', 'payload']).orderBy('id').execute();
    expect(events).toEqual([0, 1, 2].map((i) => ({ event_id: i, cleared: i === 2 ? 1 : 0, payload: JSON.stringify({ eventId: i }) })));
    await stationLog.recordChargingLimit('CS1', { evseId: 1, source: 'EMS', isGridCritical: null, schedule: undefined }, T0);
    await stationLog.recordChargingLimit('CS1', { evseId: 2, source: 'SO', isGridCritical: null, schedule: undefined }, T0);
    await stationLog.clearChargingLimit('CS1', 'SO', 2, at(1));
    // Older than at(2): messages 0 and 1 and the limit cleared at(1) (the events arrived at(3)); in steps of 2.
    expect(await stationLog.pruneStep(at(2), 1000, 2)).toBe(2);
    expect(await stationLog.pruneStep(at(2), 1000, 2)).toBe(1);
    expect(await stationLog.pruneStep(at(2), 1000, 2)).toBe(0);
    expect((await stationLog.messages('CS1')).map((m) => m.payload)).toEqual([2, 3, 4].map((i) => ({ i })));
    expect((await stationLog.activeChargingLimits('CS1')).map((l) => l.source)).toEqual(['EMS']);
    // Beyond the newest 2 rows per table, whatever their age.
    expect(await stationLog.pruneStep(T0, 2, 10)).toBe(2);
    expect((await stationLog.messages('CS1')).map((m) => m.payload)).toEqual([3, 4].map((i) => ({ i })));
    expect((await db.selectFrom('station_events').select('event_id').orderBy('id').execute()).map((e) => e.event_id)).toEqual([1, 2]);
  });

  it('issued certificates, newest first, with their delivery', async () => {
    const { issuedCertificates } = await open();
    const cert = (serial: string, issuedAt: string, stationId = 'CS1') => ({
      serial, stationId, certificateType: 'ChargingStationCertificate' as const, subject: `CN=${stationId}`, notBefore: issuedAt,
      notAfter: at(60 * 24 * 365), fingerprintSha256: `F${serial}`, pem: `PEM ${serial}`, source: 'SignCertificate' as const, issuedAt,
      delivery: 'pending' as const, deliveryDetail: null,
    });
    await issuedCertificates.recordIssued(cert('01', T0));
    await issuedCertificates.recordIssued(cert('02', at(1)));
    await issuedCertificates.recordIssued(cert('03', at(1), 'CS2'));
    await issuedCertificates.setDelivery('01', 'Rejected', 'InvalidCertificate', at(2));
    expect(await issuedCertificates.issuedTo('CS1')).toEqual([cert('02', at(1)), { ...cert('01', T0), delivery: 'Rejected', deliveryDetail: 'InvalidCertificate' }]);
    expect(await issuedCertificates.issuedTo('CS3')).toEqual([]);
  });
});
