import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, type Config } from './config.js';
import { monotonicMs, systemClock, type Clock } from './platform/clock.js';
import { createLogger, type Logger } from './platform/logger.js';
import { TypedEvents } from './platform/events.js';
import { createOcppRepositories, type Storage } from './storage/index.js';
import { PriceSeriesRepository } from './storage/price-series-repository.js';
import { CapacityLimitRepository } from './storage/price-capacity-limit-repository.js';
import { ApiTokenRepository } from './storage/api-token-repository.js';
import { UserRepository, UserTokenRepository, WebSessionRepository } from './storage/user-repository.js';
import { SetupTokenRepository } from './storage/setup-token-repository.js';
import { AuditRepository } from './storage/audit-repository.js';
import { openFirstRun, printableBase, setupLink } from './http/auth/first-run.js';
import { createPricing, parsePricesConfig, zoneCurrencyGuard } from './prices/setup.js';
import { loadTariffs } from './prices/tariff-book.js';
import { TariffAdmin } from './prices/tariff-admin.js';
import { PriceSourceAdmin } from './prices/price-source-admin.js';
import { PriceConfigRepository } from './storage/price-config-repository.js';
import { loadStationCertificates } from './ocpp/auth/client-cert.js';
import { CertificateRenewals, wireCertificateRenewals } from './ocpp/auth/certificate-renewal.js';
import { buildApp } from './http/app.js';
import { OcppChargerGateway } from './ocpp/profiles/index.js';
import { capabilitiesFrom } from './ocpp/handlers/capabilities.js';
import { VehicleRepository, TargetRepository, AssignmentRepository } from './storage/vehicle-repository.js';
import { PlanRepository, ProfileRepository, DecisionRepository } from './storage/plan-repository.js';
import { ChargingModeRepository } from './storage/charging-mode-repository.js';
import { Scheduler, SiteAdmin, importConfiguredSites, loadSites } from './scheduler/index.js';
import { SiteRepository } from './storage/site-repository.js';
import { Retention } from './storage/retention.js';
import { openConfiguredStorage } from './cli/database.js';
import { OcppStationOperations } from './ocpp/operations.js';
import { Metrics } from './platform/metrics.js';
import { wireMetrics } from './metrics/wire-events.js';
import { observeWrites } from './storage/sql/dialect.js';
import type { CsmsAction, RequestOf, ResponseOf } from './ocpp/schemas/generated/index.js';
import { clusterLiveEvents, fencedPlans, joinCluster, ownSites, pushCall, shareRenewalRequests } from './wiring/cluster.js';
import type { ClusterNode } from './cluster/node.js';
import type { Site } from './domain/sites.js';

export type { AppEvents } from './wiring/scheduler-events.js';
export type { Running } from './wiring/running.js';
import type { Running } from './wiring/running.js';
import { createOcppServer } from './wiring/ocpp-server.js';
import { runAsProcess } from './wiring/process.js';
import { PriceConfigChanges } from './wiring/price-config-sync.js';
import type { AppEvents } from './wiring/scheduler-events.js';
import { wireScheduler } from './wiring/scheduler-events.js';
import { createMaintenance } from './wiring/maintenance.js';
import { OcppMaintenanceCalls } from './ocpp/maintenance-calls.js';
import { wireAlerts } from './wiring/alerts.js';
import { healthChecks } from './wiring/health.js';
import { UtilisationRecorder } from './wiring/utilisation-recorder.js';
import { UtilisationRepository } from './storage/utilisation-repository.js';
import { RateWindowRepository } from './storage/rate-window-repository.js';
import { WaitingStationRepository } from './storage/waiting-station-repository.js';
import { stationAdminApi } from './wiring/station-admin.js';


/** The composition root: config -> database -> adapters -> wiring -> listening. */
export async function start(config: Config, deps: { clock?: Clock; logger?: Logger } = {}): Promise<Running> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger({ level: config.log.level });
  const storage = await openConfiguredStorage(config, {
    onConnectionError: (err) => logger.warn({ err }, 'storage: the database dropped a connection (the request on it failed; the pool opens a new one)'),
  });
  logger.info({ migrated: storage.migrated }, `storage: ${storage.description}`);
  try {
    return await startOn(storage, config, clock, logger);
  } catch (err) {
    await storage.close();
    throw err;
  }
}

async function startOn(storage: Storage, config: Config, clock: Clock, logger: Logger): Promise<Running> {
  const db = storage.db;
  const r = config.retention;
  const repositories = createOcppRepositories(db, {
    stationLog: { maxPayloadBytes: r.stationLogPayloadBytes, stationBytesPerMinute: r.stationLogBytesPerMinute },
    meterValues: {
      bucketSeconds: r.meterBucketSeconds,
      rowsPerStationPerMinute: r.meterRowsPerStationPerMinute,
      onDrop: (station) => logger.warn({ station, limit: r.meterRowsPerStationPerMinute }, 'meter values beyond the per-minute row limit: only each series\' latest is kept'),
    },
    deviceModel: {
      maxVariablesPerStation: r.maxDeviceModelVariables,
      onDrop: (station, dropped) => logger.warn({ station, dropped, limit: r.maxDeviceModelVariables }, 'device model beyond its per-station limit: new variables not stored'),
    },
  });
  const events = new TypedEvents<AppEvents>();
  // Checked before anything listens: a wrong tariff stops the start with the field named.
  const pricesConfig = parsePricesConfig(config.prices ?? {});
  // Issue 16: sites live in the database; config `sites[]` is imported into it (idempotently), then all are loaded.
  // Tariffs too (config `prices.tariffs` imported, browser edits kept): sites name them, so they load first.
  const tariffBook = await loadTariffs(PriceConfigRepository.tariffs(db), pricesConfig.tariffs, { zones: pricesConfig.zones, now: () => clock.now(), logger });
  const tariffNames = tariffBook.names();
  const siteStore = new SiteRepository(db);
  await importConfiguredSites({ store: siteStore, decisions: new DecisionRepository(db), tariffNames, now: () => clock.now(), logger }, config.sites);
  const sites = await loadSites(siteStore, tariffNames, logger);
  const o = config.ocpp;
  // Read at each scrape; `ocpp` and the cluster node exist by then.
  let clusterNode: ClusterNode | null = null;
  const metrics: Metrics = new Metrics({ stationsConnected: (): number => ocpp.connectedCount(), cluster: () => clusterNode });
  // Security profile 3 (docs/security.md): the CA station certificates chain to, and that signs their CSRs (A02/A03).
  const certificates = await loadStationCertificates(o.tls, (f) => readFileSync(resolve(ROOT, f), 'utf8'), repositories.issuedCertificates);
  const ocpp = createOcppServer(o, { repositories, events, clock, logger, certificates, db, metrics });
  const { cluster, deployment } = await joinCluster(config, storage, ocpp, (event, fn) => events.on(event, fn), clock, logger);
  clusterNode = cluster;
  // Calls reach the station's socket on whichever node holds it (issue 19); on one process, this server's.
  // Who is connected anywhere in the cluster: a site's scheduler plans chargers whose sockets are on other nodes.
  const directory = cluster ? cluster.presence : ocpp;
  const callStation = <A extends CsmsAction>(id: string, action: A, payload: RequestOf<A>): Promise<ResponseOf<A>> =>
    cluster ? (cluster.calls.call(id, action, payload) as Promise<ResponseOf<A>>) : ocpp.call(id, action, payload);
  const certificateRenewals = new CertificateRenewals({
    stations: repositories.stations, call: callStation, isConnected: (id) => ocpp.isConnected(id), clock, logger,
    canSign: certificates?.authority.canSign ?? false,
  });
  wireCertificateRenewals(events, certificateRenewals);
  if (cluster) shareRenewalRequests(cluster, certificateRenewals);
  const capacityLimits = new CapacityLimitRepository(db, clock);
  const pricing = createPricing({
    // The tariffs the book holds (changed in place by the admin API); the sources run from the database (below).
    config: { ...pricesConfig, tariffs: tariffBook.record, sources: [] },
    store: new PriceSeriesRepository(db, clock),
    limits: capacityLimits,
    clock,
    events,
    fetch: (url, init) => fetch(url, init),
    // Jitter for the price feeds' retry backoff; tests and benchmarks pass their own seeded pricing.
    random: Math.random,
    logger,
  });
  const gateway = new OcppChargerGateway({
    // The scheduler's pushes: in a cluster, under the fence of the site the node owns (wiring/cluster.ts).
    call: cluster ? pushCall(cluster, (): { readonly sites: readonly Site[] } => scheduler.index) : callStation,
    capabilities: async (id) => capabilitiesFrom(await repositories.deviceModel.list(id, 'SmartChargingCtrlr')),
    on: (event, fn) => events.on(event, fn),
    clock,
    logger,
    reportTimeoutMs: o.callTimeoutSeconds * 1000,
  });
  const schedulerStores = {
    ...repositories,
    vehicles: new VehicleRepository(db),
    targets: new TargetRepository(db),
    modes: new ChargingModeRepository(db), // issue 18: homeowner charging modes
    assignments: new AssignmentRepository(db),
    plans: cluster ? fencedPlans(db, cluster, clock) : new PlanRepository(db),
    profiles: new ProfileRepository(db),
    decisions: new DecisionRepository(db),
  };
  const scheduler: Scheduler = new Scheduler({
    sites,
    stores: schedulerStores,
    gateway,
    prices: pricing.sitePrices,
    capacity: capacityLimits,
    stations: directory,
    events,
    clock,
    logger,
    random: Math.random,
    monotonicMs,
    tariffZone: (t) => tariffBook.zoneOf(t),
    tariffDemand: (t) => tariffBook.demandOf(t),
  });
  wireScheduler(events, scheduler, logger, cluster);
  // Issue 17: what each EVSE did over time, for utilisation (this node's stations; src/wiring/utilisation-recorder.ts).
  const utilisation = new UtilisationRepository(db);
  const utilisationRecorder = new UtilisationRecorder(utilisation, clock, logger);
  utilisationRecorder.start(events);
  // In a cluster this node plans only the sites whose lease it holds (none until it has taken some).
  if (cluster) {
    // An invalid stored site is logged once at start (loadSites above); the periodic reload only skips it.
    const quiet = logger.child({}, { level: 'fatal' });
    ownSites(cluster, scheduler, () => loadSites(siteStore, tariffBook.names(), quiet), (config.cluster?.leaseSeconds ?? 10) * 1000, logger);
  }
  const siteAdmin = new SiteAdmin({ store: siteStore, scheduler, transactions: repositories.transactions, tariffNames: () => tariffBook.names(), clock });
  // Issue 16: tariffs and price sources from the browser; a tariff edit re-plans the sites that pay it.
  const priceAudit = new AuditRepository(db);
  // Issue 19: tariffs and sources edited on one node reach every node (wiring/price-config-sync.ts).
  const priceChanges = new PriceConfigChanges();
  const priceAdmin = {
    tariffs: new TariffAdmin({
      store: PriceConfigRepository.tariffs(db), book: tariffBook, zones: pricesConfig.zones, service: pricing.service, audit: priceAudit, clock,
      sitesOf: (t) => scheduler.index.sites.filter((s) => s.tariff === t).map((s) => s.id),
      replan: (ids) => ids.forEach((id) => scheduler.trigger(id, 'tariff-changed', { leading: true })),
      changed: priceChanges.tariff,
    }),
    sources: new PriceSourceAdmin({
      store: PriceConfigRepository.sources(db), zones: pricesConfig.zones, prices: zoneCurrencyGuard(new PriceSeriesRepository(db, clock), pricesConfig.zones),
      fetch: (url, init) => fetch(url, init), clock, random: Math.random, events, audit: priceAudit, logger, changed: priceChanges.source,
    }),
  };
  await priceAdmin.sources.load(pricesConfig.sources);
  if (cluster) priceChanges.share(cluster, priceAdmin, (ids) => ids.forEach((id) => scheduler.trigger(id, 'tariff-changed', { leading: true, relayed: true })), logger);
  wireMetrics(events, metrics, (siteId) => scheduler.latestPlan(siteId), () => clock.now());
  observeWrites(db, (dialect, seconds) => metrics.dbWrite(dialect, seconds));
  // In a cluster, the API's live stream and the alerts hear the events of every node (a station's messages arrive on
  // the node that holds its socket, plans are made on the node that owns the site).
  const clusterEvents = cluster ? clusterLiveEvents<AppEvents>(cluster, events) : events;
  // Issue 17: alerts from the product's events and a periodic tick; delivered to webhooks and email (README "Alerts").
  const alerts = wireAlerts({
    config: config.alerts, db, events: clusterEvents, clock, logger, random: Math.random, fetch: (url, init) => fetch(url, init), stations: directory,
    sites: () => scheduler.sites(), tariffZone: (t) => tariffBook.zoneOf(t), latestPlan: (id) => scheduler.latestPlan(id), meterValues: repositories.meterValues,
  });
  const health = healthChecks({ db, clock, events });
  // Issue 17: remote operations; a remote start carries the limit an unplanned session holds (the site default, at
  // most the EVSE's maximum) until the scheduler's first plan for it, which follows the Started event at once.
  const operations = new OcppStationOperations({
    call: callStation, // in a cluster, to whichever node holds the station (issue 19)
    deviceModel: repositories.deviceModel,
    capabilities: async (id) => capabilitiesFrom(await repositories.deviceModel.list(id, 'SmartChargingCtrlr')),
    startLimits: {
      startLimit: async (stationId, evseId) => {
        const placed = scheduler.index.evse(stationId, evseId);
        if (!placed) return null;
        const limitKw = Math.min(placed.evse.maxKw, placed.site.policy.defaultLimitKw);
        return { limitKw, phases: placed.evse.phases, lineVoltageV: placed.site.lineVoltageV, profileId: await schedulerStores.profiles.profileId(stationId, `remote-start:${evseId}`) };
      },
    },
    clock,
  });
  // Issue 17 (L01/N01): firmware rollouts and GetLog; files on disk beside the database (files.dir).
  const maintenance = createMaintenance({
    config, db, gateway: new OcppMaintenanceCalls(callStation), events, stations: repositories.stations, transactions: repositories.transactions, clock, logger,
  });
  const tokens = new ApiTokenRepository(db);
  const users = new UserRepository(db);
  const setupTokens = new SetupTokenRepository(db);
  const h = config.http;
  const http = await buildApp({
    clock,
    logger,
    stations: directory,
    ...(cluster ? { cluster } : {}),
    ...(h.trustProxy !== undefined ? { trustProxy: h.trustProxy } : {}),
    tariffs: { intake: pricing.intake, tokens, clock },
    auth: {
      tokens,
      clock,
      accounts: { users, sessions: new WebSessionRepository(db), ownedTokens: new UserTokenRepository(db) },
      admin: { users, setupTokens, audit: new AuditRepository(db) },
      // In a cluster every node counts logins and token requests in the database: a limit is the cluster's (issue 19).
      ...(cluster ? { rateWindows: new RateWindowRepository(db, clock) } : {}),
      options: {
        ...(h.cookieSecure !== undefined ? { cookieSecure: h.cookieSecure } : {}),
        ...(h.sessionIdleHours !== undefined ? { sessionIdleHours: h.sessionIdleHours } : {}),
        ...(h.sessionMaxHours !== undefined ? { sessionMaxHours: h.sessionMaxHours } : {}),
      },
    },
    api: {
      scheduler,
      sites,
      stores: schedulerStores,
      prices: pricing.sitePrices,
      stations: directory,
      // In a cluster, plans made on other nodes redraw this node's pages too.
      events: clusterEvents,
      clock,
      certificates: certificateRenewals,
      siteAdmin,
      priceAdmin,
      operations: { operations, deviceModel: repositories.deviceModel, stationLog: repositories.stationLog,
        // The station page's message log: what this node read or sent in the last second is written before it is read.
        frames: { newest: async (id, limit) => { await ocpp.framesWritten(); return repositories.frames.newest(id, limit); } } },
      maintenance,
      utilisation,
      // Issue 16: chargers added, re-keyed, removed and adopted from the browser (the ports as listening, once they are).
      stationAdmin: stationAdminApi({ db, ocpp: cluster?.calls ?? ocpp, directory, call: callStation, endpoint: () => ({ port: ocppPorts?.port ?? o.port, tlsPort: ocppPorts?.tlsPort ?? o.tlsPort, path: o.path }) }),
    },
    pages: true,
    metrics: { metrics, scrapeToken: config.metrics?.scrapeToken },
    alerts: { store: alerts.store, webhooks: alerts.webhookStore, sites: () => scheduler.sites(), clock },
    health,
  });
  // Issue 20, finding 2: everything is built (schemas compiled, plugins loaded) before any port listens, and HTTP
  // listens before OCPP: a reconnect storm at the OCPP port can no longer starve fastify's plugin start, and a
  // start that fails (a port in use) fails before any station was accepted.
  let ocppPorts: { port: number | null; tlsPort: number | null };
  try {
    await http.ready();
    await http.listen({ host: config.http.host, port: config.http.port });
    ocppPorts = await ocpp.listen();
  } catch (err) {
    await http.close();
    await cluster?.stop();
    await ocpp.close();
    await deployment?.releaseAll();
    throw err;
  }
  const httpPort = (http.server.address() as { port: number }).port;
  maintenance.setListening(printableBase(config.http.host, httpPort));
  // Price pulls (the configured and the stored sources) and the clean-up passes run once per cluster: on the node
  // that holds their job lease (issue 19); a single process runs them itself.
  const prices = {
    start: () => { pricing.start(); priceAdmin.sources.start(); },
    stop: () => { pricing.stop(); priceAdmin.sources.stop(); },
  };
  if (cluster) cluster.exclusive('prices', prices);
  else prices.start();
  scheduler.start();
  // Every node keeps the alert detectors' state from the whole cluster's events; one node at a time (the `alerts` job)
  // opens, closes and delivers the alerts, and the next one takes the open alerts over from the database.
  const alertJob = {
    start: () => void alerts.start().catch((err: unknown) => logger.error({ err }, 'alerts: reading the open alerts failed (tried again when the job moves)')),
    stop: () => alerts.engine.stop(),
  };
  if (cluster) cluster.exclusive('alerts', alertJob);
  else await alerts.start();
  const retention = new Retention({
    policy: r, stationLog: repositories.stationLog, plans: schedulerStores.plans, decisions: schedulerStores.decisions,
    transactions: repositories.transactions, meterValues: repositories.meterValues, evseStateLog: utilisation,
    waitingStations: new WaitingStationRepository(db), clock, logger,
  });
  if (cluster) cluster.exclusive('retention', retention);
  else retention.start();
  logger.info({ http: httpPort, ocpp: ocppPorts.port, ocppTls: ocppPorts.tlsPort, db: storage.description }, 'chargeplan started');
  // Issue 16: no user yet, so a one-time link to create the first admin (src/http/auth/first-run.ts).
  const firstRun = await openFirstRun({ users, setupTokens, clock });
  const link = firstRun ? setupLink(printableBase(config.http.host, httpPort), firstRun.token) : null;
  if (firstRun) logger.warn({ setupLink: link, expiresAt: new Date(firstRun.expiresAt).toISOString() }, 'no account yet: open the setup link to create the first admin');
  return {
    config,
    storage,
    db,
    ocpp,
    http,
    events,
    pricing,
    scheduler,
    siteAdmin,
    priceAdmin,
    repositories,
    retention,
    certificateRenewals,
    operations,
    maintenance,
    metrics,
    alerts,
    cluster,
    ports: { http: httpPort, ocpp: ocppPorts.port, ocppTls: ocppPorts.tlsPort },
    setupLink: link,
    async close() {
      alerts.stop();
      health.stop();
      const pruning = retention.stop(); // waits for a pass in progress before the database closes
      scheduler.stop();
      pricing.stop();
      priceAdmin.sources.stop();
      await http.close();
      // Other nodes stop sending calls here and take over this node's stations as they reconnect.
      await cluster?.stop();
      await ocpp.close();
      utilisationRecorder.stop();
      await utilisationRecorder.settled();
      await deployment?.releaseAll();
      await pruning;
      await maintenance.rollouts.done();
      await pricing.freshness.done();
      await alerts.engine.done();
      await storage.close();
    },
  };
}

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) await runAsProcess(start);
