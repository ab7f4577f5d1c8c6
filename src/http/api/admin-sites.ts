import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { CircuitConfig, EvsePlacement, MAX_CIRCUITS, SiteConfig, SitePolicy } from '../../domain/sites.js';
import { SiteChangeError, type SiteChangeCode } from '../../scheduler/index.js';
import { requireRole, type Principal } from '../auth/access.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import { contentVersion } from '../../platform/content-version.js';
import type { ApiContext } from './context.js';
import type { ApiSiteAdmin } from './deps.js';
import { errors, ok, SiteDetail, SiteParams } from './schemas.js';

/**
 * Managing sites (issue 16), admins only (403 AUTH_FORBIDDEN for everyone else). Every change is checked whole (the
 * checks config sites get at start-up, errors naming the field), written in one transaction, re-plans the sites it
 * concerns and shows in their decision logs. Deleting a site or circuit that holds a running session, or taking such
 * an EVSE off its site, is refused (409) naming the sessions.
 *
 *   POST   /api/v1/sites                                     create a site (the config entry's shape)
 *   PUT    /api/v1/sites/:siteId                             replace it whole
 *   DELETE /api/v1/sites/:siteId                             delete it
 *   PUT    /api/v1/sites/:siteId/circuits                    replace the circuit tree
 *   PUT    /api/v1/sites/:siteId/policy                      replace the policy
 *   PUT    /api/v1/sites/:siteId/evses/:stationId/:evseId    place an EVSE, or move it (another circuit or site)
 *   DELETE /api/v1/sites/:siteId/evses/:stationId/:evseId    take it off the site
 *   GET    /api/v1/sites/:siteId/export                      the site as stored, in the config file's shape
 */
const ADMIN = ['admin'] as const;

const STATUS: Record<SiteChangeCode, number> = {
  SITE_INVALID: 422,
  SITE_UNKNOWN: 404,
  SITE_EXISTS: 409,
  SITE_BUSY: 409,
  CIRCUIT_BUSY: 409,
  EVSE_BUSY: 409,
  SITE_CHANGED: 409,
};

export const CircuitsBody = Type.Object(
  { circuits: Type.Array(CircuitConfig, { maxItems: MAX_CIRCUITS, description: 'the whole tree; the EVSEs keep their circuits, which must still exist' }) },
  { additionalProperties: false },
);
export type CircuitsBody = Static<typeof CircuitsBody>;

export const EvseParams = Type.Object({
  siteId: Type.String({ minLength: 1 }),
  stationId: Type.String({ minLength: 1, maxLength: 48 }),
  evseId: Type.Integer({ minimum: 1 }),
});
export type EvseParams = Static<typeof EvseParams>;

export const EvseSpotBody = Type.Omit(EvsePlacement, ['stationId', 'evseId'], { additionalProperties: false });

/** Who made the change, for the decision log. */
const actor = (p: Principal) => `${p.kind === 'user' ? 'user' : 'API token'} "${p.name}"`;

function admin(request: FastifyRequest): Principal {
  const p = principalOf(request);
  requireRole(p, ADMIN);
  return p;
}

/** A refused change in the API's words: status by code, the field named. */
/** If-Match (issue 16): the version the caller read (the export's ETag); W/ and quotes are ignored. */
const IfMatch = Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 100, description: 'the ETag of the version this edit is based on (GET …/export): a site changed since is refused with 409 SITE_CHANGED' })) });
function ifMatchOf(request: FastifyRequest): string | undefined {
  const raw = (request.headers as { 'if-match'?: string })['if-match'];
  if (raw === undefined || raw.trim() === '*') return undefined;
  return raw.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

async function change<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SiteChangeError) throw new HttpError(STATUS[err.code], err.code, err.message, err.field);
    throw err;
  }
}

export const adminSiteRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const sites: ApiSiteAdmin | undefined = ctx.deps.siteAdmin;
  if (!sites) return;
  const tags = ['sites'];
  const changeErrors = errors(400, 401, 403, 404, 409, 422);

  app.post('/api/v1/sites', {
    schema: {
      tags, summary: 'Create a site (admins)',
      description: 'The body is a config `sites[]` entry. 409 SITE_EXISTS when the id is taken; 422 SITE_INVALID names the field (unknown tariff or zone, circuit cycles or unknown parents, an EVSE placed twice or already on another site).',
      body: SiteConfig,
      response: { 201: ok(SiteDetail, 'the site as planned, defaults filled in'), ...changeErrors },
    },
  }, async (request, reply) => {
    const p = admin(request);
    const site = await change(() => sites.create(request.body, actor(p)));
    return reply.code(201).send(site);
  });

  app.put('/api/v1/sites/:siteId', {
    schema: {
      tags, summary: 'Replace a site whole (admins)',
      description: 'Checked whole and applied in one transaction: a rejected edit changes nothing. The body’s id must be the path’s. Refused (409) while a circuit it deletes, or an EVSE it takes off, has a running session. With If-Match (the ETag of GET …/export), refused with 409 SITE_CHANGED, naming the fields that now differ, when someone changed the site since (checked in the write’s transaction, on any node); without it the last write wins.',
      params: SiteParams, body: SiteConfig, headers: IfMatch,
      response: { 200: ok(SiteDetail, 'the site as planned now'), ...changeErrors },
    },
  }, async (request) => {
    const p = admin(request);
    const site = await change(() => sites.replace((request.params as SiteParams).siteId, request.body, actor(p), ifMatchOf(request)));
    return site;
  });

  app.delete('/api/v1/sites/:siteId', {
    schema: {
      tags, summary: 'Delete a site (admins)',
      description: 'Refused with 409 SITE_BUSY, naming the sessions, while any of its EVSEs has a running session. Its plans stop; its decision log stays.',
      params: SiteParams,
      response: { 204: ok(Type.Null(), 'deleted'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const p = admin(request);
    await change(() => sites.remove((request.params as SiteParams).siteId, actor(p)));
    return reply.code(204).send();
  });

  app.put('/api/v1/sites/:siteId/circuits', {
    schema: {
      tags, summary: 'Replace a site’s circuit tree (admins)',
      description: 'Each circuit has an id, a parent (absent or null: under the grid connection), limitKw and phaseLimitA (the fuse per phase). Refused (409 CIRCUIT_BUSY) when a deleted circuit holds a running session. With If-Match (the ETag of GET …/export), refused with 409 SITE_CHANGED when someone changed the site since; without it the tree replaces whatever is stored.',
      params: SiteParams, headers: IfMatch, body: CircuitsBody,
      response: { 200: ok(SiteDetail, 'the site as planned now'), ...changeErrors },
    },
  }, async (request) => {
    const p = admin(request);
    const { circuits } = request.body as CircuitsBody;
    return change(() => sites.setCircuits((request.params as SiteParams).siteId, circuits, actor(p), ifMatchOf(request)));
  });

  app.put('/api/v1/sites/:siteId/policy', {
    schema: {
      tags, summary: 'Replace a site’s policy (admins)',
      description: 'Fields left out take their defaults (docs/scheduler.md, Sites). With If-Match (the ETag of GET …/export), refused with 409 SITE_CHANGED when someone changed the site since.',
      params: SiteParams, headers: IfMatch, body: SitePolicy,
      response: { 200: ok(SiteDetail, 'the site as planned now'), ...changeErrors },
    },
  }, async (request) => {
    const p = admin(request);
    return change(() => sites.setPolicy((request.params as SiteParams).siteId, request.body as SitePolicy, actor(p), ifMatchOf(request)));
  });

  app.put('/api/v1/sites/:siteId/evses/:stationId/:evseId', {
    schema: {
      tags, summary: 'Place an EVSE on a site, or move it (admins)',
      description: 'Its circuit, phases (1 or 3), phase (a 1-phase EVSE: which phase of the circuit) and maxKw. An EVSE on another site moves here, both sites changing in one transaction; refused (409 EVSE_BUSY) while it has a running session.',
      params: EvseParams, body: EvseSpotBody,
      response: { 200: ok(SiteDetail, 'the site it is on now'), ...changeErrors },
    },
  }, async (request) => {
    const p = admin(request);
    const { siteId, stationId, evseId } = request.params as EvseParams;
    return change(() => sites.placeEvse(siteId, stationId, evseId, request.body as Static<typeof EvseSpotBody>, actor(p)));
  });

  app.delete('/api/v1/sites/:siteId/evses/:stationId/:evseId', {
    schema: {
      tags, summary: 'Take an EVSE off a site (admins)',
      description: 'Refused (409 EVSE_BUSY) while it has a running session.',
      params: EvseParams,
      response: { 200: ok(SiteDetail, 'the site without it'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const p = admin(request);
    const { siteId, stationId, evseId } = request.params as EvseParams;
    return change(() => sites.removeEvse(siteId, stationId, evseId, actor(p)));
  });

  app.get('/api/v1/sites/:siteId/export', {
    schema: {
      tags, summary: 'A site as JSON in the config file’s shape (admins)',
      description: 'Exactly as stored: the fields that were given, no defaults added. Paste it into `sites[]` of a config file, or POST it to another server.',
      params: SiteParams,
      response: { 200: ok(SiteConfig, 'the config entry'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    admin(request);
    const config = await change(() => sites.export((request.params as SiteParams).siteId));
    // The stored entry's version (the same hash the store compares): send it back as If-Match with a PUT.
    return reply.header('etag', `"${contentVersion(config)}"`).send(config);
  });
};
