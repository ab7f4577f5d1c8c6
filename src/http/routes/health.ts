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
}

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
  },
  { description: 'present in a cluster only (config cluster)' },
);

const Health = Type.Object(
  {
    status: Type.Literal('ok'),
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
    summary: 'Liveness: up, the clock, and how many stations are connected',
    description: 'Needs no credentials; for load balancers and monitoring.',
    security: [],
    response: {
      200: Health,
      // The auth plugin reads any Authorization header on every route: a wrong one is refused even here.
      401: Type.Ref(ErrorBody.$id!, { description: 'an Authorization header that is not a valid API token (AUTH_INVALID); send none' }),
    },
  };
  app.get('/health', { schema }, async () => ({
    status: 'ok' as const,
    time: new Date(deps.clock.now()).toISOString(),
    stationsConnected: deps.stations.connectedCount(),
    ...(deps.cluster ? { cluster: await deps.cluster.health() } : {}),
  }));
};
