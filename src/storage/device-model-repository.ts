import type { Insertable, Selectable } from 'kysely';
import { countAll, inTransaction, type Db } from './sql/dialect.js';
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
    const rows = await this.withinCap(stationId, all);
    if (rows.length === 0) return;
    const write = (db: Db, chunk: NewRow[]) => db.insertInto('device_model_variables').values(chunk)
      .onConflict((oc) => oc.columns(['station_id', ...KEY]).doUpdateSet((eb) => ({
        value: eb.ref('excluded.value'),
        mutability: eb.fn.coalesce('excluded.mutability', 'device_model_variables.mutability'),
        data_type: eb.fn.coalesce('excluded.data_type', 'device_model_variables.data_type'),
        unit: eb.fn.coalesce('excluded.unit', 'device_model_variables.unit'),
        source: eb.ref('excluded.source'),
        updated_at: eb.ref('excluded.updated_at'),
      })))
      .execute();
    if (rows.length <= INSERT_CHUNK) {
      await write(this.db, rows);
      return;
    }
    await inTransaction(this.db, async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await write(trx, rows.slice(i, i + INSERT_CHUNK));
    });
  }

  /** The rows that may be stored: every one whose key exists, new ones while there is room. */
  private async withinCap(stationId: string, rows: NewRow[]): Promise<NewRow[]> {
    const max = this.limits.maxVariablesPerStation;
    const count = Number((await this.db.selectFrom('device_model_variables').select(countAll().as('n'))
      .where('station_id', '=', stationId).executeTakeFirstOrThrow()).n);
    if (count + rows.length <= max) return rows;
    const existing = new Set((await this.db.selectFrom('device_model_variables').select(KEY)
      .where('station_id', '=', stationId).execute()).map((r) => keyOf(r as NewRow)));
    let room = Math.max(0, max - count);
    const kept = rows.filter((r) => existing.has(keyOf(r)) || room-- > 0);
    const dropped = rows.length - kept.length;
    if (dropped > 0) {
      this.counts.dropped += dropped;
      if (!this.warned.has(stationId)) {
        this.warned.add(stationId);
        this.limits.onDrop?.(stationId, dropped);
      }
    }
    return kept;
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
