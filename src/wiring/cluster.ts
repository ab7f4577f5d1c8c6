/**
 * The cluster's part of the composition root (issue 19), beside main.ts: which deployment a PostgreSQL database
 * allows, joining the cluster, the scheduler's pushes under the fence of the site this node owns, plan writes that
 * fail once the lease is lost, and site ownership feeding the scheduler. Nothing of it runs on SQLite or without
 * `cluster` in the configuration.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { OcppEvents } from '../domain/ocpp-events.js';
import { LeaseLostError, assertHolds } from '../domain/leases.js';
import { TypedEvents } from '../platform/events.js';
import type { PlanRecord, PlanStore } from '../domain/plans.js';
import type { Site } from '../domain/sites.js';
import type { OcppServer } from '../ocpp/server.js';
import { OcppCallError } from '../ocpp/rpc/call-error.js';
import type { CsmsAction, RequestOf, ResponseOf } from '../ocpp/schemas/generated/index.js';
import type { Db, Storage } from '../storage/index.js';
import { inTransaction } from '../storage/sql/dialect.js';
import { LeaseRepository } from '../storage/lease-repository.js';
import { PlanRepository } from '../storage/plan-repository.js';
import { PresenceRepository } from '../storage/presence-repository.js';
import { NatsTransport } from '../cluster/nats-transport.js';
import { ClusterNode } from '../cluster/node.js';
import { Subjects } from '../cluster/transport.js';
import { claimDeployment } from '../cluster/deployment.js';
import type { LeaseKeeper } from '../cluster/lease-keeper.js';

/** The node's own station.connected / station.disconnected events (main.ts's bus). */
export type ClusterNodeEvents = <K extends 'station.connected' | 'station.disconnected'>(event: K, fn: (e: OcppEvents[K]) => void) => () => void;

/**
 * On PostgreSQL, either one node without NATS (it claims the database for itself) or nodes that all have
 * cluster.nats; this node joins the cluster when configured. Nothing of it on SQLite.
 */
export async function joinCluster(
  config: Config, storage: Storage, ocpp: OcppServer, on: ClusterNodeEvents, clock: Clock, logger: Logger,
): Promise<{ cluster: ClusterNode | null; deployment: LeaseKeeper | null }> {
  if (storage.dialect !== 'postgres') return { cluster: null, deployment: null };
  const c = config.cluster;
  const node = c?.nodeId ?? `${hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const leases = new LeaseRepository(storage.db);
  const ttlMs = (c?.leaseSeconds ?? 10) * 1000;
  const deployment = await claimDeployment({ leases, clock, node, clustered: c !== undefined, ttlMs, logger });
  if (!c) return { cluster: null, deployment };
  const transport = await NatsTransport.open({ servers: c.nats, name: node, onError: (err, where) => logger.warn({ err, where }, 'cluster: NATS message failed') });
  try {
    const cluster = await ClusterNode.start({
      node, transport, subjects: new Subjects(c.subjectPrefix ?? 'chargeplan'), leases, presence: new PresenceRepository(storage.db),
      local: {
        call: (id, action, payload) => ocpp.call(id, action as CsmsAction, payload as never),
        connectedSince: (id) => ocpp.connectedSince(id),
        disconnect: (id, code, reason) => ocpp.disconnect(id, code, reason),
      },
      failure: (f) => new OcppCallError(f.kind, f.stationId, f.action, f.message, f.ocppError),
      clock, leaseTtlMs: ttlMs, callTimeoutMs: config.ocpp.callTimeoutSeconds * 1000,
      on, logger,
    });
    logger.info({ node, nats: c.nats }, 'cluster: joined');
    return { cluster, deployment };
  } catch (err) {
    await transport.close();
    throw err;
  }
}

/**
 * The scheduler's calls to chargers in a cluster: each carries the fence of the site this node owns that the station
 * belongs to, and the station's node refuses it once a newer owner exists. A station on no site this node owns is
 * refused here (NotAllowed), so a node that lost a site stops pushing to it even before anyone else answers.
 */
export function pushCall(cluster: ClusterNode, sites: () => { readonly sites: readonly Site[] }) {
  const of = stationSites(sites);
  return <A extends CsmsAction>(stationId: string, action: A, payload: RequestOf<A>): Promise<ResponseOf<A>> => {
    const fence = of(stationId).map((id) => cluster.fenceFor(id)).find((f) => f !== null);
    if (!fence) {
      return Promise.reject(new OcppCallError('NotAllowed', stationId, action, `station ${stationId} is on no site this node owns now: another node plans it`));
    }
    return cluster.calls.call(stationId, action, payload, fence) as Promise<ResponseOf<A>>;
  };
}

/** Whether the station is on a site this node plans now (its events are this node's to act on). */
export function ownsStation(cluster: ClusterNode, sites: () => { readonly sites: readonly Site[] }): (stationId: string) => boolean {
  const of = stationSites(sites);
  return (stationId) => of(stationId).some((id) => cluster.fenceFor(id) !== null);
}

/** The sites a station has EVSEs on, from the scheduler's current set (rebuilt when the set is replaced). */
function stationSites(sites: () => { readonly sites: readonly Site[] }): (stationId: string) => string[] {
  let seen: readonly Site[] | null = null;
  let byStation = new Map<string, string[]>();
  return (stationId) => {
    const current = sites().sites;
    if (current !== seen) {
      seen = current;
      byStation = new Map();
      for (const site of current) {
        for (const e of site.evses) {
          const list = byStation.get(e.stationId) ?? [];
          if (!list.includes(site.id)) list.push(site.id);
          byStation.set(e.stationId, list);
        }
      }
    }
    return byStation.get(stationId) ?? [];
  };
}

/** Plans are written only under the site's lease: the check and the write in one transaction (a lost lease throws LEASE_LOST). */
export function fencedPlans(db: Db, cluster: ClusterNode, clock: Clock): PlanStore & Pick<PlanRepository, 'pruneStep'> {
  const plain = new PlanRepository(db);
  return {
    pruneStep: (before, maxRows, batch) => plain.pruneStep(before, maxRows, batch),
    latest: (siteId) => plain.latest(siteId),
    get: (id) => plain.get(id),
    save: (plan: Omit<PlanRecord, 'id'>) => inTransaction(db, async (trx) => {
      const fence = cluster.fenceFor(plan.siteId);
      if (!fence) throw new LeaseLostError(`site:${plan.siteId}`, cluster.node, 0);
      await assertHolds(new LeaseRepository(trx), fence.lease, cluster.node, fence.epoch, clock.now());
      return new PlanRepository(trx).save(plan);
    }),
  };
}

interface ClusterScheduler {
  sites(): readonly Site[];
  setSites(sites: readonly Site[]): { added: string[]; changed: string[]; removed: string[] };
  setOwned(ids: ReadonlySet<string>): unknown;
  trigger(siteId: string, reason: string, opts: { leading?: boolean; relayed?: boolean }): void;
  relayTriggers(to: (siteId: string, reason: string, opts: { leading?: boolean }) => void): void;
}

/**
 * The scheduler plans the sites this node owns; the set follows the leases (none until some are taken). A re-plan
 * asked for here (a person's change through this node's API) of a site another node plans goes to that node.
 */
export function ownSites(cluster: ClusterNode, scheduler: ClusterScheduler, loadSites: () => Promise<Site[]>, everyMs: number, logger: Logger): void {
  cluster.ownSites({ sites: () => scheduler.sites().map((s) => s.id), setOwned: (ids) => scheduler.setOwned(ids) });
  // Sites edited through another node's API reach this one from the database within `everyMs` (the set is replaced
  // only when something changed; the owner re-plans a changed site, the others only learn it).
  cluster.repeat('sites', everyMs, async () => {
    const changes = scheduler.setSites(await loadSites());
    if (changes.added.length + changes.changed.length + changes.removed.length > 0) logger.info(changes, 'cluster: sites changed on another node');
  });
  scheduler.relayTriggers((siteId, reason, opts) => cluster.relayTrigger(siteId, reason, opts.leading === true));
  cluster.onTriggers((siteId, reason, leading) => scheduler.trigger(siteId, reason, { leading, relayed: true }));
}

/**
 * A certificate renewal (A02) stored through one node's API for a station whose socket another node holds: that node
 * reads the request at the station's next Heartbeat instead of believing its earlier "none" (certificate-renewal.ts
 * keeps that in memory). A lost message delays the request by at most RENEWAL_RECHECK_MS.
 */
export function shareRenewalRequests(
  cluster: ClusterNode,
  renewals: { requested(stationId: string): void; announceWith(publish: (stationId: string) => void): void },
): void {
  cluster.mirror<{ stationId?: unknown }>('certificate-renewal.requested',
    (publish) => renewals.announceWith((stationId) => publish({ stationId })),
    (e) => { if (typeof e.stationId === 'string') renewals.requested(e.stationId.slice(0, 200)); });
}

/** What the live page stream and the fleet views' caches listen to (http/api/deps.ts LiveEvents). */
const LIVE_EVENTS = ['plan.created', 'plan.pushed', 'decision', 'charger.status', 'connector.status', 'transaction.event', 'station.connected', 'station.disconnected'] as const;
/**
 * What the alerts hear besides (wiring/alerts.ts): the messages whose stored copy they read (only those actions go
 * out), the meter values behind a site's metered power, and the zones' price freshness. Every node keeps the
 * detectors' state from the whole cluster; the one node that holds the `alerts` job opens and closes the alerts.
 */
const ALERT_EVENTS = ['message.handled', 'meter.values', 'prices.stale', 'prices.updated'] as const;
const ALERT_MESSAGES = new Set(['SecurityEventNotification', 'FirmwareStatusNotification', 'LogStatusNotification']);
const sent: Partial<Record<string, (e: never) => boolean>> = {
  'message.handled': (e: { action?: string }) => ALERT_MESSAGES.has(e.action ?? ''),
};
/** Already sent to every node by the scheduler's relay (main.ts wireScheduler): only received here. */
const RELAYED = new Set<string>(['transaction.event', 'station.connected', 'station.disconnected']);

type EventSource = { on(event: string, fn: (e: never) => void): () => void };

/**
 * The events the API and the alerts listen to, from the whole cluster: this node's own and the others' (plans are
 * made on the node that owns a site, pages are served by any node, a station's messages arrive where its socket is).
 * The database stays the truth; an event lost on the way only delays a page's redraw or an alert until the next one.
 * Call it once per node: each call publishes this node's events again.
 */
export function clusterLiveEvents<E extends { [K in (typeof LIVE_EVENTS)[number] | (typeof ALERT_EVENTS)[number]]: unknown }>(
  cluster: ClusterNode, local: { on<K extends keyof E>(event: K, fn: (e: E[K]) => void): () => void },
): TypedEvents<E> {
  const bus = new TypedEvents<E>();
  const source = local as unknown as EventSource;
  for (const name of [...LIVE_EVENTS, ...ALERT_EVENTS]) {
    const emit = (e: unknown) => bus.emit(name, e as E[typeof name]);
    source.on(name, emit as (e: never) => void);
    const only = sent[name];
    const publishLocal = RELAYED.has(name) ? null
      : (fn: (e: unknown) => void) => source.on(name, ((e: never) => { if (!only || only(e)) fn(e); }) as (e: never) => void);
    cluster.mirror(name, publishLocal, emit);
  }
  return bus;
}
