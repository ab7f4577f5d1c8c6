/**
 * Alerts in the composition root (issue 17): the detectors hear the product's events, the engine keeps the stored
 * alerts in step, and delivery sends openings and closings to webhooks and email. main.ts calls wireAlerts once and
 * hands `failures` to the firmware and log module (the input hook for failed updates and uploads).
 *
 * In a cluster `events` carries every node's events (wiring/cluster.ts clusterLiveEvents), so each node's detectors know
 * the whole cluster; the engine runs on the node that holds the `alerts` job only (main.ts), which opens, closes and
 * delivers, and the next holder takes the open alerts over from the store.
 */
import type { AlertNotice, AlertNotifier, OperationFailures } from '../domain/alerts.js';
import { alertSettings, type AlertsConfig } from '../domain/alert-config.js';
import type { StationDirectory } from '../domain/ports.js';
import type { PlanRecord } from '../domain/plans.js';
import type { Site } from '../domain/sites.js';
import type { MeterValueStore } from '../domain/stations.js';
import type { Clock } from '../platform/clock.js';
import type { TypedEvents } from '../platform/events.js';
import type { Logger } from '../platform/logger.js';
import { AlertEngine } from '../operations/alerts/alert-engine.js';
import { EmailDelivery } from '../operations/alerts/email-delivery.js';
import { SiteConditions } from '../operations/alerts/site-conditions.js';
import { StationConditions } from '../operations/alerts/station-conditions.js';
import { WebhookDelivery, type WebhookFetch } from '../operations/alerts/webhook-delivery.js';
import { AlertRepository } from '../storage/alert-repository.js';
import { WebhookRepository } from '../storage/webhook-repository.js';
import type { Db } from '../storage/index.js';
import type { AppEvents } from './scheduler-events.js';

/** L01 FirmwareStatusNotification and N01 LogStatusNotification statuses that mean the operation failed. */
const FIRMWARE_FAILED = new Set(['DownloadFailed', 'InstallationFailed', 'InstallVerificationFailed', 'InvalidSignature']);
const LOG_FAILED = new Set(['UploadFailure', 'BadMessage', 'NotSupportedOperation', 'PermissionDenied']);
/** The messages whose stored payload an alert reads (A04, L01, N01). */
const ALERT_ACTIONS: ReadonlySet<string> = new Set(['SecurityEventNotification', 'FirmwareStatusNotification', 'LogStatusNotification']);

export interface Alerts {
  engine: AlertEngine;
  store: AlertRepository;
  webhookStore: WebhookRepository;
  webhooks: WebhookDelivery;
  email: EmailDelivery | null;
  /** The input hook for the firmware and log module (L01, N01). */
  failures: OperationFailures;
  siteConditions: SiteConditions;
  /** Resolves when the event listeners' reads and the engine's evaluation are done (tests await it). */
  settled(): Promise<void>;
  start(): Promise<void>;
  stop(): void;
}

export function wireAlerts(deps: {
  config: AlertsConfig | undefined;
  db: Db;
  events: TypedEvents<AppEvents>;
  clock: Clock;
  logger: Logger;
  random: () => number;
  fetch: WebhookFetch;
  stations: StationDirectory;
  sites: () => readonly Site[];
  tariffZone: (tariff: string) => string | null;
  latestPlan: (siteId: string) => Promise<PlanRecord | undefined>;
  meterValues: Pick<MeterValueStore, 'latest'>;
}): Alerts {
  const { events, clock, logger } = deps;
  const log = logger.child({ module: 'alerts' });
  const s = alertSettings(deps.config);
  const store = new AlertRepository(deps.db);
  const webhookStore = new WebhookRepository(deps.db);
  const webhooks = new WebhookDelivery({ store: webhookStore, clock, logger: log, random: deps.random, fetch: deps.fetch, policy: s.delivery });
  const email = s.email ? new EmailDelivery(s.email, { clock, logger: log, random: deps.random, policy: s.delivery }) : null;
  const notifier: AlertNotifier = {
    notify(notice: AlertNotice) {
      log.info({ alert: notice.alert.id, kind: notice.alert.kind, site: notice.alert.siteId, event: notice.event }, `alert ${notice.event}: ${notice.alert.message}`);
      webhooks.enqueue(notice);
      email?.enqueue(notice);
    },
  };
  let indexed: readonly Site[] | undefined;
  let siteOfStation = new Map<string, Site>();
  const index = () => {
    const sites = deps.sites();
    if (sites !== indexed) {
      siteOfStation = new Map();
      for (const site of sites) for (const e of site.evses) if (!siteOfStation.has(e.stationId)) siteOfStation.set(e.stationId, site);
      indexed = sites;
    }
    return siteOfStation;
  };
  let engine: AlertEngine | undefined;
  const changed = () => engine?.request();
  const stationConditions = new StationConditions({
    siteOf: (id) => index().get(id)?.id ?? null,
    isConnected: (id) => deps.stations.isConnected(id),
    placedStations: () => index().keys(),
    startedAt: clock.now(),
    offlineMs: s.offlineMs,
    securityQuietMs: s.securityQuietMs,
    failureHoldMs: s.failureHoldMs,
    changed,
  }, () => clock.now());
  const siteConditions = new SiteConditions({ sites: deps.sites, tariffZone: deps.tariffZone, siteLimitToleranceKw: s.siteLimitToleranceKw, changed });
  engine = new AlertEngine({
    store, notifier, clock, logger: log, sources: [stationConditions, siteConditions],
    fleetOf: (siteId) => (siteId === null ? null : deps.sites().find((x) => x.id === siteId)?.fleet ?? null),
    options: { groupThreshold: s.groupThreshold, settleMs: s.settleMs, tickMs: s.tickMs },
  });
  const offs: (() => void)[] = [];
  const reading = new Set<Promise<void>>();
  const on = <K extends keyof AppEvents>(event: K, fn: (e: AppEvents[K]) => void | Promise<void>) =>
    offs.push(events.on(event, (e) => {
      try {
        const r = fn(e);
        if (r instanceof Promise) {
          const p = r.catch((err: unknown) => log.error({ err, event }, 'alerts: event listener failed')).finally(() => reading.delete(p));
          reading.add(p);
        }
      } catch (err) {
        log.error({ err, event }, 'alerts: event listener failed');
      }
    }));
  on('station.connected', (e) => stationConditions.connected(e.stationId));
  on('station.disconnected', (e) => stationConditions.disconnected(e.stationId, Date.parse(e.at)));
  on('connector.status', (e) => stationConditions.connectorStatus(e.stationId, e.evseId, e.connectorId, e.status, Date.parse(e.at)));
  on('charger.status', (e) => stationConditions.compliance(e.stationId, e.evseId, e.compliance, e.detail));
  // Every message is announced: only three actions read anything, and the others must not cost a promise each
  // (bench:ocpp's ping-pong: a Heartbeat's listeners ran an async function, its catch and finally per message).
  on('message.handled', (e) => (ALERT_ACTIONS.has(e.action) ? messageAlert(e) : undefined));
  async function messageAlert(e: AppEvents['message.handled']): Promise<void> {
    if (e.action === 'SecurityEventNotification') {
      // A04: the notification as the station sent it (kept verbatim in its message log by the handler).
      const m = (await store.latestStationMessage(e.stationId, e.action)) as { type?: string; techInfo?: string; timestamp?: string } | undefined;
      stationConditions.securityEvent(e.stationId, m?.type ?? 'unknown', m?.techInfo ?? null, clock.now());
    } else if (e.action === 'FirmwareStatusNotification' || e.action === 'LogStatusNotification') {
      const m = (await store.latestStationMessage(e.stationId, e.action)) as { status?: string } | undefined;
      if (!m?.status) return;
      const kind = e.action === 'FirmwareStatusNotification' ? 'firmware-failed' : 'log-upload-failed';
      if ((kind === 'firmware-failed' ? FIRMWARE_FAILED : LOG_FAILED).has(m.status)) stationConditions.failed(kind, e.stationId, m.status);
      else if (m.status === (kind === 'firmware-failed' ? 'Installed' : 'Uploaded')) stationConditions.resolved(kind, e.stationId);
    }
  }
  on('plan.created', async (e) => {
    const plan = await deps.latestPlan(e.siteId);
    if (plan?.id === e.planId) siteConditions.planMade(plan);
  });
  on('transaction.event', (e) => {
    if (e.eventType === 'Ended' && !e.duplicate) siteConditions.sessionEnded(e.stationId, e.transaction.evseId ?? 0, e.transaction.transactionId);
  });
  on('prices.stale', (e) => siteConditions.pricesStale(e.zone, e.ageMs, clock.now()));
  on('prices.updated', (e) => siteConditions.pricesUpdated(e.zone));
  on('meter.values', async (e) => {
    if (e.transactionId === null) return;
    const p = await deps.meterValues.latest(e.stationId, e.transactionId, 'Power.Active.Import');
    if (!p || (p.phase !== undefined && p.phase !== null) || (p.location !== undefined && p.location !== 'Outlet')) return;
    siteConditions.meteredPower(e.stationId, e.evseId, p.unit === 'kW' ? p.value : p.value / 1000, Date.parse(p.timestamp));
  });
  return {
    engine, store, webhookStore, webhooks, email, siteConditions,
    failures: stationConditions,
    async settled() {
      while (reading.size > 0) await Promise.all([...reading]);
      await engine.done();
    },
    start: () => engine.start(),
    stop() {
      offs.forEach((off) => off());
      engine.stop();
      webhooks.queue.stop();
      email?.close();
    },
  };
}
