/**
 * The tables the OCPP server writes as stations talk (stations, their EVSEs and connectors, transactions with their
 * events and meter values, the device model, the station log and certificates), as the query builder sees them; part
 * of the Schema in schema.ts, split from it to keep each file to one concern. Same conventions as schema.ts.
 */
import type { Generated } from 'kysely';

export interface ConnectorsTable {
  station_id: string;
  evse_id: number;
  connector_id: number;
  status: string;
  status_at: string;
  updated_at: string;
}

export interface DeviceModelVariablesTable {
  station_id: string;
  component_name: string;
  component_instance: Generated<string>;
  evse_id: Generated<number>;
  connector_id: Generated<number>;
  variable_name: string;
  variable_instance: Generated<string>;
  attribute_type: Generated<string>;
  value: string | null;
  mutability: string | null;
  data_type: string | null;
  unit: string | null;
  source: string;
  updated_at: string;
}

export interface EvsesTable {
  station_id: string;
  evse_id: number;
  current_transaction_id: string | null;
  updated_at: string;
}

export interface IdTokensTable {
  id_token: string;
  type: string;
  status: string;
  group_id_token: string | null;
  expires_at: string | null;
  vehicle_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface MeterValuesTable {
  id: Generated<number>;
  station_id: string;
  transaction_id: string | null;
  evse_id: number;
  timestamp: string;
  measurand: string;
  phase: Generated<string>;
  location: Generated<string>;
  context: string | null;
  value: number;
  unit: string | null;
  multiplier: Generated<number>;
  source: string;
  received_at: string;
}

export interface StationCertificatesTable {
  serial: string;
  station_id: string;
  certificate_type: string;
  subject: string;
  not_before: string;
  not_after: string;
  fingerprint_sha256: string;
  pem: string;
  source: string;
  issued_at: string;
  delivery: string;
  delivery_detail: string | null;
  delivery_at: string | null;
}

export interface StationEventsTable {
  id: Generated<number>;
  station_id: string;
  event_id: number;
  timestamp: string;
  trigger: string;
  event_notification_type: string;
  component_name: string;
  variable_name: string;
  actual_value: string;
  cleared: Generated<number>;
  payload: string;
  received_at: string;
  payload_bytes: number | null;
  payload_sha256: string | null;
}

export interface StationMessagesTable {
  id: Generated<number>;
  station_id: string;
  action: string;
  payload: string;
  received_at: string;
  payload_bytes: number | null;
  payload_sha256: string | null;
}

export interface StationsTable {
  id: string;
  password_hash: string | null;
  security_profile: Generated<number>;
  registration_status: string | null;
  auto_registered: Generated<number>;
  vendor_name: string | null;
  model: string | null;
  serial_number: string | null;
  firmware_version: string | null;
  boot_reason: string | null;
  last_boot_at: string | null;
  last_boot_status: string | null;
  last_seen_at: string | null;
  last_connected_at: string | null;
  last_disconnected_at: string | null;
  created_at: string;
  updated_at: string;
  client_cert_serial: string | null;
  client_cert_subject: string | null;
  client_cert_not_after: string | null;
  client_cert_seen_at: string | null;
  cert_renewal_requested_at: string | null;
  cert_accept_expired_at: string | null;
}

export interface TransactionEventsTable {
  station_id: string;
  transaction_id: string;
  seq_no: number;
  event_type: string;
  trigger_reason: string;
  timestamp: string;
  offline: Generated<number>;
  payload: string;
  received_at: string;
}

export interface TransactionsTable {
  station_id: string;
  transaction_id: string;
  evse_id: number | null;
  connector_id: number | null;
  id_token: string | null;
  id_token_type: string | null;
  id_token_status: string | null;
  state: string;
  charging_state: string | null;
  remote_start_id: number | null;
  started_at: string;
  ended_at: string | null;
  stopped_reason: string | null;
  last_seq_no: number;
  last_event_at: string;
  meter_start_wh: number | null;
  energy_wh: number | null;
  offline: Generated<number>;
  updated_at: string;
  vehicle_id: string | null;
  boost_vehicle_id: string | null;
  boost_kwh: number | null;
  boost_from_kwh: number | null;
  boost_set_at: string | null;
}
