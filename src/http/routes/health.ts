import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Clock } from '../../platform/clock.js';
import type { StationDirectory } from '../../domain/ports.js';
import { ErrorBody, ensureErrorSchema } from '../errors.js';

export interface HealthDeps {
  clock: Clock;
  stations: StationDirectory;
}

const Health = Type.Object(
  {
    status: Type.Literal('ok'),
    time: Type.String({ format: 'date-time', description: 'the product’s clock' }),
    stationsConnected: Type.Integer({ minimum: 0, description: 'charging stations with an open OCPP connection' }),
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
  }));
};
