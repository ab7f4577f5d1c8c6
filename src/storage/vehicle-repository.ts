import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql } from 'kysely';
import { dialectOf, inTransaction, jsonStrings, type Db } from './sql/dialect.js';
import { stringsOfJson } from './sql/json-params.js';
import { prepare } from './sql/prepared.js';
import { AuditRepository } from './audit-repository.js';
import { counted, revision } from './vehicle-revision.js';
import { VehicleDataVersion } from './vehicle-data-version.js';
import { VehicleChangedError, vehicleDifferences, type VehicleAssignment, type VehicleChange, type VehicleChanges } from '../domain/vehicle-changes.js';
import type { StoredVersionSource } from '../domain/stored-version.js';
import {
  IdTokenInUseError,
  type AssignmentStore, type ChangeRevision, type IdTokenTransfer, type Vehicle, type VehicleStore,
} from '../domain/vehicles.js';

/** Departure targets live in target-repository.ts (split out for issue 18); imported from here as before. */
export { TargetRepository } from './target-repository.js';

interface VehicleRow {
  id: string;
  name: string;
  fleet: string | null;
  battery_kwh: number | null;
  max_ac_kw: number;
  phases: number;
  min_current_a: number | null;
}


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
export class VehicleRepository implements VehicleStore, IdTokenTransfer, ChangeRevision, VehicleChanges, StoredVersionSource {
  constructor(private readonly db: Db) {}

  readonly revision = revision;
  private version: VehicleDataVersion | undefined;
  /** The database's version of the vehicles and targets, whoever wrote them (vehicle-data-version.ts). */
  get stored(): VehicleDataVersion {
    return (this.version ??= new VehicleDataVersion(this.db));
  }

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
      if (change.expected) {
        // PostgreSQL: the row stays locked to the commit, so a second edit's check waits and then sees this one's
        // write. SQLite runs one transaction at a time.
        await trx.selectFrom('vehicles').select('id').where('id', '=', vehicleId).$if(dialectOf(trx) === 'postgres', (q) => q.forUpdate()).execute();
        const now = await new VehicleRepository(trx).get(vehicleId);
        const differs = now ? vehicleDifferences(change.expected, now) : ['id'];
        if (differs.length > 0) throw new VehicleChangedError(vehicleId, differs);
      }
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
