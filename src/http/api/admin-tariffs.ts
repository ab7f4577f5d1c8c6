import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { PriceAdminError, type PriceAdminCode } from '../../domain/price-admin.js';
import { SiteChangeError } from '../../scheduler/index.js';
import { requireRole, type Principal } from '../auth/access.js';
import { actorOf } from '../auth/audit.js';
import { principalOf } from '../auth/plugin.js';
import { HttpError } from '../errors.js';
import type { ApiContext } from './context.js';
import { errors, ok } from './schema-kit.js';
import { SiteDetail, SiteParams } from './schemas.js';
import { bodyCheckedByHandler } from './validation.js';
import {
  ChooseTariffBody, DraftPreviewBody, PreviewQuery, TariffEntry, TariffList, TariffParams, TariffPreview,
} from './admin-tariffs-schemas.js';

/**
 * Tariffs from the browser (issue 16), admins only (403 AUTH_FORBIDDEN for everyone else):
 *
 *   GET    /api/v1/admin/tariffs                  every tariff (config's shape), the sites paying it, the price zones
 *   PUT    /api/v1/admin/tariffs/:name            create or replace one whole; the sites paying it re-plan
 *   DELETE /api/v1/admin/tariffs/:name            refused (409) while a site pays it
 *   GET    /api/v1/admin/tariffs/:name/preview    the next hours of effective prices (energy, grid fee, taxes, VAT)
 *   POST   /api/v1/admin/tariffs/preview          the same for a draft, before it is saved
 *   PUT    /api/v1/sites/:siteId/tariff           choose the tariff a site pays (a site edit: re-planned, logged)
 *
 * A tariff is checked whole (errors name the field, 422) and written in one statement: a refused edit changes nothing.
 * Each change is in the audit log.
 */
const ADMIN = ['admin'] as const;
const STATUS: Record<PriceAdminCode, number> = {
  TARIFF_INVALID: 422, TARIFF_UNKNOWN: 404, TARIFF_IN_USE: 409, SOURCE_INVALID: 422, SOURCE_UNKNOWN: 404, SOURCE_EXISTS: 409,
};
/** A tariff with its bands and validity periods is a few KiB; this leaves room for long band lists. */
export const TARIFF_BODY_LIMIT_BYTES = 256 * 1024;

export function admin(request: FastifyRequest): Principal {
  const p = principalOf(request);
  requireRole(p, ADMIN);
  return p;
}

/** A refused change in the API's words: status by code, the field named. */
export async function priceChange<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof PriceAdminError) throw new HttpError(STATUS[err.code], err.code, err.message, err.field);
    if (err instanceof SiteChangeError) throw new HttpError(err.code === 'SITE_UNKNOWN' ? 404 : err.code === 'SITE_INVALID' ? 422 : 409, err.code, err.message, err.field);
    throw err;
  }
}

export const adminTariffRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const port = ctx.deps.priceAdmin?.tariffs;
  if (!port) return;
  const tags = ['prices'];
  const tariff = Type.Unsafe<unknown>({ ...port.tariffSchema, description: 'a tariff in config `prices.tariffs` shape (docs/prices.md)' });
  const window = (q: { hours: number; slotMinutes: number; from?: string | undefined }) => ({
    hours: q.hours, slotMinutes: q.slotMinutes, ...(q.from !== undefined ? { from: Date.parse(q.from) } : {}),
  });

  app.get('/api/v1/admin/tariffs', {
    schema: { tags, summary: 'Every tariff, the sites paying it, and the price zones (admins)', response: { 200: ok(TariffList(tariff), 'the tariffs by name'), ...errors(401, 403) } },
  }, async (request) => {
    admin(request);
    return { tariffs: await port.list(), zones: port.zones() };
  });

  app.put('/api/v1/admin/tariffs/:name', {
    schema: {
      tags, summary: 'Create or replace a tariff whole (admins)',
      description: 'Energy from a market zone (with an optional markup) or a schedule of fixed / time-of-use prices; grid-fee bands, per-kWh taxes and VAT, each with optional validity dates. Checked whole: 422 TARIFF_INVALID names the field (bands that overlap, a zone that is not configured, a currency that is not the zone’s). The sites paying it re-plan.',
      params: TariffParams, body: tariff,
      response: { 200: ok(TariffEntry(tariff), 'replaced'), 201: ok(TariffEntry(tariff), 'created'), ...errors(400, 401, 403, 415, 422) },
    },
    bodyLimit: TARIFF_BODY_LIMIT_BYTES,
    validatorCompiler: bodyCheckedByHandler,
  }, async (request, reply) => {
    const p = admin(request);
    const { created, entry } = await priceChange(() => port.put((request.params as TariffParams).name, request.body, actorOf(p)));
    return reply.code(created ? 201 : 200).send(entry);
  });

  app.delete('/api/v1/admin/tariffs/:name', {
    schema: {
      tags, summary: 'Delete a tariff (admins)', description: '409 TARIFF_IN_USE, naming the sites, while a site pays it.',
      params: TariffParams, response: { 204: ok(Type.Null(), 'deleted'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const p = admin(request);
    await priceChange(() => port.remove((request.params as TariffParams).name, actorOf(p)));
    return reply.code(204).send();
  });

  app.get('/api/v1/admin/tariffs/:name/preview', {
    schema: {
      tags, summary: 'The next hours of a tariff’s effective prices (admins)',
      description: 'Per slot: energy, grid fee, taxes, VAT and the total per kWh, with the local start in the tariff’s zone (a 23- or 25-hour day has 23 or 25 local hours). `problem` says why slots are missing.',
      params: TariffParams, querystring: PreviewQuery,
      response: { 200: ok(TariffPreview, 'the preview'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    admin(request);
    return priceChange(() => port.preview((request.params as TariffParams).name, window(request.query as PreviewQuery)));
  });

  app.post('/api/v1/admin/tariffs/preview', {
    schema: {
      tags, summary: 'Preview a draft tariff before saving it (admins)',
      description: 'The body: `tariff` (checked as PUT checks it, 422 naming the field as `tariff.…`), optional hours, slotMinutes and from.',
      body: DraftPreviewBody(tariff),
      response: { 200: ok(TariffPreview, 'the preview'), ...errors(400, 401, 403, 415, 422) },
    },
    bodyLimit: TARIFF_BODY_LIMIT_BYTES,
    validatorCompiler: bodyCheckedByHandler,
  }, async (request) => {
    admin(request);
    const body = request.body as { tariff?: unknown; hours?: unknown; slotMinutes?: unknown; from?: unknown } | null;
    if (body === null || typeof body !== 'object') throw new HttpError(400, 'REQUEST_INVALID', 'the body must be a JSON object with `tariff`', 'tariff');
    const extra = Object.keys(body).find((k) => !['tariff', 'hours', 'slotMinutes', 'from'].includes(k));
    if (extra) throw new HttpError(400, 'REQUEST_INVALID', `${extra} is not a field here`, extra);
    const hours = body.hours ?? 48;
    if (typeof hours !== 'number' || !Number.isInteger(hours) || hours < 1 || hours > 96) throw new HttpError(400, 'REQUEST_INVALID', 'hours: a whole number from 1 to 96', 'hours');
    const slotMinutes = body.slotMinutes ?? 60;
    if (slotMinutes !== 15 && slotMinutes !== 30 && slotMinutes !== 60) throw new HttpError(400, 'REQUEST_INVALID', 'slotMinutes: 15, 30 or 60', 'slotMinutes');
    if (body.from !== undefined && (typeof body.from !== 'string' || Number.isNaN(Date.parse(body.from)))) throw new HttpError(400, 'REQUEST_INVALID', 'from: an ISO-8601 instant', 'from');
    try {
      return await port.preview({ draft: body.tariff }, window({ hours, slotMinutes, from: body.from as string | undefined }));
    } catch (err) {
      if (err instanceof PriceAdminError) throw new HttpError(STATUS[err.code], err.code, `tariff.${err.message}`, `tariff.${err.field}`);
      throw err;
    }
  });

  const sites = ctx.deps.siteAdmin;
  if (!sites) return;
  app.put('/api/v1/sites/:siteId/tariff', {
    schema: {
      tags: ['sites'], summary: 'Choose the tariff a site pays (admins)',
      description: 'A site edit like PUT /api/v1/sites/{siteId}: re-planned and in its decision log; also in the audit log. 422 SITE_INVALID (field tariff) for a tariff that does not exist.',
      params: SiteParams, body: ChooseTariffBody,
      response: { 200: ok(SiteDetail, 'the site as planned now'), ...errors(400, 401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const p = admin(request);
    const { siteId } = request.params as SiteParams;
    const { tariff: name } = request.body as ChooseTariffBody;
    return priceChange(async () => {
      const config = await sites.export(siteId);
      const who = `${p.kind === 'user' ? 'user' : 'API token'} "${p.name}"`;
      const site = await sites.replace(siteId, { ...config, tariff: name }, who);
      if (config.tariff !== name) await port.noteChoice(siteId, config.tariff, name, actorOf(p));
      return site;
    });
  });
};
