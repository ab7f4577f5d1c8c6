/**
 * The read-then-write sequences of the OCPP repositories under concurrency (issue 15): on PostgreSQL
 * (`npm run test:postgres`) the calls below run at once on several pooled connections; on SQLite they queue on its
 * one connection. Either way each ends with one defined result.
 */
import { describe, expect, it } from 'vitest';
import { StationExistsError, type DeviceVariable, type TransactionEventRecord } from '../../src/domain/stations.js';
import { createOcppRepositories, type Db } from '../../src/storage/index.js';
import { countAll } from '../../src/storage/sql/dialect.js';
import { openTestStorage } from '../helpers/test-database.js';

const N = 20;
const AT = '2026-03-29T10:00:00.000Z';

async function open() {
  const storage = await openTestStorage();
  return { db: storage.db, ...createOcppRepositories(storage.db) };
}

async function count(db: Db, table: 'stations' | 'transactions' | 'transaction_events' | 'meter_values' | 'id_tokens' | 'device_model_variables') {
  const row = await db.selectFrom(table).select(countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

const event = (seqNo: number, over: Partial<TransactionEventRecord> = {}): TransactionEventRecord => ({
  stationId: 'CS1', transactionId: 'T1', seqNo, eventType: seqNo === 0 ? 'Started' : 'Updated', triggerReason: 'MeterValuePeriodic',
  timestamp: new Date(Date.parse(AT) + seqNo * 60_000).toISOString(), offline: false, evseId: 1, connectorId: 1,
  meterValues: [
    { timestamp: new Date(Date.parse(AT) + seqNo * 60_000).toISOString(), measurand: 'Energy.Active.Import.Register', value: 1000 + seqNo * 100, unit: 'Wh' },
    { timestamp: new Date(Date.parse(AT) + seqNo * 60_000).toISOString(), measurand: 'SoC', value: 40 + seqNo, unit: 'Percent' },
  ],
  payload: { seqNo },
  ...over,
});

describe('station registration at once', () => {
  it(`${N} registrations of one id: one row, one success, the others a StationExistsError naming the id`, async () => {
    const { db, stations } = await open();
    const results = await Promise.allSettled(Array.from({ length: N }, (_, i) =>
      stations.register({ id: 'LAB-1', passwordHash: `hash-${i}`, securityProfile: 1, autoRegistered: true }, AT)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(N - 1);
    for (const l of lost) {
      expect(l.reason).toBeInstanceOf(StationExistsError);
      expect((l.reason as Error).message).toBe('station LAB-1 already exists');
    }
    expect(await count(db, 'stations')).toBe(1);
    // The row is the winner's, whole.
    const stored = await stations.get('LAB-1');
    expect(stored).toMatchObject({ id: 'LAB-1', autoRegistered: true, securityProfile: 1 });
    expect(stored!.passwordHash).toBe((won[0] as PromiseFulfilledResult<{ passwordHash: string | null }>).value.passwordHash);
  });
});

describe('TransactionEvent seqNo idempotency at once', () => {
  it(`the same event ${N} times at once: applied once, ${N - 1} duplicates, its meter values stored once`, async () => {
    const { db, stations, transactions, meterValues } = await open();
    await stations.register({ id: 'CS1', passwordHash: null, securityProfile: 0 }, AT);
    const results = await Promise.all(Array.from({ length: N }, () => transactions.applyEvent(event(0), AT)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(results.filter((r) => r.duplicate)).toHaveLength(N - 1);
    for (const r of results) expect(r.transaction).toMatchObject({ transactionId: 'T1', lastSeqNo: 0, state: 'Started', energyWh: 1000 });
    expect(await count(db, 'transactions')).toBe(1);
    expect(await count(db, 'transaction_events')).toBe(1);
    expect(await count(db, 'meter_values')).toBe(2);
    expect(await meterValues.forTransaction('CS1', 'T1')).toHaveLength(2);
  });

  it(`${N} different events of one new transaction at once (its Started among them) merge into one record`, async () => {
    const { db, stations, transactions, evses, meterValues } = await open();
    await stations.register({ id: 'CS1', passwordHash: null, securityProfile: 0 }, AT);
    // Backwards, so Updated events arrive before the Started that they would normally follow.
    const results = await Promise.all(Array.from({ length: N }, (_, i) => transactions.applyEvent(event(N - 1 - i), AT)));
    expect(results.every((r) => !r.duplicate)).toBe(true);
    expect(await count(db, 'transactions')).toBe(1);
    expect(await count(db, 'transaction_events')).toBe(N);
    expect(await count(db, 'meter_values')).toBe(2 * N);
    const tx = await transactions.get('CS1', 'T1');
    // Every event was merged into what the others left: the newest seqNo, the newest meter reading, the Started's start.
    expect(tx).toMatchObject({
      lastSeqNo: N - 1, state: 'Started', startedAt: event(0).timestamp, energyWh: 1000 + (N - 1) * 100, meterStartWh: 1000, evseId: 1,
    });
    expect(await evses.currentTransaction('CS1', 1)).toBe('T1');
    expect((await meterValues.latest('CS1', 'T1', 'SoC'))?.value).toBe(40 + N - 1);
  });

  it('an Ended and its retransmissions at once end the session once and free the EVSE', async () => {
    const { db, stations, transactions, evses } = await open();
    await stations.register({ id: 'CS1', passwordHash: null, securityProfile: 0 }, AT);
    await transactions.applyEvent(event(0), AT);
    const ended = event(1, { eventType: 'Ended', triggerReason: 'EVDeparted', stoppedReason: 'EVDisconnected', meterValues: [] });
    const results = await Promise.all(Array.from({ length: N }, () => transactions.applyEvent(ended, AT)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await count(db, 'transaction_events')).toBe(2);
    expect(await transactions.get('CS1', 'T1')).toMatchObject({ state: 'Ended', endedAt: ended.timestamp, stoppedReason: 'EVDisconnected' });
    expect(await evses.currentTransaction('CS1', 1)).toBeNull();
    expect(await transactions.active('CS1')).toEqual([]);
  });
});

describe('upserts at once', () => {
  it(`${N} writes of one id token: one row, holding one of the writes whole`, async () => {
    const { db, idTokens } = await open();
    const statuses = ['Accepted', 'Blocked', 'Expired', 'Invalid'] as const;
    await Promise.all(Array.from({ length: N }, (_, i) => idTokens.upsert({
      idToken: 'RFID-1', type: 'ISO14443', status: statuses[i % statuses.length]!, groupIdToken: `G${i}`, expiresAt: null, vehicleId: `V${i}`,
    }, AT)));
    expect(await count(db, 'id_tokens')).toBe(1);
    const t = await idTokens.get('RFID-1', 'ISO14443');
    const i = Number(t!.groupIdToken!.slice(1));
    expect(t).toEqual({ idToken: 'RFID-1', type: 'ISO14443', status: statuses[i % statuses.length], groupIdToken: `G${i}`, expiresAt: null, vehicleId: `V${i}` });
  });

  it(`${N} StatusNotifications of one connector at once: the latest by station time stays`, async () => {
    const { stations, evses } = await open();
    await stations.register({ id: 'CS1', passwordHash: null, securityProfile: 0 }, AT);
    const statusAt = (i: number) => new Date(Date.parse(AT) + i * 1000).toISOString();
    // Shuffled deterministically (7 is coprime with 20), so the latest is neither first nor last to be sent.
    await Promise.all(Array.from({ length: N }, (_, k) => (k * 7) % N).map((i) =>
      evses.setConnectorStatus({ stationId: 'CS1', evseId: 1, connectorId: 1, status: i === N - 1 ? 'Occupied' : 'Available', statusAt: statusAt(i) }, AT)));
    const [evse] = await evses.evses('CS1');
    expect(evse!.connectors).toEqual([{ stationId: 'CS1', evseId: 1, connectorId: 1, status: 'Occupied', statusAt: statusAt(N - 1) }]);
  });

  it(`${N} device-model reports of one station at once, in opposite orders and naming variables twice: one row per variable`, async () => {
    const { db, stations, deviceModel } = await open();
    await stations.register({ id: 'CS1', passwordHash: null, securityProfile: 0 }, AT);
    const vars = Array.from({ length: 30 }, (_, v) => ({ component: 'SmartChargingCtrlr', variable: `V${String(v).padStart(2, '0')}`, value: '0', mutability: 'ReadWrite' }));
    await Promise.all(Array.from({ length: N }, (_, i) => {
      const report: DeviceVariable[] = vars.map((v) => ({ ...v, value: String(i) }));
      // The same variable twice in one report: the later value, the earlier's mutability when the later has none.
      report.push({ component: 'SmartChargingCtrlr', variable: 'V00', value: `${i}b` });
      return deviceModel.upsert('CS1', i % 2 === 0 ? report : report.reverse(), 'NotifyReport', AT);
    }));
    expect(await count(db, 'device_model_variables')).toBe(30);
    const listed = await deviceModel.list('CS1');
    expect(listed.map((v) => v.variable)).toEqual(vars.map((v) => v.variable));
    expect(listed.every((v) => v.mutability === 'ReadWrite')).toBe(true);
  });
});
