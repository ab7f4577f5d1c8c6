import type { Db } from './database.js';
import {
  IdTokenInUseError,
  type AssignmentStore, type DepartureTarget, type IdTokenTransfer, type OneOffTarget, type TargetRecord, type TargetStore,
  type Vehicle, type VehicleStore, type WeeklyTarget,
} from '../domain/vehicles.js';

interface VehicleRow {
  /** JSON array of the vehicle's id tokens in order (get reads them with the row: one statement, not two). */
  tokens_json?: string;
  id: string;
  name: string;
  fleet: string | null;
  battery_kwh: number | null;
  max_ac_kw: number;
  phases: number;
  min_current_a: number | null;
}

/**
 * Vehicles with their id tokens (migrations/0003-scheduler.ts). A token names one car, and the store is where that
 * rule lives (issue 20, finding 3: fleet A listed fleet B's card, the old `ON CONFLICT (id_token) DO UPDATE` moved it,
 * and B's running session became A's van): `upsert` refuses a token another vehicle holds, whoever calls it, and a
 * token changes car only through `transferring`, whose caller says from which holders it may be taken.
 */
export class VehicleRepository implements VehicleStore, IdTokenTransfer {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly tokensStmt;
  private readonly allTokensStmt;
  private readonly byTokenStmt;
  private readonly clearTokens;
  private readonly insertToken;
  private readonly holderStmt;
  private readonly releaseToken;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO vehicles (id, name, fleet, battery_kwh, max_ac_kw, phases, min_current_a, updated_at)
       VALUES (@id, @name, @fleet, @batteryKwh, @maxAcKw, @phases, @minCurrentA, @at)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, fleet = excluded.fleet, battery_kwh = excluded.battery_kwh,
         max_ac_kw = excluded.max_ac_kw, phases = excluded.phases, min_current_a = excluded.min_current_a,
         updated_at = excluded.updated_at`,
    );
    this.getStmt = db.prepare<[string], VehicleRow>(
      `SELECT v.*, (SELECT json_group_array(id_token) FROM (SELECT id_token FROM vehicle_id_tokens WHERE vehicle_id = v.id ORDER BY id_token)) AS tokens_json
       FROM vehicles v WHERE v.id = ?`,
    );
    this.listStmt = db.prepare<[], VehicleRow>('SELECT * FROM vehicles ORDER BY id');
    this.allTokensStmt = db.prepare<[], { vehicle_id: string; id_token: string }>('SELECT vehicle_id, id_token FROM vehicle_id_tokens ORDER BY vehicle_id, id_token');
    this.tokensStmt = db.prepare<[string], { id_token: string }>('SELECT id_token FROM vehicle_id_tokens WHERE vehicle_id = ? ORDER BY id_token');
    this.byTokenStmt = db.prepare<[string], VehicleRow>(
      'SELECT v.* FROM vehicles v JOIN vehicle_id_tokens t ON t.vehicle_id = v.id WHERE t.id_token = ?',
    );
    this.clearTokens = db.prepare<[string]>('DELETE FROM vehicle_id_tokens WHERE vehicle_id = ?');
    // A plain INSERT: the primary key on id_token makes a token held elsewhere a constraint error, never a move.
    this.insertToken = db.prepare<[string, string]>('INSERT INTO vehicle_id_tokens (id_token, vehicle_id) VALUES (?, ?)');
    this.holderStmt = db.prepare<[string], { vehicle_id: string }>('SELECT vehicle_id FROM vehicle_id_tokens WHERE id_token = ?');
    this.releaseToken = db.prepare<[string]>('DELETE FROM vehicle_id_tokens WHERE id_token = ?');
  }

  /** Stores the vehicle with exactly its tokens; a token another vehicle holds: IdTokenInUseError, nothing written. */
  upsert(v: Vehicle, at: string): void {
    this.db.transaction(() => {
      v.idTokens.forEach((t, i) => {
        const held = this.holderStmt.get(t)?.vehicle_id;
        if (held !== undefined && held !== v.id) throw new IdTokenInUseError(i);
      });
      this.upsertStmt.run({ id: v.id, name: v.name, fleet: v.fleet, batteryKwh: v.batteryKwh, maxAcKw: v.maxAcKw, phases: v.phases, minCurrentA: v.minCurrentA, at });
      this.clearTokens.run(v.id);
      for (const t of v.idTokens) this.insertToken.run(t, v.id);
    })();
  }

  /**
   * An explicit move (PUT /vehicles/:id?moveIdTokens=true): each token held by another vehicle is released from it
   * when `mayTake` accepts that vehicle, then `write` stores the receiver, all in one transaction (better-sqlite3
   * nests the upsert's own transaction as a savepoint). A holder `mayTake` refuses gets the same IdTokenInUseError
   * as `upsert` gives, so a move outside the caller's scope reads like any token in use.
   */
  transferring<T>(tokens: readonly string[], toVehicleId: string, mayTake: (holder: Vehicle) => boolean, write: () => T): T {
    return this.db.transaction(() => {
      tokens.forEach((t, i) => {
        const held = this.holderStmt.get(t)?.vehicle_id;
        if (held === undefined || held === toVehicleId) return;
        const holder = this.get(held);
        if (!holder || !mayTake(holder)) throw new IdTokenInUseError(i);
        this.releaseToken.run(t);
      });
      const result = write();
      if (result instanceof Promise) throw new Error('transferring: write must be synchronous (one SQLite transaction)');
      return result;
    })();
  }

  get(id: string): Vehicle | undefined {
    const row = this.getStmt.get(id);
    return row ? this.toVehicle(row, JSON.parse(row.tokens_json ?? '[]') as string[]) : undefined;
  }

  list(): Vehicle[] {
    // Two queries for the whole fleet, not one per vehicle for its tokens (the fleet table lists 1,000 vans).
    const tokens = new Map<string, string[]>();
    for (const t of this.allTokensStmt.all()) {
      const list = tokens.get(t.vehicle_id);
      if (list) list.push(t.id_token);
      else tokens.set(t.vehicle_id, [t.id_token]);
    }
    return this.listStmt.all().map((r) => this.toVehicle(r, tokens.get(r.id) ?? []));
  }

  byIdToken(idToken: string): Vehicle | undefined {
    const row = this.byTokenStmt.get(idToken);
    return row ? this.toVehicle(row) : undefined;
  }

  private toVehicle(r: VehicleRow, idTokens = this.tokensStmt.all(r.id).map((t) => t.id_token)): Vehicle {
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
}

interface TargetRow {
  vehicle_id: string;
  once_json: string | null;
  weekly_json: string | null;
  updated_at: string;
}

/** Departure targets: one one-off and one weekly per vehicle; setting one keeps the other. */
export class TargetRepository implements TargetStore {
  private readonly getStmt;
  private readonly setOnce;
  private readonly setWeekly;
  private readonly clearOnceStmt;
  private readonly setOnceReturning;
  private readonly setWeeklyReturning;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string], TargetRow>('SELECT * FROM departure_targets WHERE vehicle_id = ?');
    this.setOnce = db.prepare<[string, string, string]>(
      `INSERT INTO departure_targets (vehicle_id, once_json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (vehicle_id) DO UPDATE SET once_json = excluded.once_json, updated_at = excluded.updated_at`,
    );
    this.setWeekly = db.prepare<[string, string, string]>(
      `INSERT INTO departure_targets (vehicle_id, weekly_json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (vehicle_id) DO UPDATE SET weekly_json = excluded.weekly_json, updated_at = excluded.updated_at`,
    );
    this.clearOnceStmt = db.prepare<[string, string]>('UPDATE departure_targets SET once_json = NULL, updated_at = ? WHERE vehicle_id = ?');
    this.setOnceReturning = db.prepare<[string, string, string], TargetRow>(
      `INSERT INTO departure_targets (vehicle_id, once_json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (vehicle_id) DO UPDATE SET once_json = excluded.once_json, updated_at = excluded.updated_at RETURNING *`,
    );
    this.setWeeklyReturning = db.prepare<[string, string, string], TargetRow>(
      `INSERT INTO departure_targets (vehicle_id, weekly_json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (vehicle_id) DO UPDATE SET weekly_json = excluded.weekly_json, updated_at = excluded.updated_at RETURNING *`,
    );
  }

  set(vehicleId: string, target: DepartureTarget, at: string): TargetRecord {
    (target.kind === 'once' ? this.setOnce : this.setWeekly).run(vehicleId, JSON.stringify(target), at);
    return this.get(vehicleId)!;
  }

  setMany(entries: readonly { vehicleId: string; target: DepartureTarget }[], at: string): TargetRecord[] {
    // One SQLite transaction: a failure on row 40 (disk full, a constraint) rolls back rows 1-39 too. Each row is one
    // statement that returns the stored row (a bulk upload of 10,000 rows is one short transaction, issue 20).
    return this.db.transaction(() => entries.map((e) => {
      const row = (e.target.kind === 'once' ? this.setOnceReturning : this.setWeeklyReturning).get(e.vehicleId, JSON.stringify(e.target), at)!;
      return this.toRecord(row);
    }))();
  }

  clearOnce(vehicleId: string, at: string): void {
    this.clearOnceStmt.run(at, vehicleId);
  }

  get(vehicleId: string): TargetRecord | undefined {
    const row = this.getStmt.get(vehicleId);
    return row ? this.toRecord(row) : undefined;
  }

  private toRecord(row: TargetRow): TargetRecord {
    const vehicleId = row.vehicle_id;
    return {
      vehicleId,
      once: row.once_json ? (JSON.parse(row.once_json) as OneOffTarget) : null,
      weekly: row.weekly_json ? (JSON.parse(row.weekly_json) as WeeklyTarget) : null,
      updatedAt: row.updated_at,
    };
  }
}

/** Which vehicle a fleet manager put on which EVSE. */
export class AssignmentRepository implements AssignmentStore {
  private readonly assignStmt;
  private readonly unassignStmt;
  private readonly onEvseStmt;

  constructor(db: Db) {
    this.assignStmt = db.prepare<[string, number, string, string]>(
      `INSERT INTO vehicle_assignments (station_id, evse_id, vehicle_id, assigned_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (station_id, evse_id) DO UPDATE SET vehicle_id = excluded.vehicle_id, assigned_at = excluded.assigned_at`,
    );
    this.unassignStmt = db.prepare<[string, number]>('DELETE FROM vehicle_assignments WHERE station_id = ? AND evse_id = ?');
    this.onEvseStmt = db.prepare<[string, number], { vehicle_id: string }>(
      'SELECT vehicle_id FROM vehicle_assignments WHERE station_id = ? AND evse_id = ?',
    );
  }

  assign(vehicleId: string, stationId: string, evseId: number, at: string): void {
    this.assignStmt.run(stationId, evseId, vehicleId, at);
  }

  unassign(stationId: string, evseId: number): void {
    this.unassignStmt.run(stationId, evseId);
  }

  onEvse(stationId: string, evseId: number): string | undefined {
    return this.onEvseStmt.get(stationId, evseId)?.vehicle_id;
  }
}
