import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { createOcppRepositories } from '../../src/storage/index.js';

/** Migration 0005 on a real SQLite file: sessions by period, the car a session was for, its boost. */
let dir: string;
let db: Db;
afterEach(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

function open() {
  dir = mkdtempSync(join(tmpdir(), 'chargeplan-tx-'));
  db = openDatabase(join(dir, 'db.sqlite'));
  const repos = createOcppRepositories(db);
  for (const id of ['CS1', 'CS2']) repos.stations.register({ id, passwordHash: null, securityProfile: 0 }, '2026-11-01T00:00:00Z');
  return repos;
}

function start(repos: ReturnType<typeof open>, stationId: string, transactionId: string, timestamp: string) {
  repos.transactions.applyEvent({
    stationId, transactionId, seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', timestamp, offline: false,
    evseId: 1, connectorId: 1, meterValues: [], payload: {},
  }, timestamp);
}

describe('transactions by period (migration 0005)', () => {
  it('compares instants, not text: a station that sends +01:00 is listed by its UTC instant', () => {
    const repos = open();
    start(repos, 'CS1', 'A', '2026-10-31T23:30:00Z'); // October in UTC
    start(repos, 'CS1', 'B', '2026-11-01T00:30:00+01:00'); // = 2026-10-31T23:30Z: October too, though its text says November
    start(repos, 'CS2', 'C', '2026-11-01T00:00:00.000Z'); // exactly at the start: included
    start(repos, 'CS2', 'D', '2026-12-01T00:00:00Z'); // exactly at the end: excluded
    start(repos, 'CS1', 'E', '2026-11-15T12:00:00+05:30');
    const nov = repos.transactions.between('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z');
    expect(nov.map((t) => t.transactionId)).toEqual(['C', 'E']);
    expect(repos.transactions.between('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z').map((t) => t.transactionId).sort()).toEqual(['A', 'B']);
    expect(repos.transactions.between('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', ['CS1']).map((t) => t.transactionId)).toEqual(['E']);
    expect(repos.transactions.between('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', [])).toEqual([]);
  });

  it('uses the index on the instant', () => {
    open();
    const plan = db.prepare(
      "EXPLAIN QUERY PLAN SELECT * FROM transactions WHERE julianday(started_at) >= julianday(?) AND julianday(started_at) < julianday(?)",
    ).all('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('transactions_started');
  });

  it('keeps the car and the boost with the session; OCPP events do not touch them', () => {
    const repos = open();
    start(repos, 'CS1', 'T1', '2026-11-23T16:00:00Z');
    expect(repos.transactions.get('CS1', 'T1')).toMatchObject({ vehicleId: null, boost: null });
    repos.transactions.setVehicle('CS1', 'T1', 'VAN-1');
    const boost = { vehicleId: 'VAN-1', energyKwh: 7.5, fromDeliveredKwh: 1.25, setAt: '2026-11-23T16:05:00.000Z' };
    repos.transactions.setBoost('CS1', 'T1', boost);
    repos.transactions.applyEvent({
      stationId: 'CS1', transactionId: 'T1', seqNo: 1, eventType: 'Updated', triggerReason: 'MeterValuePeriodic', timestamp: '2026-11-23T16:10:00Z',
      offline: false, meterValues: [{ timestamp: '2026-11-23T16:10:00Z', measurand: 'Energy.Active.Import.Register', value: 2000, unit: 'Wh' }], payload: {},
    }, '2026-11-23T16:10:00Z');
    expect(repos.transactions.activeOnEvse('CS1', 1)).toMatchObject({ vehicleId: 'VAN-1', boost, energyWh: 2000 });
    repos.transactions.setBoost('CS1', 'T1', null);
    expect(repos.transactions.get('CS1', 'T1')).toMatchObject({ vehicleId: 'VAN-1', boost: null });
  });

  it('refuses a boost of no energy', () => {
    const repos = open();
    start(repos, 'CS1', 'T1', '2026-11-23T16:00:00Z');
    expect(() => repos.transactions.setBoost('CS1', 'T1', { vehicleId: 'V', energyKwh: 0, fromDeliveredKwh: 0, setAt: '2026-11-23T16:00:00Z' })).toThrow(/CHECK/);
  });
});
