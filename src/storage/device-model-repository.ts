import type { Insertable, Selectable } from 'kysely';
import { countAll, inTransaction, type Db } from './sql/dialect.js';
import { prepare, prepareRows, runStepsNow, type PreparedRows, type Steps } from './sql/prepared.js';
import { groupFor } from './turn-group.js';
import type { DeviceModelVariablesTable } from './sql/schema.js';
import type { DeviceModelStore, DeviceVariable } from '../domain/stations.js';

type Row = Selectable<DeviceModelVariablesTable>;
type NewRow = Insertable<DeviceModelVariablesTable> & {
  component_instance: string; evse_id: number; connector_id: number; variable_instance: string; attribute_type: string;
};

const toVariable = (r: Row): DeviceVariable => ({
  component: r.component_name,
  ...(r.component_instance ? { componentInstance: r.component_instance } : {}),
  ...(r.evse_id >= 0 ? { evseId: r.evse_id } : {}),
  ...(r.connector_id >= 0 ? { connectorId: r.connector_id } : {}),
  variable: r.variable_name,
  ...(r.variable_instance ? { variableInstance: r.variable_instance } : {}),
  attributeType: r.attribute_type,
  value: r.value,
  ...(r.mutability ? { mutability: r.mutability } : {}),
  ...(r.data_type ? { dataType: r.data_type } : {}),
  ...(r.unit ? { unit: r.unit } : {}),
});

/** The primary key after station_id, in order. */
const KEY = ['component_name', 'component_instance', 'evse_id', 'connector_id', 'variable_name', 'variable_instance', 'attribute_type'] as const;

/** Rows per INSERT: 14 parameters each stays far below both databases' limits on bound parameters. */
const INSERT_CHUNK = 500;
/** A station's device model has hundreds to a few thousand variables; the bound guards against a runaway. */
const MAX_LIST = 100_000;

const keyOf = (r: NewRow) => JSON.stringify(KEY.map((k) => r[k]));

/**
 * One row per key, in key order. A report that names a variable twice ends as two upserts one after the other
 * would leave it (the later value; mutability, type and unit kept from the earlier one where the later has none);
 * PostgreSQL refuses one INSERT that updates a row twice. Key order makes concurrent reports of one station take
 * their row locks in the same order, so they wait for each other instead of deadlocking.
 */
function merged(rows: NewRow[]): NewRow[] {
  const byKey = new Map<string, NewRow>();
  for (const r of rows) {
    const k = keyOf(r);
    const earlier = byKey.get(k);
    byKey.set(k, earlier === undefined ? r : {
      ...r,
      mutability: r.mutability ?? earlier.mutability ?? null,
      data_type: r.data_type ?? earlier.data_type ?? null,
      unit: r.unit ?? earlier.unit ?? null,
    });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/** How much of a station's device model is stored (config `retention.maxDeviceModelVariables`). */
export interface DeviceModelLimits {
  /** Rows (component/variable/attribute) per station; a new one beyond it is not stored. */
  maxVariablesPerStation: number;
  /** Told the first time a station goes beyond it (main.ts logs it), with how many of that report were left out. */
  onDrop?: (stationId: string, dropped: number) => void;
}

/**
 * 20,000: a charger's device model has hundreds to a few thousand variables (each attribute type a row), so this is
 * several times the largest one seen, while a station that invents components cannot grow the table without end.
 */
export const DEFAULT_DEVICE_MODEL_LIMITS: DeviceModelLimits = { maxVariablesPerStation: 20_000 };

/** Every row whose key exists, new ones while there is `room` (in the rows' key order). */
function keptWithin(rows: NewRow[], existing: ReadonlySet<string>, room: number): NewRow[] {
  let left = Math.max(0, room);
  return rows.filter((r) => existing.has(keyOf(r)) || left-- > 0);
}

/** The upsert of rows: a value reported again replaces the stored one; mutability, type and unit stay when not reported. */
function upsertRows(db: Db, rows: NewRow[]) {
  return db.insertInto('device_model_variables').values(rows)
    .onConflict((oc) => oc.columns(['station_id', ...KEY]).doUpdateSet((eb) => ({
      value: eb.ref('excluded.value'),
      mutability: eb.fn.coalesce('excluded.mutability', 'device_model_variables.mutability'),
      data_type: eb.fn.coalesce('excluded.data_type', 'device_model_variables.data_type'),
      unit: eb.fn.coalesce('excluded.unit', 'device_model_variables.unit'),
      source: eb.ref('excluded.source'),
      updated_at: eb.ref('excluded.updated_at'),
    })));
}

/* The same statements compiled once (sql/prepared.ts), for the steps below. */
const countOfStation = prepare('device_model_variables.count', (db: Db, p: { stationId: string }) =>
  db.selectFrom('device_model_variables').select(countAll().as('n')).where('station_id', '=', p.stationId));
const keysOfStation = prepare('device_model_variables.keys', (db: Db, p: { stationId: string }) =>
  db.selectFrom('device_model_variables').select(KEY).where('station_id', '=', p.stationId));

/** The columns of a row, each bound from the row as it is (prepareRows). */
const COLUMNS = [
  'station_id', ...KEY, 'value', 'mutability', 'data_type', 'unit', 'source', 'updated_at',
] as const satisfies readonly (keyof NewRow & string)[];
/**
 * Rows per prepared multi-row upsert: a report of up to this many rows is one statement of its own size (a connecting
 * charger's capability read: 7 rows, one INSERT instead of seven); a larger one takes statements of this size and one
 * for the rest. 32 x 14 parameters stays far below both databases' limits on bound parameters.
 */
const ROWS_PER_STATEMENT = 32;
const upsertOfSize: PreparedRows<NewRow>[] = [];
/** The prepared upsert of exactly `n` rows (1 <= n <= ROWS_PER_STATEMENT), compiled on first use. */
function upsertOf(n: number): PreparedRows<NewRow> {
  return upsertOfSize[n] ??= prepareRows<NewRow>(`device_model_variables.upsert${n}`, COLUMNS, n, (db, rows) => upsertRows(db, rows));
}

/** The rows' upserts as steps: full statements of ROWS_PER_STATEMENT rows, then one of the rest's size. */
function* upsertSteps(rows: readonly NewRow[]): Steps<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    yield upsertOf(chunk.length).step(chunk);
  }
}

/**
 * The cap and the upsert as one sequence of steps (sql/prepared.ts Steps), the rows in prepared multi-row upserts: run
 * at once on SQLite (runStepsNow). Returns how many rows were stored.
 */
function* capAndUpsertSteps(stationId: string, rows: NewRow[], max: number): Steps<number> {
  const counted = yield countOfStation.step({ stationId });
  const count = Number((counted.rows as { n: number | string }[])[0]?.n ?? 0);
  let kept = rows;
  if (count + rows.length > max) {
    const existing = yield keysOfStation.step({ stationId });
    kept = keptWithin(rows, new Set((existing.rows as NewRow[]).map(keyOf)), max - count);
  }
  yield* upsertSteps(kept);
  return kept.length;
}

/** Device-model variables from NotifyReport and GetVariables, one row per component/variable/attribute. */
export class DeviceModelRepository implements DeviceModelStore {
  /** Variables a station reported beyond its cap, not stored, since start. */
  readonly counts = { dropped: 0 };
  private readonly warned = new Set<string>();

  constructor(private readonly db: Db, private readonly limits: DeviceModelLimits = DEFAULT_DEVICE_MODEL_LIMITS) {}

  /**
   * All of them or none (one transaction when more than one INSERT is needed). A variable the station already has is
   * always updated; new ones only while the station has fewer than `maxVariablesPerStation` (in key order, the rest
   * counted and not stored: issue 20, nothing a station sends grows storage without bound).
   */
  async upsert(stationId: string, variables: DeviceVariable[], source: string, at: string): Promise<void> {
    if (variables.length === 0) return;
    const all = merged(variables.map((v) => ({
      station_id: stationId,
      component_name: v.component,
      component_instance: v.componentInstance ?? '',
      evse_id: v.evseId ?? -1,
      connector_id: v.connectorId ?? -1,
      variable_name: v.variable,
      variable_instance: v.variableInstance ?? '',
      attribute_type: v.attributeType ?? 'Actual',
      value: v.value,
      mutability: v.mutability ?? null,
      data_type: v.dataType ?? null,
      unit: v.unit ?? null,
      source,
      updated_at: at,
    })));
    // SQLite: the count, the cap and the prepared upserts at once, in one synchronous transaction (sql/sqlite.ts
    // runNow; issue 15: a connecting charger's capability read built a multi-row INSERT each time, ~270 µs of query
    // builder), shared with the other connecting stations' writes of the turn (turn-group.ts) unless inside a caller's
    // transaction. PostgreSQL, or another transaction open on SQLite: the count, then multi-row INSERTs (one round trip).
    const steps = () => capAndUpsertSteps(stationId, all, this.limits.maxVariablesPerStation);
    const group = groupFor(this.db);
    const stored = group !== undefined
      ? await group.write(steps, () => this.upsertAlone(stationId, all))
      : runStepsNow(this.db, steps)?.value ?? await this.upsertAlone(stationId, all);
    this.dropped(stationId, all.length - stored);
  }

  /** The cap and the upsert by the executor, statement by statement; returns how many rows were stored. */
  private async upsertAlone(stationId: string, all: NewRow[]): Promise<number> {
    const rows = await this.withinCap(stationId, all);
    if (rows.length === 0) return 0;
    const write = (db: Db, chunk: NewRow[]) => upsertRows(db, chunk).execute();
    if (rows.length <= INSERT_CHUNK) {
      await write(this.db, rows);
      return rows.length;
    }
    await inTransaction(this.db, async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await write(trx, rows.slice(i, i + INSERT_CHUNK));
    });
    return rows.length;
  }

  /** The rows that may be stored: every one whose key exists, new ones while there is room. */
  private async withinCap(stationId: string, rows: NewRow[]): Promise<NewRow[]> {
    const max = this.limits.maxVariablesPerStation;
    const count = Number((await this.db.selectFrom('device_model_variables').select(countAll().as('n'))
      .where('station_id', '=', stationId).executeTakeFirstOrThrow()).n);
    if (count + rows.length <= max) return rows;
    const existing = new Set((await this.db.selectFrom('device_model_variables').select(KEY)
      .where('station_id', '=', stationId).execute()).map((r) => keyOf(r as NewRow)));
    return keptWithin(rows, existing, max - count);
  }

  /** Counts the variables a report could not store, and tells the first time for a station. */
  private dropped(stationId: string, dropped: number): void {
    if (dropped <= 0) return;
    this.counts.dropped += dropped;
    if (!this.warned.has(stationId)) {
      this.warned.add(stationId);
      this.limits.onDrop?.(stationId, dropped);
    }
  }

  async get(stationId: string, component: string, variable: string): Promise<DeviceVariable | undefined> {
    const r = await this.db.selectFrom('device_model_variables').selectAll()
      .where('station_id', '=', stationId).where('component_name', '=', component).where('variable_name', '=', variable)
      .where('component_instance', '=', '').where('variable_instance', '=', '').where('attribute_type', '=', 'Actual')
      .orderBy('evse_id').orderBy('connector_id').limit(1)
      .executeTakeFirst();
    return r ? toVariable(r) : undefined;
  }

  async list(stationId: string, component?: string): Promise<DeviceVariable[]> {
    const rows = await this.db.selectFrom('device_model_variables').selectAll()
      .where('station_id', '=', stationId)
      .$if(component !== undefined && component !== '', (q) => q.where('component_name', '=', component!))
      // By component and variable as before; the rest of the key only orders what those two leave tied.
      .orderBy('component_name').orderBy('variable_name')
      .orderBy('component_instance').orderBy('evse_id').orderBy('connector_id').orderBy('variable_instance').orderBy('attribute_type')
      .limit(MAX_LIST)
      .execute();
    return rows.map(toVariable);
  }
}
