import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppDeps } from '../app.js';

const Health = Type.Object({
  status: Type.Literal('ok'),
  time: Type.String({ format: 'date-time' }),
  stationsConnected: Type.Integer({ minimum: 0 }),
});

export const healthRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/health', { schema: { response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
    time: new Date(deps.clock.now()).toISOString(),
    stationsConnected: deps.stations.connectedCount(),
  }));
};
