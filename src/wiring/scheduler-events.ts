/**
 * The scheduler's side of the composition root, beside main.ts: the product's event bus and how its events reach the
 * scheduler, on one process and in a cluster.
 */
import type { OcppEvents } from '../domain/ocpp-events.js';
import type { PriceEvents } from '../domain/prices.js';
import type { SchedulerEvents } from '../domain/plans.js';
import type { MaintenanceEvents } from '../domain/firmware.js';
import type { TypedEvents } from '../platform/events.js';
import type { Logger } from '../platform/logger.js';
import type { Scheduler } from '../scheduler/index.js';
import type { ClusterNode } from '../cluster/node.js';
import { ownsStation } from './cluster.js';

/** MaintenanceEvents (issue 17): firmware jobs and rollouts, log requests; `firmware.failed` / `log.failed` for alerts. */
export type AppEvents = OcppEvents & PriceEvents & SchedulerEvents & MaintenanceEvents;

/**
 * main.ts wires events to the scheduler (ARCHITECTURE.md: adapters never call it themselves). The bus calls its
 * listeners synchronously and waits for none of them; a listener that reads a store runs on its own, its failure
 * logged with the event's name, so no rejection goes unhandled and a failing lookup is seen rather than lost.
 */
export function wireScheduler(
  events: TypedEvents<AppEvents>,
  scheduler: Scheduler,
  logger: Logger,
  cluster: ClusterNode | null,
): void {
  // In a cluster (issue 19) a station's events reach every node over NATS and the node planning its site acts on them.
  const owns = cluster ? ownsStation(cluster, () => scheduler.index) : null;
  const on = <K extends keyof AppEvents>(event: K, fn: (e: AppEvents[K]) => void | Promise<void>) => {
    const run = (e: AppEvents[K]) => {
      const result = fn(e);
      if (result instanceof Promise) void result.catch((err: unknown) => logger.error({ err, event }, 'event listener failed'));
    };
    const stationId = (e: AppEvents[K]) => (e as { stationId?: unknown }).stationId;
    if (!cluster || !owns) return events.on(event, run);
    // Prices are pulled on one node (its job lease) and every node re-plans the sites it owns in that zone.
    if (event === 'prices.updated') return cluster.relay<AppEvents[K]>(event, (deliver) => events.on(event, deliver), run);
    cluster.relay<AppEvents[K]>(event, (deliver) => events.on(event, deliver), (e) => {
      const id = stationId(e);
      if (typeof id === 'string' && owns(id)) run(e);
    });
  };
  on('transaction.event', (e) => scheduler.onTransaction(e));
  on('meter.values', (e) => scheduler.onMeterValues(e));
  on('charging.needs', (e) => scheduler.onChargingNeeds(e));
  // Issue 17: an EVSE out of service (Unavailable or Faulted) leaves planning and returns when usable again.
  on('connector.status', (e) => scheduler.onConnectorStatus(e));
  on('prices.updated', (e) => scheduler.onPricesUpdated(e.zone));
  // A station that reconnects without booting is online if its last boot was Accepted (B03.FR.03: never call a
  // rejected one), as its handshake read it: the event says so, no store read.
  on('station.connected', (e) => {
    if (e.acceptedBefore) scheduler.onStationOnline(e.stationId, 'station-connected');
  });
  on('station.booted', (e) => {
    if (e.status === 'Accepted') return scheduler.onStationOnline(e.stationId, 'station-booted');
  });
  on('station.capabilities', (e) => scheduler.onStationOnline(e.stationId, 'station-capabilities'));
  on('station.disconnected', (e) => scheduler.onStationOffline(e.stationId));
}
