/**
 * The tables as the query builder sees them (Kysely's typed schema), one interface per table. Written from the
 * migrated SQLite schema (PRAGMA table_info) and kept by hand since: a migration that adds or changes a column
 * changes its table here in the same commit. Instants are UTC ISO-8601 text on both databases as the code sees them
 * (SQLite stores the text, PostgreSQL a timestamptz that the driver reads back as the same text); flags are 0/1.
 */
import type { Generated } from 'kysely';
import type {
  ConnectorsTable, DeviceModelVariablesTable, EvsesTable, IdTokensTable, MeterValuesTable, StationCertificatesTable,
  StationEventsTable, StationMessagesTable, StationsTable, TransactionEventsTable, TransactionsTable,
} from './schema-ocpp.js';

export type {
  ConnectorsTable, DeviceModelVariablesTable, EvsesTable, IdTokensTable, MeterValuesTable, StationCertificatesTable,
  StationEventsTable, StationMessagesTable, StationsTable, TransactionEventsTable, TransactionsTable,
} from './schema-ocpp.js';
import type { FirmwareTables } from './schema-firmware.js';
import type { FrameTables } from './schema-frames.js';

/** 0015: which node holds which station's socket (issue 19; presence-repository.ts). */
export interface StationPresenceTable {
  station_id: string;
  node: string;
  connected_at: string;
}

/** 0023: rate-limit windows every node shares (issue 19; rate-window-repository.ts). */
export interface RateWindowsTable {
  key: string;
  window_start: number;
  count: number;
}

/** Issue 16: stations waiting to be adopted (migration 0016). */
export interface WaitingStationsTable {
  station_id: string;
  remote_address: string;
  tls: number;
  first_seen_at: string;
  last_seen_at: string;
  attempts: number;
  vendor_name: string | null;
  model: string | null;
  serial_number: string | null;
  firmware_version: string | null;
  booted_at: string | null;
}

export interface ApiTokenGrantsTable {
  token_id: string;
  role: string;
  scope_kind: string;
  scope_id: string;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  secret_sha256: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  owner_user_id: string | null;
}

export interface ChargerStatusTable {
  station_id: string;
  evse_id: number;
  compliance: string;
  detail: string | null;
  since: string;
}

export interface ChargingLimitsTable {
  id: Generated<number>;
  station_id: string;
  evse_id: Generated<number>;
  source: string;
  is_grid_critical: number | null;
  schedule: string | null;
  received_at: string;
  cleared_at: string | null;
}

export interface ChargingNeedsTable {
  id: Generated<number>;
  station_id: string;
  evse_id: number;
  transaction_id: string | null;
  requested_energy_transfer: string;
  departure_time: string | null;
  energy_amount_wh: number | null;
  ev_min_current_a: number | null;
  ev_max_current_a: number | null;
  ev_max_voltage_v: number | null;
  ev_max_power_w: number | null;
  max_schedule_tuples: number | null;
  payload: string;
  received_at: string;
}

/** 0011: named leases with a fencing epoch (migrations/0011-cluster-leases.ts). */
export interface ClusterLeasesTable {
  name: string;
  /** NULL once released. */
  holder: string | null;
  epoch: number;
  expires_at: string;
  acquired_at: string;
  renewed_at: string;
}

export interface DecisionsTable {
  id: Generated<number>;
  site_id: string;
  at: string;
  kind: string;
  station_id: string | null;
  evse_id: number | null;
  transaction_id: string | null;
  plan_id: number | null;
  message: string;
  details_json: string | null;
  /** The message as a Phrase (migration 0025); null before it. */
  phrase_json: Generated<string | null>;
}

export interface DepartureTargetsTable {
  vehicle_id: string;
  once_json: string | null;
  weekly_json: string | null;
  /** The charging mode (migration 0022), null: smart. */
  mode_json?: string | null;
  updated_at: string;
}

export interface GridCapacityLimitsTable {
  id: Generated<number>;
  target: string;
  source: string;
  direction: string;
  start_utc: string;
  end_utc: string;
  limit_kw: number;
  received_at: string;
}

export interface PlansTable {
  id: Generated<number>;
  site_id: string;
  created_at: string;
  triggers_json: string;
  start_utc: string;
  end_utc: string;
  status: string;
  currency: string;
  total_cost: number;
  solver: string;
  solve_ms: number;
  body_json: string;
}

export interface PriceIntervalsTable {
  id: Generated<number>;
  publication_id: number;
  zone: string;
  start_utc: string;
  end_utc: string;
  price_per_kwh: number;
  superseded_by: number | null;
  /** 0010: the staged publication that wrote these clipped remains (visible once it is live). */
  staged_by: Generated<number | null>;
  /** 0010: the staged publication that supersedes this row once it is live. */
  retired_by: Generated<number | null>;
}

export interface PricePublicationsTable {
  id: Generated<number>;
  zone: string;
  source: string;
  currency: string;
  kind: string;
  fetched_at: string;
  start_utc: string;
  end_utc: string;
  interval_count: number;
  publisher: string | null;
  created_at: string;
  /** 0010: 'staged' | 'live' | 'discarded' (migrations/0010-price-staging.ts). */
  state: Generated<string>;
}

export interface ProfileIdsTable {
  station_id: string;
  key: string;
  profile_id: number;
}

export interface PushedProfilesTable {
  station_id: string;
  evse_id: number;
  transaction_id: string;
  site_id: string;
  plan_id: number;
  profile_id: number;
  stack_level: number;
  unit: string | null;
  periods_json: string;
  end_utc: string;
  covers_until_utc: string | null;
  state: string;
  detail: string | null;
  sent_at: string;
}

/** 0012: the first run's one-time setup links (migrations/0012-setup-and-audit.ts). */
export interface SetupTokensTable {
  id: string;
  secret_sha256: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** 0012: who changed what, append-only. */
export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor_kind: string;
  actor_id: string | null;
  actor_name: string;
  action: string;
  target_kind: string;
  target_id: string;
  detail: string | null;
}

export interface SchemaMigrationsTable {
  /** The migration's number (a rowid alias in SQLite, but always written: PostgreSQL generates nothing here). */
  version: number;
  name: string;
  applied_at: Generated<string>;
}

export interface SitesTable {
  id: string;
  position: number;
  name: string | null;
  fleet: string | null;
  time_zone: string;
  tariff: string;
  grid_limit_kw: number;
  capacity_limit_target: string | null;
  slot_minutes: number | null;
  line_voltage_v: number | null;
  policy_json: string | null;
  origin: string;
  config_sha256: string | null;
  edited_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface SiteCircuitsTable {
  site_id: string;
  id: string;
  position: number;
  parent: string | null;
  limit_kw: number | null;
  phase_limit_a: number | null;
}

export interface SiteEvsesTable {
  station_id: string;
  evse_id: number;
  site_id: string;
  position: number;
  circuit: string | null;
  phases: number | null;
  phase: number | null;
  max_kw: number | null;
}

export interface UserGrantsTable {
  user_id: string;
  role: string;
  scope_kind: string;
  scope_id: string;
}

export interface UsersTable {
  id: string;
  username: string;
  name: string;
  password_hash: string;
  created_at: string;
  disabled_at: string | null;
}

export interface VehicleAssignmentsTable {
  station_id: string;
  evse_id: number;
  vehicle_id: string;
  assigned_at: string;
}

export interface VehicleIdTokensTable {
  id_token: string;
  vehicle_id: string;
}

export interface VehiclesTable {
  id: string;
  name: string;
  fleet: string | null;
  battery_kwh: number | null;
  max_ac_kw: number;
  phases: number;
  min_current_a: number | null;
  updated_at: string;
}

export interface WebSessionsTable {
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

/** 0017: tariffs and price sources, each entry whole as JSON (issue 16). */
export interface TariffsTable {
  name: string;
  body_json: string;
  origin: string;
  config_sha256: string | null;
  edited_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface PriceSourcesTable {
  id: string;
  body_json: string;
  origin: string;
  config_sha256: string | null;
  edited_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Schema extends FirmwareTables, FrameTables {
  api_token_grants: ApiTokenGrantsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  charger_status: ChargerStatusTable;
  charging_limits: ChargingLimitsTable;
  charging_needs: ChargingNeedsTable;
  cluster_leases: ClusterLeasesTable;
  connectors: ConnectorsTable;
  decisions: DecisionsTable;
  departure_targets: DepartureTargetsTable;
  device_model_variables: DeviceModelVariablesTable;
  evses: EvsesTable;
  grid_capacity_limits: GridCapacityLimitsTable;
  id_tokens: IdTokensTable;
  meter_values: MeterValuesTable;
  plans: PlansTable;
  price_intervals: PriceIntervalsTable;
  price_publications: PricePublicationsTable;
  price_sources: PriceSourcesTable;
  profile_ids: ProfileIdsTable;
  pushed_profiles: PushedProfilesTable;
  schema_migrations: SchemaMigrationsTable;
  setup_tokens: SetupTokensTable;
  site_circuits: SiteCircuitsTable;
  site_evses: SiteEvsesTable;
  sites: SitesTable;
  station_certificates: StationCertificatesTable;
  station_events: StationEventsTable;
  station_messages: StationMessagesTable;
  station_presence: StationPresenceTable;
  rate_windows: RateWindowsTable;
  stations: StationsTable;
  tariffs: TariffsTable;
  transaction_events: TransactionEventsTable;
  transactions: TransactionsTable;
  user_grants: UserGrantsTable;
  users: UsersTable;
  vehicle_assignments: VehicleAssignmentsTable;
  waiting_stations: WaitingStationsTable;
  vehicle_id_tokens: VehicleIdTokensTable;
  vehicles: VehiclesTable;
  web_sessions: WebSessionsTable;
}

