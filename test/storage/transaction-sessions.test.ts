import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { dialectOf, instant, type Db } from '../../src/storage/sql/dialect.js';
import { createOcppRepositories } from '../../src/storage/index.js';
import { testDatabase } from '../helpers/test-database.js';

/** Migration 0005 on a database file (a fresh PostgreSQL schema under test:postgres): sessions by period, the car a session was for, its boost. */
async function open() {
  const storage = await (await testDatabase({ file: true })).open();
  const repos = createOcppRepositories(storage.db);
  for (const id of ['CS1', 'CS2']) await repos.stations.register({ id, passwordHash: null, securityProfile: 0 }, '2026-11-01T00:00:00Z');
  return { ...repos, db: storage.db };
}

async function start(repos: Awaited<ReturnType<typeof open>>, stationId: string, transactionId: string, timestamp: string) {
  await repos.transactions.applyEvent({
    stationId, transactionId, seqNo: 0, eventType: 'Started', triggerReason: 'Authorized', timestamp, offline: false,
    evseId: 1, connectorId: 1, meterValues: [], payload: {},
  }, timestamp);
}

const ids = (rows: { transactionId: string }[]) => rows.map((t) => t.transactionId);

describe('transactions by period (migration 0005)', () => {
  it('compares instants, not text: a station that sends +01:00 is listed by its UTC instant', async () => {
    const repos = await open();
    await start(repos, 'CS1', 'A', '2026-10-31T23:30:00Z'); // October in UTC
    await start(repos, 'CS1', 'B', '2026-11-01T00:30:00+01:00'); // = 2026-10-31T23:30Z: October too, though its text says November
    await start(repos, 'CS2', 'C', '2026-11-01T00:00:00.000Z'); // exactly at the start: included
    await start(repos, 'CS2', 'D', '2026-12-01T00:00:00Z'); // exactly at the end: excluded
    await start(repos, 'CS1', 'E', '2026-11-15T12:00:00+05:30');
    const nov = await repos.transactions.between('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z');
    expect(ids(nov)).toEqual(['C', 'E']);
    expect(ids(await repos.transactions.between('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z')).sort()).toEqual(['A', 'B']);
    expect(ids(await repos.transactions.between('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', ['CS1']))).toEqual(['E']);
    expect(await repos.transactions.between('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', [])).toEqual([]);
  });

  it('uses the index on the instant', async () => {
    const { db } = await open();
    const period = (d: Db) => sql`SELECT * FROM transactions WHERE ${instant(d, sql.ref('started_at'))} >= ${instant(d, '2026-11-01T00:00:00Z')}
      AND ${instant(d, sql.ref('started_at'))} < ${instant(d, '2026-12-01T00:00:00Z')}`;
    let plan: string;
    if (dialectOf(db) === 'postgres') {
      // An empty table is scanned whatever indexes it has: forbid that to see whether the index serves the query.
      plan = await db.transaction().execute(async (trx) => {
        await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        const rows = (await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${period(trx)}`.execute(trx)).rows;
        return rows.map((r) => r['QUERY PLAN']).join(' ');
      });
    } else {
      const rows = (await sql<{ detail: string }>`EXPLAIN QUERY PLAN ${period(db)}`.execute(db)).rows;
      plan = rows.map((p) => p.detail).join(' ');
    }
    expect(plan).toContain('transactions_started');
  });

  it('keeps the car and the boost with the session; OCPP events do not touch them', async () => {
    const repos = await open();
    await start(repos, 'CS1', 'T1', '2026-11-23T16:00:00Z');
    expect(await repos.transactions.get('CS1', 'T1')).toMatchObject({ vehicleId: null, boost: null });
    await repos.transactions.setVehicle('CS1', 'T1', 'VAN-1');
    const boost = { vehicleId: 'VAN-1', energyKwh: 7.5, fromDeliveredKwh: 1.25, setAt: '2026-11-23T16:05:00.000Z' };
    await repos.transactions.setBoost('CS1', 'T1', boost);
    await repos.transactions.applyEvent({
      stationId: 'CS1', transactionId: 'T1', seqNo: 1, eventType: 'Updated', triggerReason: 'MeterValuePeriodic', timestamp: '2026-11-23T16:10:00Z',
      offline: false, meterValues: [{ timestamp: '2026-11-23T16:10:00Z', measurand: 'Energy.Active.Import.Register', value: 2000, unit: 'Wh' }], payload: {},
    }, '2026-11-23T16:10:00Z');
    expect(await repos.transactions.activeOnEvse('CS1', 1)).toMatchObject({ vehicleId: 'VAN-1', boost, energyWh: 2000 });
    await repos.transactions.setBoost('CS1', 'T1', null);
    expect(await repos.transactions.get('CS1', 'T1')).toMatchObject({ vehicleId: 'VAN-1', boost: null });
  });

  it('refuses a boost of no energy', async () => {
    const repos = await open();
    await start(repos, 'CS1', 'T1', '2026-11-23T16:00:00Z');
    // SQLite says "CHECK constraint failed", PostgreSQL "violates check constraint".
    await expect(repos.transactions.setBoost('CS1', 'T1', { vehicleId: 'V', energyKwh: 0, fromDeliveredKwh: 0, setAt: '2026-11-23T16:00:00Z' }))
      .rejects.toThrow(/CHECK constraint|check constraint/);
  });
});
