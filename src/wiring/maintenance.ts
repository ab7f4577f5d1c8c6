/**
 * Firmware updates and log retrieval wired into the product (issue 17, L01/N01), beside main.ts: where the files
 * live, the services, and the events they hear (FirmwareStatusNotification and LogStatusNotification from the OCPP
 * server, boots, ended transactions) and announce (firmware.* and log.* on the app's bus, for alerts and the pages).
 */
import { dirname, join, resolve } from 'node:path';
import { ROOT, type Config } from '../config.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { MaintenanceEvents, MaintenanceGateway } from '../domain/firmware.js';
import type { OcppEvents } from '../domain/ocpp-events.js';
import type { StationStore, TransactionStore } from '../domain/stations.js';
import type { Db } from '../storage/sql/dialect.js';
import { FirmwareRepository } from '../storage/firmware-repository.js';
import { LogRequestRepository } from '../storage/log-request-repository.js';
import { FileStore } from '../operations/file-store.js';
import { FirmwareFiles } from '../operations/firmware-files.js';
import { FirmwareRollouts } from '../operations/firmware-rollouts.js';
import { LogRequests } from '../operations/log-requests.js';
import { KeyedSerial } from '../scheduler/serial.js';

export interface Maintenance {
  files: FileStore;
  firmwareFiles: FirmwareFiles;
  rollouts: FirmwareRollouts;
  logs: LogRequests;
  firmwareStore: FirmwareRepository;
  logStore: LogRequestRepository;
  /** Set once the HTTP port is known (main.ts), unless files.baseUrl fixes it. */
  setListening(base: string): void;
}

const MB = 1024 * 1024;

type Heard = OcppEvents & MaintenanceEvents;
/** The app's bus as far as maintenance hears and speaks it (main.ts passes its TypedEvents<AppEvents>). */
export interface MaintenanceBus {
  on<K extends keyof Heard>(event: K, fn: (payload: Heard[K]) => void): () => void;
  emit<K extends keyof Heard>(event: K, payload: Heard[K]): void;
}

/** files.dir, else `files` beside the SQLite file, else (PostgreSQL, ":memory:") data/files under the project root. */
export function filesDir(config: Pick<Config, 'database' | 'files'>): { dir: string; defaulted: boolean } {
  if (config.files?.dir) return { dir: resolve(ROOT, config.files.dir), defaulted: false };
  const path = config.database.url === undefined ? config.database.path : undefined;
  if (path !== undefined && path !== ':memory:') return { dir: join(dirname(resolve(ROOT, path)), 'files'), defaulted: false };
  return { dir: join(ROOT, 'data', 'files'), defaulted: true };
}

export function createMaintenance(deps: {
  config: Pick<Config, 'database' | 'files'>;
  db: Db;
  gateway: MaintenanceGateway;
  events: MaintenanceBus;
  stations: Pick<StationStore, 'get'>;
  transactions: Pick<TransactionStore, 'active'>;
  clock: Clock;
  logger: Logger;
}): Maintenance {
  const { config, events, clock, logger } = deps;
  const { dir, defaulted } = filesDir(config);
  if (defaulted) logger.warn({ dir }, 'files.dir is not set: firmware and uploaded logs are kept under the project (set files.dir; on a cluster, a directory every node shares)');
  const files = new FileStore(dir);
  const linkTtlMs = (config.files?.linkMinutes ?? 24 * 60) * 60_000;
  let base = config.files?.baseUrl?.replace(/\/+$/, '') ?? '';
  const baseUrl = () => base;
  const emit = <K extends keyof MaintenanceEvents>(event: K, payload: MaintenanceEvents[K]) => events.emit(event, payload as Heard[K]);
  const firmwareStore = new FirmwareRepository(deps.db);
  const logStore = new LogRequestRepository(deps.db);
  const rollouts = new FirmwareRollouts({
    store: firmwareStore, gateway: deps.gateway, emit, baseUrl, linkTtlMs, clock,
    charging: async (id) => (await deps.transactions.active(id)).length > 0,
    firmwareVersion: async (id) => (await deps.stations.get(id))?.firmwareVersion ?? null,
  });
  const logs = new LogRequests({ store: logStore, files, gateway: deps.gateway, emit, baseUrl, linkTtlMs, maxBytes: (config.files?.maxLogMB ?? 20) * MB, clock });
  const firmwareFiles = new FirmwareFiles({ store: firmwareStore, files, maxBytes: (config.files?.maxFirmwareMB ?? 256) * MB, clock });
  const run = (what: string, p: Promise<void>) => void p.catch((err: unknown) => logger.error({ err }, `${what} failed`));
  events.on('firmware.status', (e) => run('firmware status', rollouts.onStatus(e.stationId, e.status, e.requestId, e.at)));
  // A station's log statuses in the order it sent them (each is a read-then-write on its request; see the rollouts').
  const logStatuses = new KeyedSerial();
  events.on('log.status', (e) => run('log status', logStatuses.run(e.stationId, () => logs.onStatus(e.stationId, e.status, e.requestId, e.at))));
  events.on('station.booted', (e) => {
    if (e.status === 'Accepted') run('firmware boot version', rollouts.onBooted(e.stationId));
  });
  events.on('transaction.event', (e) => {
    if (e.eventType === 'Ended' && !e.duplicate) run('firmware after charging', rollouts.onTransactionEnded(e.stationId));
  });
  return {
    files, firmwareFiles, rollouts, logs, firmwareStore, logStore,
    setListening(b) {
      if (!config.files?.baseUrl) base = b;
    },
  };
}
