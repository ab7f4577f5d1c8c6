import type { FastifyPluginAsync } from 'fastify';
import { ApiContext } from './context.js';
import type { ApiDeps } from './deps.js';
import { boostRoutes } from './boost.js';
import { bulkRoutes } from './bulk.js';
import { decisionRoutes } from './decisions.js';
import { fleetRoutes } from './fleet.js';
import { liveRoutes } from './live.js';
import { planRoutes } from './plans.js';
import { savingsRoutes } from './savings.js';
import { sessionRoutes } from './sessions.js';
import { siteRoutes } from './sites.js';
import { stationRoutes } from './stations.js';
import { stationCertificateRoutes } from './station-certificates.js';
import { targetRoutes } from './targets.js';
import { vehicleRoutes } from './vehicles.js';
import { vehicleAdminRoutes } from './vehicles-admin.js';
import { apiValidatorCompiler } from './validation.js';
import { operationRoutes } from './operations.js';
import { deviceModelRoutes } from './device-model.js';
import { adminGetStartedRoutes } from './admin-get-started.js';
import { adminTariffRoutes } from './admin-tariffs.js';
import { adminPriceSourceRoutes } from './admin-price-sources.js';
import { homeHistoryRoutes } from './home-history.js';
import { homeModeRoutes } from './home-modes.js';
import { adminStationRoutes } from './admin-stations.js';
import { firmwareRoutes } from './firmware.js';
import { firmwareUploadRoutes } from './firmware-upload.js';
import { stationLogRoutes } from './station-logs.js';
import { stationFileRoutes } from './station-files.js';

import { utilisationRoutes } from './utilisation.js';

export type { ApiDeps, ApiScheduler, ApiStores, LiveEvents, LiveEventSource } from './deps.js';

/**
 * The resource API (issue 6, docs/api.md): sites, stations, plans, vehicles, targets, bulk targets, sessions,
 * decisions and the live stream, each an encapsulated plugin. Every route asks `principalOf` who is calling and
 * decides with src/http/auth/access.ts only. Needs the auth plugin registered before it and the shared ErrorBody
 * schema ($id "Error") added to the app (buildApp does both).
 */
export const apiRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  app.setValidatorCompiler(apiValidatorCompiler);
  const ctx = new ApiContext(deps);
  for (const routes of [siteRoutes, stationRoutes, stationCertificateRoutes, planRoutes, fleetRoutes, vehicleRoutes, targetRoutes, boostRoutes, bulkRoutes, sessionRoutes, savingsRoutes, decisionRoutes, liveRoutes, operationRoutes, deviceModelRoutes, adminGetStartedRoutes, vehicleAdminRoutes, adminStationRoutes]) {
    await app.register(routes, { ctx });
  }
  // Issue 17: utilisation per EVSE, station and site.
  if (deps.utilisation) await app.register(utilisationRoutes, { ctx, source: deps.utilisation });
  // Issue 18, the homeowner: session history, the session so far, charging modes, the weekly rule's removal.
  for (const routes of [homeHistoryRoutes, homeModeRoutes]) await app.register(routes, { ctx });
  // Issue 16: tariffs and price sources from the browser (admins).
  for (const routes of [adminTariffRoutes, adminPriceSourceRoutes]) await app.register(routes, { ctx });
  // Issue 17: firmware updates (L01) and logs (N01); the links stations fetch and upload through.
  for (const routes of [firmwareUploadRoutes, firmwareRoutes, stationLogRoutes, stationFileRoutes]) await app.register(routes, { ctx });
};
