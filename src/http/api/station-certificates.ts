import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { principalOf } from '../auth/plugin.js';
import { ALL } from '../auth/roles.js';
import { groupsOf, requireRole, VEHICLE_WRITERS, type Principal } from '../auth/access.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import {
  CertificatePolicyBody, CertificatePolicyView, CertificateRenewalView, errors, NoBody, ok, StationParams,
} from './schemas.js';
import { ErrorRef } from './schema-kit.js';
import { bodyCheckedByHandler } from './validation.js';

/**
 * A station's client certificate, for the people who maintain chargers (docs/security.md "Station certificates"):
 *
 *   POST /api/v1/stations/:stationId/certificate-renewal   A02 now (200) or at the station's next boot/heartbeat (202)
 *   PUT  /api/v1/stations/:stationId/certificate-policy    {acceptExpiredOnce}: A00.FR.429 for this station (admins)
 *
 * Who: a renewal is maintenance, allowed to admins and to a fleet manager for a station whose every EVSE is on a site of
 * one of their fleets (a certificate is the whole station's); a homeowner steers charging but does not maintain the
 * charger (403). Letting an expired certificate in lowers the CSO's authentication of a station: admins only.
 *
 * No oracle: a station the caller may not maintain answers exactly like one that does not exist (404 STATION_UNKNOWN,
 * the same message, without the id), decided from the configured sites before anything is read; only an admin's
 * unknown id costs a read.
 */

/** The roles that maintain chargers: the same people who may edit a group's vehicles. */
export const STATION_MAINTAINERS = VEHICLE_WRITERS;
/** Both routes take at most this much body (nothing, or one small object). */
const BODY_LIMIT = 1024;

const notFound = () => new HttpError(404, 'STATION_UNKNOWN', 'no station with this id that you may maintain', 'stationId');
const notFoundDoc = ErrorRef('no such station, or one outside the caller’s scope: the same answer for both (STATION_UNKNOWN)');

export const stationCertificateRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  /** Throws 403 without the role, 404 for a station outside the caller's sites (or on none: admins only). */
  const maintainable = (p: Principal, stationId: string, roles = STATION_MAINTAINERS) => {
    requireRole(p, roles);
    const groups = groupsOf(p, roles);
    if (groups === ALL) return;
    const sites = ctx.sitesOfStation(stationId);
    if (sites.length === 0 || !sites.every((s) => s.fleet !== null && groups.has(s.fleet))) throw notFound();
  };
  const maintenance = () => {
    const m = ctx.deps.certificates;
    if (!m) throw new HttpError(409, 'STATION_CANNOT_RENEW', 'this server manages no station certificates (no ocpp.tls.caFile)');
    return m;
  };

  app.post('/api/v1/stations/:stationId/certificate-renewal', {
    bodyLimit: BODY_LIMIT,
    // Usually sent without a body, which a schema for an object would refuse: noBody() checks it, after who is asking.
    validatorCompiler: bodyCheckedByHandler,
    schema: {
      tags: ['stations'],
      summary: 'Renew the station’s client certificate (A02): TriggerMessage SignChargingStationCertificate',
      description: 'No body. A connected station is asked now and its answer returned (200, `sent`); otherwise, or when asking fails (offline, no answer within ocpp.callTimeoutSeconds, boot Rejected), the request is stored and sent at the station’s next boot or heartbeat (202, `stored`), like `npm run stations -- renew`. The station then sends a CSR that the configured CA signs (CertificateSigned). 409 STATION_CANNOT_RENEW when it cannot end well: a station without credentials (profile 0) or a server without a CA key. Admins; fleet managers for stations on their fleets’ sites.',
      params: StationParams,
      body: NoBody,
      response: {
        200: ok(CertificateRenewalView, 'the station was asked now; `triggerStatus` is its answer'),
        202: ok(CertificateRenewalView, 'stored: sent at the station’s next boot or heartbeat'),
        ...errors(400, 401, 403, 409),
        404: notFoundDoc,
        413: ErrorRef('a body over 1 KiB'),
      },
    },
  }, async (request, reply: FastifyReply) => {
    const p = principalOf(request);
    const { stationId } = request.params as StationParams;
    noBody(request.body);
    maintainable(p, stationId);
    const result = await maintenance().requestRenewal(stationId);
    switch (result.outcome) {
      case 'unknown': throw notFound();
      case 'refused': throw new HttpError(409, 'STATION_CANNOT_RENEW', result.reason, 'stationId');
      case 'sent': return reply.code(200).send({ stationId, outcome: 'sent', triggerStatus: result.triggerStatus, requestedAt: null, detail: `the station answered ${result.triggerStatus}` });
      case 'stored': return reply.code(202).send({ stationId, outcome: 'stored', triggerStatus: null, requestedAt: result.requestedAt, detail: result.detail });
    }
  });

  app.put('/api/v1/stations/:stationId/certificate-policy', {
    bodyLimit: BODY_LIMIT,
    schema: {
      tags: ['stations'],
      summary: 'Accept an expired client certificate from this station once, to renew it (A00.FR.429)',
      description: 'With `acceptExpiredOnce: true`, a profile 3 station whose certificate has run out (path, CA, CN and O still valid) is admitted, its BootNotification answered Pending, and renewed at once (A02); the setting clears itself when the station accepts its new certificate. `false` withdraws it. Without it an expired certificate is refused (A00.FR.407). Every such admission and refusal is logged as the security event InvalidChargingStationCertificate (A00.FR.408). Admins only. 409 STATION_CANNOT_RENEW for a station that does not use profile 3.',
      params: StationParams,
      body: CertificatePolicyBody,
      response: {
        200: ok(CertificatePolicyView, 'the station’s policy now'),
        ...errors(400, 401, 403, 409),
        404: notFoundDoc,
        413: ErrorRef('a body over 1 KiB'),
      },
    },
  }, async (request) => {
    const p = principalOf(request);
    const { stationId } = request.params as StationParams;
    maintainable(p, stationId, ['admin']);
    const { acceptExpiredOnce } = request.body as CertificatePolicyBody;
    const result = await maintenance().allowExpiredCertificate(stationId, acceptExpiredOnce);
    if (result.outcome === 'unknown') throw notFound();
    if (result.outcome === 'refused') throw new HttpError(409, 'STATION_CANNOT_RENEW', result.reason, 'acceptExpiredOnce');
    return { stationId, acceptExpiredOnce: result.allowedSince !== null, since: result.allowedSince };
  });
};

/** The renewal takes no body: nothing, or an empty JSON object; anything else is named rather than ignored. */
function noBody(body: unknown): void {
  if (body === undefined || body === null) return;
  if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return;
  throw new HttpError(400, 'REQUEST_INVALID', 'body: this request takes no body (or an empty object {})', 'body');
}
