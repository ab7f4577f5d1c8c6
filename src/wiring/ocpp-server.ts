/**
 * The embedded OCPP 2.0.1 server as config `ocpp` describes it (src/main.ts's composition root): listeners, limits,
 * the behaviour its handlers follow, and the waiting list for unknown stations (issue 16).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT, type Config } from '../config.js';
import type { Clock } from '../platform/clock.js';
import type { TypedEvents } from '../platform/events.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { createOcppRepositories, Db } from '../storage/index.js';
import { OcppServer } from '../ocpp/server.js';
import { clientCertTlsOptions, type loadStationCertificates } from '../ocpp/auth/client-cert.js';
import type { AppEvents } from './scheduler-events.js';
import { waitingList } from './station-admin.js';

export function createOcppServer(o: Config['ocpp'], deps: {
  repositories: ReturnType<typeof createOcppRepositories>;
  events: TypedEvents<AppEvents>;
  clock: Clock;
  logger: Logger;
  certificates: Awaited<ReturnType<typeof loadStationCertificates>>;
  db: Db;
  metrics: Metrics;
}): OcppServer {
  const { repositories, events, clock, logger, certificates, db, metrics } = deps;
  return new OcppServer(
    {
      host: o.host,
      port: o.port,
      tlsPort: o.tlsPort,
      tls: o.tls ? { cert: readFileSync(resolve(ROOT, o.tls.certFile)), key: readFileSync(resolve(ROOT, o.tls.keyFile)), ...clientCertTlsOptions(certificates) } : null,
      path: o.path,
      callTimeoutMs: o.callTimeoutSeconds * 1000,
      pingIntervalMs: o.pingIntervalSeconds * 1000,
      maxBadMessages: o.maxBadMessages,
      badMessageWindowMs: o.badMessageWindowSeconds * 1000,
      replaceExistingConnection: o.replaceExistingConnection,
      autoRegister: o.autoRegister,
      perMessageDeflate: o.perMessageDeflate,
      limits: o.limits,
    },
    {
      ...repositories,
      events,
      clock,
      logger,
      certificates,
      // Issue 16: unknown stations wait to be adopted (never accepted by themselves) unless autoRegister is on.
      ...(o.waitingList !== false ? { waiting: waitingList(db, clock, logger) } : {}),
      behaviour: {
        bootStatus: o.bootStatus,
        heartbeatIntervalS: o.heartbeatIntervalSeconds,
        bootRetryIntervalS: o.bootRetryIntervalSeconds,
        acceptUnknownIdTokens: o.acceptUnknownIdTokens,
        dataTransferVendors: o.dataTransferVendors,
        readCapabilitiesOnBoot: o.readCapabilitiesOnBoot,
      },
    },
    metrics,
  );
}
