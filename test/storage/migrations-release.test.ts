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
import { DecisionRepository, PlanRepository, ProfileRepository } from '../../src/storage/plan-repository.js';
import { UserRepository, UserTokenRepository, WebSessionRepository } from '../../src/storage/user-repository.js';
import type { StationRecord, TransactionRecord } from '../../src/domain/stations.js';
import type { PlanRecord, PushedProfileRecord } from '../../src/domain/plans.js';

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

/** A plans row as the release stored it, as the record PlanStore returns (the body's parts spread). */
function planRecord(r: Row): PlanRecord {
  return {
    id: r.id as number, siteId: r.site_id as string, createdAt: r.created_at as string, triggers: JSON.parse(r.triggers_json as string) as string[],
    status: r.status as PlanRecord['status'], currency: r.currency as string, totalCost: r.total_cost as number,
    solver: r.solver as string, solveMs: r.solve_ms as number, ...(JSON.parse(r.body_json as string) as object),
  } as PlanRecord;
}

/** A pushed_profiles row as the release stored it, as the record ProfileStore returns. */
function pushRecord(r: Row): PushedProfileRecord {
  return {
    stationId: r.station_id as string, evseId: r.evse_id as number, transactionId: r.transaction_id as string, siteId: r.site_id as string,
    planId: r.plan_id as number, profileId: r.profile_id as number, stackLevel: r.stack_level as number, unit: r.unit as PushedProfileRecord['unit'],
    periods: JSON.parse(r.periods_json as string) as PushedProfileRecord['periods'], endMs: Date.parse(r.end_utc as string),
    coversUntilMs: r.covers_until_utc === null ? null : Date.parse(r.covers_until_utc as string),
    state: r.state as PushedProfileRecord['state'], detail: r.detail as string | null, sentAt: r.sent_at as string,
  };
}

const grantOf = (r: Row) => ({ role: r.role as string, scopeKind: r.scope_kind as string, scopeId: r.scope_id as string });

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
    // schema_migrations gains a row per migration newer than the release; every other table keeps its rows.
    const expected = Object.fromEntries(Object.entries(manifest.tables).map(([t, v]) => [t, t === 'schema_migrations' ? migrations.length : v.rowCount]));
    expect(counts).toEqual(expected);
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

  it('reads the plans, the active push and the decision log through the scheduler\'s stores', async () => {
    const plans = new PlanRepository(storage.db);
    const profiles = new ProfileRepository(storage.db);
    const decisions = new DecisionRepository(storage.db);
    // The night plan across the autumn change, and the home's plan as each site's latest.
    expect(await plans.get(1)).toEqual(planRecord(releaseRow('plans', 'id', 1)));
    expect(await plans.latest('home-0042')).toEqual(planRecord(releaseRow('plans', 'id', 2)));
    const depot = await plans.latest('oslo-depot');
    expect(depot).toMatchObject({ id: 3, siteId: 'oslo-depot', createdAt: '2025-10-26T06:05:01.000Z', triggers: ['transaction.started', 'charging-needs'] });
    expect(depot!.slotStarts.length).toBeGreaterThan(0);
    // The pushes of ended sessions stay readable; the one active push is the running session's, from the latest plan.
    expect(await profiles.pushed('OSL-DEPOT-01', 1, T1)).toEqual(pushRecord(releaseRow('pushed_profiles', 'transaction_id', T1)));
    expect(await profiles.pushed('HOME-0042', 1, T3)).toEqual(pushRecord(releaseRow('pushed_profiles', 'transaction_id', T3)));
    expect(await profiles.activePushes('oslo-depot')).toEqual([expect.objectContaining({
      stationId: 'OSL-DEPOT-01', evseId: 2, transactionId: T2, planId: depot!.id, profileId: 1001, state: 'accepted', sentAt: '2025-10-26T06:05:02.100Z',
    })]);
    expect(await profiles.activePushes('home-0042')).toEqual([]);
    expect(await profiles.compliance('OSL-DEPOT-01', 2)).toEqual({
      stationId: 'OSL-DEPOT-01', evseId: 2, compliance: 'limited', since: '2025-10-26T06:05:03.000Z',
      detail: 'composite schedule 7.4 kW below the 11 kW sent (ChargingStationMaxProfile)',
    });
    const log = await decisions.list('oslo-depot');
    expect(log.map((d) => [d.id, d.kind])).toEqual([[5, 'boost.set'], [4, 'plan.created'], [3, 'profile.accepted'], [1, 'profile.accepted']]);
    const first = releaseRow('decisions', 'id', 1);
    expect(log[3]).toEqual({
      id: 1, siteId: first.site_id, at: first.at, kind: first.kind, stationId: first.station_id, evseId: first.evse_id,
      transactionId: first.transaction_id, planId: first.plan_id, message: first.message, details: JSON.parse(first.details_json as string) as unknown,
    });
  });

  it('reads the people with their grants, login sessions and tokens through the user stores', async () => {
    const users = new UserRepository(storage.db);
    const sessions = new WebSessionRepository(storage.db);
    const tokens = new UserTokenRepository(storage.db);
    for (const [id, grant] of [['u-admin', releaseRow('user_grants', 'user_id', 'u-admin')], ['u-kari', releaseRow('user_grants', 'user_id', 'u-kari')]] as const) {
      const row = releaseRow('users', 'id', id);
      const expected = {
        id, username: row.username, name: row.name, passwordHash: row.password_hash, createdAt: Date.parse(row.created_at as string), grants: [grantOf(grant)],
      };
      expect(await users.find(id)).toEqual(expected);
      // Created as "Admin": found in any case, on SQLite's NOCASE column as on PostgreSQL's lower-cased lookup.
      expect(await users.findByUsername((row.username as string).toUpperCase())).toEqual(expected);
    }
    expect((await users.list()).map((u) => [u.username, u.disabledAt ?? null])).toEqual([
      ['admin', null], ['kari.nordmann', null], ['ola', null], ['temp.contractor', Date.parse('2025-06-30T12:00:00.000Z')],
    ]);
    const kari = releaseRow('web_sessions', 'user_id', 'u-kari');
    expect(await sessions.find(createHash('sha256').update('fixture-session-kari').digest('hex'))).toEqual({
      idSha256: kari.id, userId: 'u-kari', csrfToken: kari.csrf_token, createdAt: Date.parse(kari.created_at as string),
      expiresAt: Date.parse(kari.expires_at as string), lastSeenAt: Date.parse(kari.last_seen_at as string),
    });
    expect(await tokens.list('u-kari')).toEqual([{
      id: 'c1d2e3f4a5b60718', name: 'fleet dashboard', createdAt: Date.parse('2025-04-02T07:30:00.000Z'), ownerUserId: 'u-kari',
      grants: [{ role: 'fleet-manager', scopeKind: 'fleet', scopeId: 'depot-vans' }],
    }]);
  });

  it('goes on from the release\'s data: profile ids kept, new ones after its highest; a new plan after its last', async () => {
    const profiles = new ProfileRepository(storage.db);
    const key = releaseRow('profile_ids', 'station_id', 'OSL-DEPOT-01');
    expect(await profiles.profileId('OSL-DEPOT-01', key.key as string)).toBe(key.profile_id);
    expect(await profiles.profileId('OSL-DEPOT-01', 'default:3')).toBe(1004);
    expect(await profiles.profileId('HOME-0042', 'default:1')).toBe(1001);
    const plans = new PlanRepository(storage.db);
    const { id: _, ...last } = (await plans.latest('oslo-depot'))!;
    expect(await plans.save({ ...last, createdAt: '2025-10-26T06:30:00.000Z' })).toBe(manifest.tables.plans!.rowCount + 1);
  });
});
