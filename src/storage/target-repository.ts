import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql } from 'kysely';
import type { ChargingMode } from '../domain/charging-modes.js';
import type { ChangeRevision, DepartureTarget, OneOffTarget, TargetRecord, TargetStore, WeeklyTarget } from '../domain/vehicles.js';
import { inTransaction, type Db } from './sql/dialect.js';
import { stringsOfJson } from './sql/json-params.js';
import { prepare } from './sql/prepared.js';
import { counted, revision } from './vehicle-revision.js';

const targetsOf = prepare('departure_targets.many', (db: Db, p: { ids: string }) =>
  db.selectFrom('departure_targets').select(['vehicle_id', 'once_json', 'weekly_json', 'mode_json', 'updated_at'])
    .where(sql<boolean>`${sql.ref('vehicle_id')} IN ${stringsOfJson(db, p.ids)}`));

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
