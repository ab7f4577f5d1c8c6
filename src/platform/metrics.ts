/**
 * Prometheus metrics (issue 17) with prom-client, on a registry of their own (never the library's global one, so two
 * servers in one process, as in tests, do not share counters). The rest of the product reports through the small
 * ports below (OcppObserver for the OCPP server, plain methods for what main.ts wires from events); only this file
 * imports prom-client.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the OCPP server reports (src/ocpp/server.ts); every method optional so a server needs no metrics. */
export interface OcppObserver {
  /** An outgoing CALL ended: 'ok' or its failure kind (Timeout, CallError, Offline, ...), and its round trip. */
  callDone?(action: string, outcome: string, seconds: number): void;
  /** An incoming CALL was handled: 'ok', or 'error' when its handler failed (a CALLERROR went back). */
  handled?(action: string, result: 'ok' | 'error'): void;
  /** A payload failed its official schema: a station's request or response, or one of ours. */
  invalid?(action: string, kind: 'Request' | 'Response'): void;
}

export interface MetricsSources {
  /** Stations with an open OCPP connection now (read at each scrape). */
  stationsConnected: () => number;
  /** In a cluster (issue 19): this node's view, read at each scrape; null on a single process. */
  cluster?: () => ClusterMetricsSource | null;
}

/** What a cluster node reports to /metrics (its /health cluster block, src/cluster/node.ts). */
export interface ClusterMetricsSource {
  health(): Promise<{
    nodes: string[];
    stationsHeld: number;
    calls: Record<'served' | 'sent' | 'offline' | 'fenced', number>;
    replaced: number;
    natsRttMs: number | null;
    lease: { held: boolean };
    sites: { owned: Record<string, number>; acquired: number; released: number };
    jobs: string[];
  }>;
}

/** Round trips of CALLs to stations: most answer within a second, a timeout is 30 s by default. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
/** Write transactions: most take a millisecond or less on SQLite, a few on PostgreSQL over the network. */
const DB_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];
const PLAN_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Node's runtime metrics (among them nodejs_eventloop_lag_seconds and its percentiles), collected once per process on
 * a registry of their own: prom-client's collector keeps its GC observer and event-loop histogram for the life of the
 * process, so collecting them into a server's registry kept that whole server (its registry's gauges hold the OCPP
 * server and the database) alive after it closed; a process that started several (tests, bench:ocpp's rows) held
 * every one of them. They describe the process, so servers in one process share them.
 */
let runtime: Registry | undefined;
function runtimeRegistry(): Registry {
  if (runtime === undefined) {
    runtime = new Registry();
    collectDefaultMetrics({ register: runtime, eventLoopMonitoringPrecision: 10 });
  }
  return runtime;
}

export class Metrics implements OcppObserver {
  /** This server's metrics. */
  private readonly own = new Registry();
  /** What /metrics serves: this server's metrics and the process's runtime metrics. */
  readonly registry: Registry;
  private readonly messages: Counter<'direction' | 'action' | 'result'>;
  private readonly calls: Histogram<'action' | 'outcome'>;
  private readonly invalids: Counter<'action' | 'kind'>;
  private readonly profiles: Counter<'state'>;
  private readonly ignoring: Counter;
  private readonly solve: Histogram;
  private readonly push: Histogram;
  private readonly cycle: Histogram;
  private readonly dbWrites: Histogram<'dialect'>;
  private readonly shortCars: Gauge<'site'>;
  private readonly shortKwh: Gauge<'site'>;
  private readonly http: Histogram<'method' | 'route' | 'status'>;

  constructor(sources: MetricsSources) {
    const registers = [this.own];
    new Gauge({
      name: 'chargeplan_stations_connected', help: 'Charging stations with an open OCPP connection', registers,
      collect() { this.set(sources.stationsConnected()); },
    });
    this.messages = new Counter({
      name: 'chargeplan_ocpp_messages_total', help: 'OCPP CALLs by direction (in: from stations, out: to stations), action and result',
      labelNames: ['direction', 'action', 'result'], registers,
    });
    this.calls = new Histogram({
      name: 'chargeplan_ocpp_call_duration_seconds', help: 'Round trip of CALLs to stations, by action and outcome',
      labelNames: ['action', 'outcome'], buckets: CALL_BUCKETS, registers,
    });
    this.invalids = new Counter({
      name: 'chargeplan_ocpp_validation_failures_total', help: 'OCPP payloads that failed the official schemas, by action and kind (Request, Response)',
      labelNames: ['action', 'kind'], registers,
    });
    this.profiles = new Counter({
      name: 'chargeplan_profiles_total', help: 'Charging profiles pushed by the scheduler, by outcome (accepted, rejected, failed)',
      labelNames: ['state'], registers,
    });
    this.ignoring = new Counter({ name: 'chargeplan_profiles_ignored_total', help: 'Chargers found to ignore the profiles they accepted', registers });
    this.solve = new Histogram({ name: 'chargeplan_plan_solve_seconds', help: 'Solver time per planning cycle', buckets: PLAN_BUCKETS, registers });
    this.push = new Histogram({
      name: 'chargeplan_plan_push_seconds', help: 'From a plan stored to all of its profiles pushed (the cycle after solving)', buckets: PLAN_BUCKETS, registers,
    });
    this.cycle = new Histogram({
      name: 'chargeplan_plan_cycle_seconds', help: 'A planning cycle that stored a plan, whole: its snapshot loaded, solved, stored and every profile pushed',
      buckets: PLAN_BUCKETS, registers,
    });
    this.shortCars = new Gauge({
      name: 'chargeplan_plan_shortfall_cars', help: 'Cars the latest plan of each site gives less than they asked for before departure', labelNames: ['site'], registers,
    });
    this.shortKwh = new Gauge({
      name: 'chargeplan_plan_shortfall_kwh', help: 'Energy the latest plan of each site falls short by, over all its cars (kWh)', labelNames: ['site'], registers,
    });
    this.dbWrites = new Histogram({
      name: 'chargeplan_db_write_seconds', help: 'Write transactions, BEGIN to COMMIT (or ROLLBACK), by database (sqlite, postgres)',
      labelNames: ['dialect'], buckets: DB_BUCKETS, registers,
    });
    this.http = new Histogram({
      name: 'chargeplan_http_request_duration_seconds', help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'], buckets: HTTP_BUCKETS, registers,
    });
    if (sources.cluster) clusterGauges(registers, sources.cluster);
    this.registry = Registry.merge([this.own, runtimeRegistry()]);
  }

  callDone(action: string, outcome: string, seconds: number): void {
    this.messages.inc({ direction: 'out', action, result: outcome });
    this.calls.observe({ action, outcome }, seconds);
  }

  handled(action: string, result: 'ok' | 'error'): void {
    this.messages.inc({ direction: 'in', action, result });
  }

  invalid(action: string, kind: 'Request' | 'Response'): void {
    this.invalids.inc({ action, kind });
  }

  profilePushed(state: string): void {
    this.profiles.inc({ state });
  }

  profilesIgnored(): void {
    this.ignoring.inc();
  }

  planSolved(seconds: number): void {
    this.solve.observe(seconds);
  }

  planPushed(seconds: number): void {
    this.push.observe(seconds);
  }

  planCycle(seconds: number): void {
    this.cycle.observe(seconds);
  }

  /** The latest plan of a site: how many cars fall short and by how much in all (both 0 when none does). */
  planShortfall(site: string, cars: number, kwh: number): void {
    this.shortCars.set({ site }, cars);
    this.shortKwh.set({ site }, kwh);
  }

  dbWrite(dialect: string, seconds: number): void {
    this.dbWrites.observe({ dialect }, seconds);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  /** The text exposition format (version 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * The cluster node's figures (issue 19), one health() read per scrape shared by every gauge: presence (stations held,
 * older connections closed), live nodes, owned sites and lease takeovers, the node's own lease, calls across nodes by
 * kind, the NATS round trip and the once-per-cluster jobs this node runs. Counts since start are gauges of the
 * node's counters (they restart with the process, as counters do).
 */
function clusterGauges(registers: Registry[], source: () => ClusterMetricsSource | null): void {
  let pending: ReturnType<ClusterMetricsSource['health']> | null = null;
  const read = () => {
    const s = source();
    if (!s) return Promise.resolve(null);
    pending ??= s.health().finally(() => setImmediate(() => (pending = null)));
    return pending;
  };
  const gauge = (name: string, help: string, value: (h: Awaited<ReturnType<ClusterMetricsSource['health']>>) => number | null, labelNames: string[] = [], labelled?: (h: Awaited<ReturnType<ClusterMetricsSource['health']>>) => [Record<string, string>, number][]) =>
    new Gauge({
      name, help, labelNames, registers,
      async collect() {
        const h = await read().catch(() => null);
        if (!h) return;
        this.reset();
        if (labelled) for (const [labels, v] of labelled(h)) this.set(labels, v);
        else {
          const v = value(h);
          if (v !== null) this.set(v);
        }
      },
    });
  gauge('chargeplan_cluster_nodes_live', 'Nodes whose lease is live, this one included', (h) => h.nodes.length);
  gauge('chargeplan_cluster_stations_held', 'Stations whose sockets this node holds', (h) => h.stationsHeld);
  gauge('chargeplan_cluster_connections_replaced', 'Older connections this node closed because another node accepted a newer one, since start', (h) => h.replaced);
  gauge('chargeplan_cluster_lease_held', 'Whether this node holds its own lease (1) or has lost it (0)', (h) => (h.lease.held ? 1 : 0));
  gauge('chargeplan_cluster_sites_owned', 'Sites this node plans now', (h) => Object.keys(h.sites.owned).length);
  gauge('chargeplan_cluster_site_leases', 'Site leases this node took and gave up since start', () => null, ['event'],
    (h) => [[{ event: 'acquired' }, h.sites.acquired], [{ event: 'released' }, h.sites.released]]);
  gauge('chargeplan_cluster_calls', 'Calls across nodes since start: served for others, sent to others, Offline, refused as stale (fenced)', () => null, ['kind'],
    (h) => Object.entries(h.calls).map(([kind, n]) => [{ kind }, n]));
  gauge('chargeplan_cluster_nats_rtt_seconds', 'The last NATS round trip', (h) => (h.natsRttMs === null ? null : h.natsRttMs / 1000));
  gauge('chargeplan_cluster_jobs_held', 'Once-per-cluster jobs this node runs now', () => null, ['job'], (h) => h.jobs.map((job) => [{ job }, 1]));
}
