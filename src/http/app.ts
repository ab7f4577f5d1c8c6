import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../platform/logger.js';
import type { Clock } from '../platform/clock.js';
import type { StationDirectory } from '../domain/ports.js';
import type { ClusterStatusSource } from '../domain/cluster.js';
import { healthRoutes } from './routes/health.js';
import { tariffRoutes, type TariffRouteDeps } from './routes/tariffs.js';
import { authPlugin, type AuthPluginDeps } from './auth/plugin.js';
import { resolveAuthOptions } from './auth/options.js';
import { installSecurityHeaders } from './auth/security-headers.js';
import { authRoutes } from './routes/auth.js';
import { installErrorHandler } from './errors.js';
import { DEFAULT_BODY_LIMIT, installJsonBodyParser } from './json-body.js';
import { apiRoutes, type ApiDeps } from './api/index.js';
import { registerOpenApi } from './api/openapi.js';
import { pageRoutes } from './pages/index.js';
import { metricsPlugin, metricsRoute, type MetricsRouteDeps } from './routes/metrics.js';
import { firstRunCheck } from './auth/first-run.js';
import { alertRoutes, type AlertRouteDeps } from './api/alerts.js';
import { webhookRoutes, type WebhookRouteDeps } from './api/webhooks.js';
import type { HealthChecks } from './routes/health.js';
import { cachedSerializers } from './serializers.js';

export interface AppDeps {
  clock: Clock;
  logger: Logger;
  stations: StationDirectory;
  /** This node in a cluster (issue 19), shown on /health. */
  cluster?: ClusterStatusSource;
  /** The energy companies' push intake (issue 4); the routes exist only when this is given. */
  tariffs?: TariffRouteDeps;
  /**
   * Who is calling: API tokens and login sessions (issue 6). Without it every request is anonymous; with
   * `auth.accounts` the login, logout, /me and token routes exist too.
   */
  auth?: AuthPluginDeps;
  /** The resource API (issue 6: sites, stations, plans, vehicles, targets, sessions, live); exists only when given. */
  api?: ApiDeps;
  /** Serve the web pages (/, /login, /home, /fleet, /assets/*); they call the API routes above. */
  pages?: boolean;
  /**
   * fastify's trustProxy: behind a reverse proxy, take the client's address (rate limits) and the protocol (HSTS)
   * from X-Forwarded-For / X-Forwarded-Proto. Only when the proxy sets them; docs/security.md. Default false.
   */
  trustProxy?: boolean | string | string[];
  /** Prometheus /metrics and the HTTP request histogram (issue 17); absent: no /metrics. */
  metrics?: MetricsRouteDeps;
  /** Alerts and their webhooks (issue 17); absent: no such routes. */
  alerts?: AlertRouteDeps & WebhookRouteDeps;
  /** What /health calls degraded (issue 17: the database, price sources); absent: always ok. */
  health?: HealthChecks;
}

/** Builds the HTTP app; never listens by itself (main.ts and tests decide where). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    trustProxy: deps.trustProxy ?? false,
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Response serializers compiled once per schema in the process (serializers.ts).
    schemaController: { compilersFactory: { buildSerializer: cachedSerializers() } },
  }) as unknown as FastifyInstance;
  // First, so that every answer carries them: API, document, reference page, pages, errors and 404s.
  installSecurityHeaders(app, { hsts: resolveAuthOptions(deps.auth?.options).cookieSecure });
  installErrorHandler(app);
  // Before the auth plugin: a scraper's token is not an API token (routes/metrics.ts).
  if (deps.metrics) await app.register(metricsPlugin, deps.metrics);
  // Depth-checked JSON for every route (the auth plugin adds forms, bulk and tariffs add CSV).
  app.removeContentTypeParser('application/json');
  installJsonBodyParser(app);
  // Before every route: swagger collects routes from the onRoute hook (/api/openapi.json, /api/docs).
  await registerOpenApi(app);
  if (deps.auth) await app.register(authPlugin, deps.auth);
  // Issue 16: while no user exists, setup is open (one check shared by the setup routes and the pages).
  const firstRun = deps.auth?.admin ? firstRunCheck(deps.auth.admin.users) : undefined;
  if (deps.auth?.accounts) await app.register(authRoutes, { ...deps.auth, ...(firstRun ? { firstRun } : {}) });
  await app.register(healthRoutes, { deps });
  // After the OpenAPI and auth plugins: documented, and read by an admin (the scrape token's hook above runs first).
  if (deps.metrics) await app.register(metricsRoute, deps.metrics);
  if (deps.tariffs) await app.register(tariffRoutes, deps.tariffs);
  if (deps.api) await app.register(apiRoutes, deps.api);
  if (deps.alerts) {
    await app.register(alertRoutes, deps.alerts);
    await app.register(webhookRoutes, deps.alerts);
  }
  if (deps.pages) await app.register(pageRoutes, firstRun ? { firstRun } : {});
  return app;
}
