import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Clock } from '../../platform/clock.js';
import type { StationDirectory } from '../../domain/ports.js';
import type { ClusterStatusSource } from '../../domain/cluster.js';
import { ErrorBody, ensureErrorSchema } from '../errors.js';

export interface HealthDeps {
  clock: Clock;
  stations: StationDirectory;
  /** In a cluster (issue 19): this node, the live nodes, its stations, sites and NATS round trip. */
  cluster?: ClusterStatusSource;
  /** Issue 17: what is failing now (the database, a price source); none: always ok. */
  health?: HealthChecks;
}

/** Why the product is degraded now: each reason one line for people ("database: ..."), empty when healthy. */
export interface HealthChecks {
  reasons(): Promise<string[]>;
}

/** Reasons listed at most (the count of failing price sources is in the words). */
const MAX_REASONS = 20;

const Counts = (names: string[]) => Type.Object(Object.fromEntries(names.map((n) => [n, Type.Integer({ minimum: 0 })])));

const ClusterHealth = Type.Object(
  {
    node: Type.String({ description: 'this node' }),
    nodes: Type.Array(Type.String(), { description: 'nodes whose lease is live now, this one included' }),
    stationsHeld: Type.Integer({ minimum: 0, description: 'stations whose sockets this node holds' }),
    calls: Counts(['served', 'sent', 'offline', 'fenced']),
    replaced: Type.Integer({ minimum: 0, description: 'older connections closed because another node accepted a newer one' }),
    natsRttMs: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'the last NATS round trip; null when NATS is not connected' }),
    lease: Type.Object({ held: Type.Boolean(), epoch: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]) }),
    sites: Type.Object({
      owned: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), { description: 'sites this node plans, with their fencing epochs' }),
      acquired: Type.Integer({ minimum: 0 }),
      released: Type.Integer({ minimum: 0 }),
    }),
    jobs: Type.Array(Type.String(), { description: 'once-per-cluster jobs this node runs now (prices, retention)' }),
  },
  { description: 'present in a cluster only (config cluster)' },
);

const Health = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], {
      description: 'ok, or degraded when the database or a price source is failing (the process still answers: 200 either way)',
    }),
    reasons: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_REASONS, description: 'why it is degraded, one line each (present only then)' })),
    time: Type.String({ format: 'date-time', description: 'the product’s clock' }),
    stationsConnected: Type.Integer({ minimum: 0, description: 'charging stations with an open OCPP connection (on any node in a cluster)' }),
    cluster: Type.Optional(ClusterHealth),
  },
  { description: 'the process is up and answering' },
);

export const healthRoutes: FastifyPluginAsync<{ deps: HealthDeps }> = async (app, { deps }) => {
  ensureErrorSchema(app);
  const schema = {
    tags: ['health'],
    summary: 'Liveness: up, the clock, how many stations are connected, and degraded with reasons when the database or a price source fails',
    description: 'Needs no credentials; for load balancers and monitoring.',
    security: [],
    response: {
      200: Health,
      // The auth plugin reads any Authorization header on every route: a wrong one is refused even here.
      401: Type.Ref(ErrorBody.$id!, { description: 'an Authorization header that is not a valid API token (AUTH_INVALID); send none' }),
    },
  };
  app.get('/health', { schema }, async () => {
    const reasons = deps.health ? (await deps.health.reasons()).slice(0, MAX_REASONS) : [];
    return {
      status: reasons.length > 0 ? 'degraded' as const : 'ok' as const,
      ...(reasons.length > 0 ? { reasons } : {}),
      time: new Date(deps.clock.now()).toISOString(),
      stationsConnected: deps.stations.connectedCount(),
      ...(deps.cluster ? { cluster: await deps.cluster.health() } : {}),
    };
  });
};
