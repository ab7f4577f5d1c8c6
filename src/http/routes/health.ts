import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Clock } from '../../platform/clock.js';
import type { StationDirectory } from '../../domain/ports.js';

export interface HealthDeps {
  clock: Clock;
  stations: StationDirectory;
}

const Health = Type.Object({
  status: Type.Literal('ok'),
  time: Type.String({ format: 'date-time' }),
  stationsConnected: Type.Integer({ minimum: 0 }),
});

export const healthRoutes: FastifyPluginAsync<{ deps: HealthDeps }> = async (app, { deps }) => {
  app.get('/health', { schema: { response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
    time: new Date(deps.clock.now()).toISOString(),
    stationsConnected: deps.stations.connectedCount(),
  }));
};
