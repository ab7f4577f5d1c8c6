import type { Db } from './database.js';
import type { DeviceModelStore, DeviceVariable } from '../domain/stations.js';

interface Row {
  component_name: string;
  component_instance: string;
  evse_id: number;
  connector_id: number;
  variable_name: string;
  variable_instance: string;
  attribute_type: string;
  value: string | null;
  mutability: string | null;
  data_type: string | null;
  unit: string | null;
}

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

/** Device-model variables from NotifyReport and GetVariables, one row per component/variable/attribute. */
export class DeviceModelRepository implements DeviceModelStore {
  private readonly upsertStmt;
  private readonly upsertMany;
  private readonly getStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO device_model_variables (station_id, component_name, component_instance, evse_id, connector_id,
         variable_name, variable_instance, attribute_type, value, mutability, data_type, unit, source, updated_at)
       VALUES (@stationId, @component, @componentInstance, @evseId, @connectorId, @variable, @variableInstance,
         @attributeType, @value, @mutability, @dataType, @unit, @source, @at)
       ON CONFLICT DO UPDATE SET value = excluded.value,
         mutability = COALESCE(excluded.mutability, mutability), data_type = COALESCE(excluded.data_type, data_type),
         unit = COALESCE(excluded.unit, unit), source = excluded.source, updated_at = excluded.updated_at`,
    );
    this.upsertMany = db.transaction((stationId: string, vars: DeviceVariable[], source: string, at: string) => {
      for (const v of vars) {
        this.upsertStmt.run({
          stationId,
          component: v.component,
          componentInstance: v.componentInstance ?? '',
          evseId: v.evseId ?? -1,
          connectorId: v.connectorId ?? -1,
          variable: v.variable,
          variableInstance: v.variableInstance ?? '',
          attributeType: v.attributeType ?? 'Actual',
          value: v.value,
          mutability: v.mutability ?? null,
          dataType: v.dataType ?? null,
          unit: v.unit ?? null,
          source,
          at,
        });
      }
    });
    this.getStmt = db.prepare<[string, string, string], Row>(
      `SELECT * FROM device_model_variables WHERE station_id = ? AND component_name = ? AND variable_name = ?
         AND component_instance = '' AND variable_instance = '' AND attribute_type = 'Actual'
       ORDER BY evse_id, connector_id LIMIT 1`,
    );
  }

  upsert(stationId: string, variables: DeviceVariable[], source: string, at: string): void {
    this.upsertMany(stationId, variables, source, at);
  }

  get(stationId: string, component: string, variable: string): DeviceVariable | undefined {
    const r = this.getStmt.get(stationId, component, variable);
    return r ? toVariable(r) : undefined;
  }

  list(stationId: string, component?: string): DeviceVariable[] {
    const rows = component
      ? this.db.prepare<[string, string], Row>('SELECT * FROM device_model_variables WHERE station_id = ? AND component_name = ? ORDER BY component_name, variable_name').all(stationId, component)
      : this.db.prepare<[string], Row>('SELECT * FROM device_model_variables WHERE station_id = ? ORDER BY component_name, variable_name').all(stationId);
    return rows.map(toVariable);
  }
}
