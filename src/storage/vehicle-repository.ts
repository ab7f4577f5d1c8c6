import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql } from 'kysely';
import type { ChargingMode } from '../domain/charging-modes.js';
import { inTransaction, jsonStrings, type Db } from './sql/dialect.js';
import { stringsOfJson } from './sql/json-params.js';
import { prepare } from './sql/prepared.js';
import { AuditRepository } from './audit-repository.js';
import type { VehicleAssignment, VehicleChange, VehicleChanges } from '../domain/vehicle-changes.js';
import {
  IdTokenInUseError,
  type AssignmentStore, type ChangeRevision, type DepartureTarget, type IdTokenTransfer, type OneOffTarget, type TargetRecord, type TargetStore,
  type Vehicle, type VehicleStore, type WeeklyTarget,
} from '../domain/vehicles.js';

interface VehicleRow {
  id: string;
  name: string;
  fleet: string | null;
  battery_kwh: number | null;
  max_ac_kw: number;
  phases: number;
  min_current_a: number | null;
}

/**
 * ChangeRevision: one counter for the three stores of this file, in this process (every repository instance on any
 * database shares it, so a write through the scheduler's instance is seen by the API's). It rises before a write
 * starts and again once it has ended, so a reader that built a view while the write ran sees a newer number after.
 */
let revisionCounter = 0;
async function counted<T>(write: () => Promise<T>): Promise<T> {
  revisionCounter++;
  try {
    return await write();
  } finally {
    revisionCounter++;
  }
}
const revision = () => revisionCounter;

/** Vehicles per read of `many` (ids bound as one JSON parameter); the event loop turns between reads. */
const MANY_STEP = 500;
const VEHICLE_COLUMNS = ['v.id', 'v.name', 'v.fleet', 'v.battery_kwh', 'v.max_ac_kw', 'v.phases', 'v.min_current_a'] as const;

/**
 * Vehicles with their id tokens (migrations/0003-scheduler.ts). A token names one car, and the store is where that
 * rule lives (issue 20, finding 3: fleet A listed fleet B's card, the old `ON CONFLICT (id_token) DO UPDATE` moved it,
 * and B's running session became A's van): `upsert` refuses a token another vehicle holds, whoever calls it, and a
 * token changes car only through `transferring`, whose caller says from which holders it may be taken.
 *
 * The claim is the insert itself (issue 15): the primary key on id_token decides, so two vehicles claiming one
 * token at the same moment (two nodes, two requests) give one owner and one IdTokenInUseError on either database.
 */
export class VehicleRepository implements VehicleStore, IdTokenTransfer, ChangeRevision, VehicleChanges {
  constructor(private readonly db: Db) {}

  readonly revision = revision;

  /** Stores the vehicle with exactly its tokens; a token another vehicle holds: IdTokenInUseError, nothing written. */
  async upsert(v: Vehicle, at: string): Promise<void> {
    const repeated = v.idTokens.findIndex((t, i) => v.idTokens.indexOf(t) !== i);
    if (repeated >= 0) throw new Error(`idTokens[${repeated}] repeats idTokens[${v.idTokens.indexOf(v.idTokens[repeated]!)}]: a vehicle lists a token once`);
    return counted(() => inTransaction(this.db, async (trx) => {
      // The vehicle's row first: on PostgreSQL it is locked until commit, so two writes of one vehicle run in turn
      // and the second replaces the first's tokens instead of racing it.
      await trx.insertInto('vehicles')
        .values({
          id: v.id, name: v.name, fleet: v.fleet, battery_kwh: v.batteryKwh, max_ac_kw: v.maxAcKw, phases: v.phases,
          min_current_a: v.minCurrentA, updated_at: at,
        })
        .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'), fleet: eb.ref('excluded.fleet'), battery_kwh: eb.ref('excluded.battery_kwh'),
          max_ac_kw: eb.ref('excluded.max_ac_kw'), phases: eb.ref('excluded.phases'), min_current_a: eb.ref('excluded.min_current_a'),
          updated_at: eb.ref('excluded.updated_at'),
        })))
        .execute();
      await trx.deleteFrom('vehicle_id_tokens').where('vehicle_id', '=', v.id).execute();
      if (v.idTokens.length === 0) return;
      // In token order, so two vehicles claiming overlapping sets wait for each other in one order (no deadlock).
      const claimed = await trx.insertInto('vehicle_id_tokens')
        .values([...v.idTokens].sort().map((t) => ({ id_token: t, vehicle_id: v.id })))
        .onConflict((oc) => oc.column('id_token').doNothing())
        .returning('id_token')
        .execute();
      if (claimed.length === v.idTokens.length) return;
      // A token another vehicle holds (this one's were deleted above): the first in the caller's order is named.
      const got = new Set(claimed.map((c) => c.id_token));
      throw new IdTokenInUseError(v.idTokens.findIndex((t) => !got.has(t)));
    }));
  }

  /**
   * An explicit move (PUT /vehicles/:id?moveIdTokens=true): each token held by another vehicle is released from it
   * when `mayTake` accepts that vehicle, then `write` stores the receiver through the store it is given, all in one
   * transaction. A holder `mayTake` refuses gets the same IdTokenInUseError as `upsert` gives, so a move outside the
   * caller's scope reads like any token in use; a token that changes holder meanwhile fails the receiver's claim the
   * same way. `write` must store through the store it receives and reach the database through nothing else.
   */
  transferring<T>(
    tokens: readonly string[], toVehicleId: string, mayTake: (holder: Vehicle) => boolean, write: (vehicles: VehicleStore) => Promise<T>,
  ): Promise<T> {
    return counted(() => inTransaction(this.db, async (trx) => {
      const inTrx = new VehicleRepository(trx);
      if (tokens.length > 0) {
        const holders = await trx.selectFrom('vehicle_id_tokens').select(['id_token', 'vehicle_id'])
          .where('id_token', 'in', [...tokens]).execute();
        const holderOf = new Map(holders.map((h) => [h.id_token, h.vehicle_id]));
        const vehicles = new Map<string, Vehicle | undefined>();
        for (const [i, t] of tokens.entries()) {
          const held = holderOf.get(t);
          if (held === undefined || held === toVehicleId) continue;
          if (!vehicles.has(held)) vehicles.set(held, await inTrx.get(held));
          const holder = vehicles.get(held);
          if (!holder || !mayTake(holder)) throw new IdTokenInUseError(i);
          await trx.deleteFrom('vehicle_id_tokens').where('id_token', '=', t).where('vehicle_id', '=', held).execute();
        }
      }
      return write(inTrx);
    }));
  }

  /**
   * Issue 16: a person's edit in one transaction with its audit entry and assignment change (VehicleChanges). The
   * assignment is written first so that `write` (the scheduler's upsert) still comes last and the vehicle's row lock
   * on PostgreSQL is held for the shortest time.
   */
  changing<T>(change: VehicleChange, write: (vehicles: VehicleStore & IdTokenTransfer) => Promise<T>): Promise<T> {
    return counted(() => inTransaction(this.db, async (trx) => {
      const vehicleId = change.audit.target.id;
      if (change.assign !== undefined) {
        await trx.deleteFrom('vehicle_assignments').where('vehicle_id', '=', vehicleId).execute();
        if (change.assign) {
          const { stationId, evseId } = change.assign;
          await trx.insertInto('vehicle_assignments')
            .values({ station_id: stationId, evse_id: evseId, vehicle_id: vehicleId, assigned_at: new Date(change.audit.at).toISOString() })
            .onConflict((oc) => oc.columns(['station_id', 'evse_id']).doUpdateSet((eb) => ({
              vehicle_id: eb.ref('excluded.vehicle_id'), assigned_at: eb.ref('excluded.assigned_at'),
            })))
            .execute();
        }
      }
      await new AuditRepository(trx).record(change.audit);
      return write(new VehicleRepository(trx));
    }));
  }

  /** The assignments of these vehicles, by station and EVSE: one query per MANY_STEP ids. */
  async assignmentsOf(vehicleIds: readonly string[]): Promise<VehicleAssignment[]> {
    const out: VehicleAssignment[] = [];
    const distinct = [...new Set(vehicleIds)];
    for (let i = 0; i < distinct.length; i += MANY_STEP) {
      if (i > 0) await nextTurn();
      const rows = await this.db.selectFrom('vehicle_assignments').select(['vehicle_id', 'station_id', 'evse_id'])
        .where(sql<boolean>`${sql.ref('vehicle_id')} IN ${jsonStrings(this.db, distinct.slice(i, i + MANY_STEP))}`)
        .orderBy('station_id').orderBy('evse_id')
        .execute();
      for (const r of rows) out.push({ vehicleId: r.vehicle_id, stationId: r.station_id, evseId: Number(r.evse_id) });
    }
    return out;
  }

  /** One vehicle with its tokens: one query. */
  async get(id: string): Promise<Vehicle | undefined> {
    const rows = await this.db.selectFrom('vehicles as v')
      .leftJoin('vehicle_id_tokens as t', 't.vehicle_id', 'v.id')
      .select([...VEHICLE_COLUMNS, 't.id_token'])
      .where('v.id', '=', id)
      .orderBy('t.id_token')
      .execute();
    return rows.length === 0 ? undefined : toVehicle(rows[0]!, tokensOf(rows));
  }

  async many(ids: readonly string[]): Promise<Map<string, Vehicle>> {
    const out = new Map<string, Vehicle>();
    const distinct = [...new Set(ids)];
    for (let i = 0; i < distinct.length; i += MANY_STEP) {
      if (i > 0) await nextTurn();
      const rows = await this.db.selectFrom('vehicles as v')
        .leftJoin('vehicle_id_tokens as t', 't.vehicle_id', 'v.id')
        .select([...VEHICLE_COLUMNS, 't.id_token'])
        .where(sql<boolean>`${sql.ref('v.id')} IN ${jsonStrings(this.db, distinct.slice(i, i + MANY_STEP))}`)
        .orderBy('v.id')
        .orderBy('t.id_token')
        .execute();
      for (const r of rows) {
        const known = out.get(r.id);
        if (known) known.idTokens.push(r.id_token!);
        else out.set(r.id, toVehicle(r, r.id_token === null ? [] : [r.id_token]));
      }
    }
    return out;
  }

  /** The whole fleet with its tokens, by id: one query (the fleet table lists 1,000 vans), not one per vehicle. */
  async list(): Promise<Vehicle[]> {
    const rows = await this.db.selectFrom('vehicles as v')
      .leftJoin('vehicle_id_tokens as t', 't.vehicle_id', 'v.id')
      .select([...VEHICLE_COLUMNS, 't.id_token'])
      .orderBy('v.id')
      .orderBy('t.id_token')
      .execute();
    const out: Vehicle[] = [];
    for (const r of rows) {
      const last = out.at(-1);
      if (last?.id === r.id) last.idTokens.push(r.id_token!);
      else out.push(toVehicle(r, r.id_token === null ? [] : [r.id_token]));
    }
    return out;
  }

  /** The vehicle a token names, with all its tokens: one query. */
  async byIdToken(idToken: string): Promise<Vehicle | undefined> {
    const rows = await vehicleOfToken.all(this.db, { idToken });
    return rows.length === 0 ? undefined : toVehicle(rows[0]!, tokensOf(rows));
  }

  /**
   * The vehicles these tokens name, by token (a token no vehicle holds is absent), each with all its tokens: one query,
   * as byIdToken answers for each. A planning cycle finds its sessions' cars with it (snapshot.ts).
   */
  async byIdTokens(idTokens: readonly string[]): Promise<Map<string, Vehicle>> {
    const out = new Map<string, Vehicle>();
    if (idTokens.length === 0) return out;
    const rows = await vehiclesOfTokens.all(this.db, { tokens: JSON.stringify([...new Set(idTokens)]) });
    for (const r of rows) {
      const known = out.get(r.asked);
      if (known) known.idTokens.push(r.id_token);
      else out.set(r.asked, toVehicle(r, [r.id_token]));
    }
    return out;
  }
}

/*
 * What every planning cycle reads of its cars (issue 15: bench:scheduler's 10-car site is a handful of small reads),
 * compiled once (sql/prepared.ts) instead of built by the query builder each time.
 */
const vehicleOfToken = prepare('vehicles.byIdToken', (db: Db, p: { idToken: string }) =>
  db.selectFrom('vehicle_id_tokens as k')
    .innerJoin('vehicles as v', 'v.id', 'k.vehicle_id')
    .innerJoin('vehicle_id_tokens as t', 't.vehicle_id', 'v.id')
    .select([...VEHICLE_COLUMNS, 't.id_token'])
    .where('k.id_token', '=', p.idToken)
    .orderBy('t.id_token'));
const vehiclesOfTokens = prepare('vehicles.byIdTokens', (db: Db, p: { tokens: string }) =>
  db.selectFrom(stringsOfJson(db, p.tokens).as('q'))
    .innerJoin('vehicle_id_tokens as k', 'k.id_token', 'q.value')
    .innerJoin('vehicles as v', 'v.id', 'k.vehicle_id')
    .innerJoin('vehicle_id_tokens as t', 't.vehicle_id', 'v.id')
    .select(['q.value as asked', ...VEHICLE_COLUMNS, 't.id_token'])
    .orderBy('q.value')
    .orderBy('t.id_token'));
const targetsOf = prepare('departure_targets.many', (db: Db, p: { ids: string }) =>
  db.selectFrom('departure_targets').select(['vehicle_id', 'once_json', 'weekly_json', 'mode_json', 'updated_at'])
    .where(sql<boolean>`${sql.ref('vehicle_id')} IN ${stringsOfJson(db, p.ids)}`));

function tokensOf(rows: readonly { id_token: string | null }[]): string[] {
  return rows.flatMap((r) => (r.id_token === null ? [] : [r.id_token]));
}

function toVehicle(r: VehicleRow, idTokens: string[]): Vehicle {
  return {
    id: r.id,
    name: r.name,
    fleet: r.fleet,
    batteryKwh: r.battery_kwh,
    maxAcKw: r.max_ac_kw,
    phases: r.phases === 1 ? 1 : 3,
    minCurrentA: r.min_current_a,
    idTokens,
  };
}

interface TargetRow {
  vehicle_id: string;
  once_json: string | null;
  weekly_json: string | null;
  mode_json?: string | null;
  updated_at: string;
}

/** Rows per multi-row upsert of targets (4 values each). */
const TARGET_BATCH = 500;

/** Departure targets: one one-off and one weekly per vehicle; setting one keeps the other. */
export class TargetRepository implements TargetStore, ChangeRevision {
  constructor(private readonly db: Db) {}

  readonly revision = revision;

  async set(vehicleId: string, target: DepartureTarget, at: string): Promise<TargetRecord> {
    const [row] = await counted(() => upsertTargets(this.db, [target.kind === 'once' ? { vehicleId, once: target } : { vehicleId, weekly: target }], at));
    return toRecord(row!);
  }

  /**
   * One transaction: a failure on row 40 (a constraint, the disk) rolls back rows 1-39 too. Each vehicle is written
   * once, its last one-off and last weekly entry folded into one row (issue 20, finding 6: a depot's upload names each
   * van twice, once per kind, and a statement per repeated vehicle made 10,000 single-row upserts, ~0.8 s of
   * synchronous SQLite), in multi-row upserts of TARGET_BATCH with the event loop turning between them. Each record is
   * still the vehicle's row right after its own entry: the kinds the upload sets come from its entries, a kind it sets
   * only later from the row before the upload (read in the same transaction), a kind it never sets from the row after.
   */
  async setMany(entries: readonly { vehicleId: string; target: DepartureTarget }[], at: string): Promise<TargetRecord[]> {
    const last = new Map<string, { once?: OneOffTarget; weekly?: WeeklyTarget }>();
    for (const e of entries) {
      const folded = last.get(e.vehicleId) ?? {};
      if (e.target.kind === 'once') folded.once = e.target;
      else folded.weekly = e.target;
      last.set(e.vehicleId, folded);
    }
    const both = [...last].filter(([, f]) => f.once && f.weekly).map(([id]) => id);
    const { before, after } = await counted(() => inTransaction(this.db, async (trx) => {
      const before = both.length > 0 ? await new TargetRepository(trx).many(both) : new Map<string, TargetRecord>();
      const after = new Map<string, TargetRow>();
      const ids = [...last.keys()];
      for (let i = 0; i < ids.length; i += TARGET_BATCH) {
        if (i > 0) await nextTurn();
        const chunk = ids.slice(i, i + TARGET_BATCH).map((vehicleId) => ({ vehicleId, ...last.get(vehicleId)! }));
        for (const row of await upsertTargets(trx, chunk, at)) after.set(row.vehicle_id, row);
      }
      return { before, after };
    }));
    // The records, outside the transaction (it holds SQLite's one connection), with the event loop turning too.
    const sofar = new Map<string, { once?: OneOffTarget; weekly?: WeeklyTarget }>();
    const finals = new Map<string, TargetRecord>();
    const records: TargetRecord[] = [];
    for (const e of entries) {
      if (records.length > 0 && records.length % TARGET_BATCH === 0) await nextTurn();
      const seen = sofar.get(e.vehicleId) ?? {};
      if (e.target.kind === 'once') seen.once = e.target;
      else seen.weekly = e.target;
      sofar.set(e.vehicleId, seen);
      let final = finals.get(e.vehicleId);
      if (!final) finals.set(e.vehicleId, (final = toRecord(after.get(e.vehicleId)!)));
      const prior = before.get(e.vehicleId);
      const setLater = last.get(e.vehicleId)!;
      const kind = <K extends 'once' | 'weekly'>(k: K) => seen[k] ?? (setLater[k] ? prior?.[k] ?? null : final[k]);
      records.push({ vehicleId: e.vehicleId, once: kind('once'), weekly: kind('weekly'), updatedAt: final.updatedAt });
    }
    return records;
  }

  async clearOnce(vehicleId: string, at: string): Promise<void> {
    await counted(() => this.db.updateTable('departure_targets').set({ once_json: null, updated_at: at }).where('vehicle_id', '=', vehicleId).execute());
  }

  async get(vehicleId: string): Promise<TargetRecord | undefined> {
    const row = await this.db.selectFrom('departure_targets').select(['vehicle_id', 'once_json', 'weekly_json', 'mode_json', 'updated_at'])
      .where('vehicle_id', '=', vehicleId).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Many vehicles' targets in one query, the ids bound as one parameter (jsonStrings) however many there are. */
  async many(vehicleIds: readonly string[]): Promise<Map<string, TargetRecord>> {
    if (vehicleIds.length === 0) return new Map();
    const rows = await targetsOf.all(this.db, { ids: JSON.stringify(vehicleIds) });
    return new Map(rows.map((r) => [r.vehicle_id, toRecord(r)]));
  }
}

/**
 * One upsert of targets for distinct vehicles, returning the stored rows. An entry writes the kinds it carries; the
 * other column keeps what the row holds (COALESCE with the stored value, in the statement itself, so that a
 * concurrent write of the other kind is never lost).
 */
async function upsertTargets(db: Db, entries: readonly { vehicleId: string; once?: OneOffTarget | null; weekly?: WeeklyTarget | null }[], at: string): Promise<TargetRow[]> {
  return db.insertInto('departure_targets')
    .values(entries.map((e) => ({
      vehicle_id: e.vehicleId,
      once_json: e.once ? JSON.stringify(e.once) : null,
      weekly_json: e.weekly ? JSON.stringify(e.weekly) : null,
      updated_at: at,
    })))
    .onConflict((oc) => oc.column('vehicle_id').doUpdateSet((eb) => ({
      once_json: eb.fn.coalesce('excluded.once_json', 'departure_targets.once_json'),
      weekly_json: eb.fn.coalesce('excluded.weekly_json', 'departure_targets.weekly_json'),
      updated_at: eb.ref('excluded.updated_at'),
    })))
    .returning(['vehicle_id', 'once_json', 'weekly_json', 'mode_json', 'updated_at'])
    .execute();
}

function toRecord(row: TargetRow): TargetRecord {
  return {
    vehicleId: row.vehicle_id,
    once: row.once_json ? (JSON.parse(row.once_json) as OneOffTarget) : null,
    weekly: row.weekly_json ? (JSON.parse(row.weekly_json) as WeeklyTarget) : null,
    mode: row.mode_json ? (JSON.parse(row.mode_json) as ChargingMode) : null,
    updatedAt: row.updated_at,
  };
}

/** Which vehicle a fleet manager put on which EVSE. */
export class AssignmentRepository implements AssignmentStore, ChangeRevision {
  constructor(private readonly db: Db) {}

  readonly revision = revision;

  async assign(vehicleId: string, stationId: string, evseId: number, at: string): Promise<void> {
    await counted(() => this.db.insertInto('vehicle_assignments')
      .values({ station_id: stationId, evse_id: evseId, vehicle_id: vehicleId, assigned_at: at })
      .onConflict((oc) => oc.columns(['station_id', 'evse_id']).doUpdateSet((eb) => ({
        vehicle_id: eb.ref('excluded.vehicle_id'), assigned_at: eb.ref('excluded.assigned_at'),
      })))
      .execute());
  }

  async unassign(stationId: string, evseId: number): Promise<void> {
    await counted(() => this.db.deleteFrom('vehicle_assignments').where('station_id', '=', stationId).where('evse_id', '=', evseId).execute());
  }

  async onEvse(stationId: string, evseId: number): Promise<string | undefined> {
    const row = await this.db.selectFrom('vehicle_assignments').select('vehicle_id')
      .where('station_id', '=', stationId).where('evse_id', '=', evseId).executeTakeFirst();
    return row?.vehicle_id;
  }
}
