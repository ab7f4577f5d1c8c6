/**
 * Existing SQLite files migrate forward without loss (issue 15). test/fixtures/storage/release-0.1.sqlite was written
 * by release 0.1.0 through its own repositories (see the README there); release-0.1.json lists every table's row
 * count and first rows as that release stored them. A copy is opened with today's openStorage, which applies every
 * migration newer than the release (none yet: the test holds when one is added), and is then read through Kysely and
 * through today's repositories. The file is SQLite whatever database the run uses: it is the embedded default's data.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/database.js';
import { migrations } from '../../src/storage/migrations/index.js';
import { createOcppRepositories } from '../../src/storage/index.js';
import type { StationRecord, TransactionRecord } from '../../src/domain/stations.js';

type Row = Record<string, unknown>;
interface Manifest {
  sha256: string;
  bytes: number;
  tables: Record<string, { rowCount: number; rows: Row[]; sqliteTypes: Record<string, string>[] }>;
}

const fixture = (name: string) => new URL(`../fixtures/storage/${name}`, import.meta.url);
const manifest = JSON.parse(readFileSync(fixture('release-0.1.json'), 'utf8')) as Manifest;
/** Release 0.1.0 shipped migrations 0001-0007. */
const RELEASE_VERSION = 7;
const T1 = '5f0c9a52-1b7e-4c1d-9f3a-2e8d7c6b5a41';
const T2 = 'b7e41d09-62c3-4f8a-a1d5-90c3e2f4a718';
const T3 = '00017';

/** The release's first rows of a table, by a key column's value. */
function releaseRow(table: string, column: string, value: unknown): Row {
  const row = manifest.tables[table]!.rows.find((r) => r[column] === value);
  if (!row) throw new Error(`the manifest has no ${table} row with ${column} = ${String(value)}`);
  return row;
}

/** A transactions row as the release stored it, as the record TransactionStore returns. */
function transactionRecord(r: Row): TransactionRecord {
  return {
    stationId: r.station_id as string, transactionId: r.transaction_id as string, evseId: r.evse_id as number | null,
    connectorId: r.connector_id as number | null, idToken: r.id_token as string | null, idTokenType: r.id_token_type as string | null,
    idTokenStatus: r.id_token_status as string | null, state: r.state as TransactionRecord['state'],
    chargingState: r.charging_state as string | null, remoteStartId: r.remote_start_id as number | null,
    startedAt: r.started_at as string, endedAt: r.ended_at as string | null, stoppedReason: r.stopped_reason as string | null,
    lastSeqNo: r.last_seq_no as number, meterStartWh: r.meter_start_wh as number | null, energyWh: r.energy_wh as number | null,
    offline: r.offline === 1, vehicleId: r.vehicle_id as string | null,
    boost: r.boost_kwh === null ? null : {
      vehicleId: r.boost_vehicle_id as string, energyKwh: r.boost_kwh as number,
      fromDeliveredKwh: r.boost_from_kwh as number, setAt: r.boost_set_at as string,
    },
  };
}

/** A stations row as the release stored it, as the record StationStore returns. */
function stationRecord(r: Row): StationRecord {
  return {
    id: r.id as string, passwordHash: r.password_hash as string | null, securityProfile: r.security_profile as StationRecord['securityProfile'],
    registrationStatus: r.registration_status as StationRecord['registrationStatus'], autoRegistered: r.auto_registered === 1,
    vendorName: r.vendor_name as string | null, model: r.model as string | null, serialNumber: r.serial_number as string | null,
    firmwareVersion: r.firmware_version as string | null, lastBootAt: r.last_boot_at as string | null,
    lastBootStatus: r.last_boot_status as StationRecord['lastBootStatus'], lastSeenAt: r.last_seen_at as string | null,
    lastConnectedAt: r.last_connected_at as string | null, lastDisconnectedAt: r.last_disconnected_at as string | null,
    createdAt: r.created_at as string,
    clientCertificate: r.client_cert_serial === null ? null : {
      serial: r.client_cert_serial as string, subject: r.client_cert_subject as string,
      notAfter: r.client_cert_not_after as string, seenAt: r.client_cert_seen_at as string,
    },
    certificateRenewalRequestedAt: r.cert_renewal_requested_at as string | null,
  };
}

describe('a SQLite database written by release 0.1.0', () => {
  let dir: string;
  let storage: Storage;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chargeplan-release-'));
    const path = join(dir, 'release-0.1.sqlite');
    copyFileSync(fixture('release-0.1.sqlite'), path);
    const bytes = readFileSync(path);
    // The fixture is the release's file, not one rewritten since (regenerate both files together, only at 6353e9d).
    expect({ sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length }).toEqual({ sha256: manifest.sha256, bytes: manifest.bytes });
    storage = await openStorage({ path });
  });
  afterAll(async () => {
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates forward: applies the migrations newer than the release, and ends with the schema a fresh database gets', async () => {
    expect(storage.migrated).toEqual(migrations.filter((m) => m.version > RELEASE_VERSION).map((m) => m.version));
    const versions = await storage.db.selectFrom('schema_migrations').select('version').orderBy('version').execute();
    expect(versions.map((v) => v.version)).toEqual(migrations.map((m) => m.version));
    const fresh = await openStorage({ path: ':memory:' });
    try {
      const schema = sql<{ type: string; name: string; sql: string }>`
        SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name`;
      expect((await schema.execute(storage.db)).rows).toEqual((await schema.execute(fresh.db)).rows);
    } finally {
      await fresh.close();
    }
  });

  it('keeps every table with its row count', async () => {
    const counts: Record<string, number> = {};
    for (const table of Object.keys(manifest.tables)) {
      const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(storage.db);
      counts[table] = rows[0]!.n;
    }
    expect(counts).toEqual(Object.fromEntries(Object.entries(manifest.tables).map(([t, v]) => [t, v.rowCount])));
    expect(Object.values(counts).every((n) => n > 0)).toBe(true);
  });

  it('keeps the first rows of every table, value for value and storage class for storage class', async () => {
    for (const [table, expected] of Object.entries(manifest.tables)) {
      const columns = Object.keys(expected.rows[0]!);
      // Only the release's columns: a later migration may add some.
      const picked = sql.join(columns.map((c) => sql.ref(c)));
      const classes = sql.join(columns.map((c) => sql`typeof(${sql.ref(c)}) AS ${sql.ref(c)}`));
      const rows = await sql<Row>`SELECT ${picked} FROM ${sql.table(table)} ORDER BY rowid LIMIT 2`.execute(storage.db);
      const types = await sql<Row>`SELECT ${classes} FROM ${sql.table(table)} ORDER BY rowid LIMIT 2`.execute(storage.db);
      expect({ table, rows: rows.rows, types: types.rows }).toEqual({ table, rows: expected.rows, types: expected.sqliteTypes });
    }
  });

  it('reads the stations through StationStore as the release stored them', async () => {
    const { stations } = createOcppRepositories(storage.db);
    const all = await stations.list();
    expect(all.map((s) => s.id)).toEqual(['HOME-0042', 'OSL-DEPOT-01', 'OSL-DEPOT-02']);
    for (const row of manifest.tables.stations!.rows) {
      expect(await stations.get(row.id as string)).toEqual(stationRecord(row));
      expect(all.find((s) => s.id === row.id)).toEqual(stationRecord(row));
    }
    // Auto-registered on profile 1 with a scrypt hash; the certificate of profile 3 on the second depot charger.
    expect(all[0]).toMatchObject({ autoRegistered: true, securityProfile: 1, registrationStatus: 'Accepted', lastBootAt: '2025-03-29T21:45:02.117Z' });
    expect(all[2]!.clientCertificate).toEqual({
      serial: releaseRow('station_certificates', 'serial', all[2]!.clientCertificate!.serial).serial,
      subject: 'CN=OSL-DEPOT-02, O=Fjordlading AS', notAfter: '2026-09-15T08:00:00.000Z', seenAt: '2025-10-25T06:02:14.771Z',
    });
  });

  it('finds the sessions across both DST changes by instant, the home box\'s offsets included', async () => {
    const { transactions } = createOcppRepositories(storage.db);
    const depotNight = transactionRecord(releaseRow('transactions', 'transaction_id', T1));
    const depotMorning = transactionRecord(releaseRow('transactions', 'transaction_id', T2));
    // The whole year, ordered by instant.
    const year = await transactions.between('2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    expect(year.map((t) => t.transactionId)).toEqual([T3, T1, T2]);
    expect(year.slice(1)).toEqual([depotNight, depotMorning]);
    // HOME-0042 started at 00:40 local time (+01:00), 23:40Z: before midnight UTC, whatever its text says.
    const home = await transactions.between('2025-03-29T23:30:00Z', '2025-03-29T23:50:00.000Z');
    expect(home).toEqual([expect.objectContaining({
      stationId: 'HOME-0042', transactionId: T3, startedAt: '2025-03-30T00:40:00+01:00', endedAt: '2025-03-30T06:40:00+02:00',
      state: 'Ended', offline: true, meterStartWh: 1834520, energyWh: 1852070, vehicleId: 'leaf-home',
    })]);
    expect(await transactions.between('2025-03-30T00:00:00Z', '2025-03-30T01:00:00Z')).toEqual([]);
    // The autumn night: started before the clocks went back at 01:00Z, ended after; the period ends at the change.
    expect(await transactions.between('2025-10-25T20:30:00Z', '2025-10-26T01:00:00Z')).toEqual([depotNight]);
    expect(await transactions.between('2025-10-26T01:00:00Z', '2025-10-26T06:05:00Z')).toEqual([]);
    expect(await transactions.between('2025-10-26T01:00:00Z', '2025-10-26T06:05:00.001Z', ['OSL-DEPOT-01'])).toEqual([depotMorning]);
    expect(await transactions.between('2025-10-26T01:00:00Z', '2025-10-26T07:00:00Z', ['HOME-0042'])).toEqual([]);
  });

  it('reads the running session with its EVSE, its boost, its meter reading and its token', async () => {
    const ocpp = createOcppRepositories(storage.db);
    const running = transactionRecord(releaseRow('transactions', 'transaction_id', T2));
    expect(await ocpp.transactions.active()).toEqual([running]);
    expect(await ocpp.transactions.activeOnEvse('OSL-DEPOT-01', 2)).toEqual(running);
    expect(await ocpp.transactions.activeOnEvse('OSL-DEPOT-01', 1)).toBeUndefined();
    expect(await ocpp.evses.currentTransaction('OSL-DEPOT-01', 2)).toBe(T2);
    expect(await ocpp.transactions.activeBoosted('van-12')).toEqual([running]);
    expect(running.boost).toEqual({ vehicleId: 'van-12', energyKwh: 10, fromDeliveredKwh: 2.751, setAt: '2025-10-26T06:21:30.000Z' });
    const token = releaseRow('id_tokens', 'id_token', 'NOFJLC123456789');
    expect(await ocpp.idTokens.get('NOFJLC123456789', 'eMAID')).toMatchObject({
      idToken: token.id_token, type: token.type, status: token.status, groupIdToken: token.group_id_token,
      expiresAt: token.expires_at, vehicleId: token.vehicle_id,
    });
  });
});
