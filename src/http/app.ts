import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../platform/logger.js';
import type { Clock } from '../platform/clock.js';
import type { StationDirectory } from '../domain/ports.js';
import { healthRoutes } from './routes/health.js';

export interface AppDeps {
  clock: Clock;
  logger: Logger;
  stations: StationDirectory;
}

/** Builds the HTTP app; never listens by itself (main.ts and tests decide where). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger }) as unknown as FastifyInstance;
  await app.register(healthRoutes, { deps });
  return app;
}
