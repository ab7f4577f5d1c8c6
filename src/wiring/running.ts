/**
 * What `start` (src/main.ts) returns: the product's parts as they run, for tests, the CLI and the process entry.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { TypedEvents } from '../platform/events.js';
import type { Metrics } from '../platform/metrics.js';
import type { createOcppRepositories, Db, Storage } from '../storage/index.js';
import type { Retention } from '../storage/retention.js';
import type { OcppServer } from '../ocpp/server.js';
import type { CertificateRenewals } from '../ocpp/auth/certificate-renewal.js';
import type { OcppStationOperations } from '../ocpp/operations.js';
import type { Pricing } from '../prices/setup.js';
import type { TariffAdmin } from '../prices/tariff-admin.js';
import type { PriceSourceAdmin } from '../prices/price-source-admin.js';
import type { Scheduler, SiteAdmin } from '../scheduler/index.js';
import type { ClusterNode } from '../cluster/node.js';
import type { AppEvents } from './scheduler-events.js';
import type { Maintenance } from './maintenance.js';
import type { Alerts } from './alerts.js';

export interface Running {
  config: Config;
  /** The database it opened (SQLite or PostgreSQL); closed by close() after the servers stop. */
  storage: Storage;
  /** storage.db: the query builder every repository takes. */
  db: Db;
  ocpp: OcppServer;
  http: FastifyInstance;
  events: TypedEvents<AppEvents>;
  pricing: Pricing;
  scheduler: Scheduler;
  /** Sites in the database (issue 16): created, edited and deleted through it, each change re-planned. */
  siteAdmin: SiteAdmin;
  /** Tariffs and price sources in the database (issue 16), edited from the browser; the sources' pull schedules. */
  priceAdmin: { tariffs: TariffAdmin; sources: PriceSourceAdmin };
  repositories: ReturnType<typeof createOcppRepositories>;
  /** Prunes the station log, plans, decisions, finished transactions and meter values on the injected clock (config `retention`). */
  retention: Retention;
  /** A02: ask a station for a new certificate (TriggerMessage SignChargingStationCertificate). */
  certificateRenewals: CertificateRenewals;
  /** Remote operations on stations (issue 17): Reset, ChangeAvailability, ..., the device model. */
  operations: OcppStationOperations;
  /** Firmware updates and log retrieval (issue 17, L01/N01). */
  maintenance: Maintenance;
  /** Prometheus metrics (issue 17), served at /metrics. */
  metrics: Metrics;
  /** Alerts (issue 17): the engine, its stores, delivery, and `failures`, the firmware and log module's input hook. */
  alerts: Alerts;
  /** This node in a cluster (config `cluster`, issue 19), or null for the single process. */
  cluster: ClusterNode | null;
  ports: { http: number; ocpp: number | null; ocppTls: number | null };
  /** Issue 16: while the database has no user, the one-time link that creates the first admin (also logged). */
  setupLink: string | null;
  close(): Promise<void>;
}
