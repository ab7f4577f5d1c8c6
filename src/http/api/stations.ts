import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { principalOf } from '../auth/plugin.js';
import type { ApiContext } from './context.js';
import { errors, SiteParams, StationView, type EvseView, ok } from './schemas.js';
import { CERTIFICATE_RENEW_BEFORE_MS } from '../../domain/stations.js';
import { ErrorRef } from './schema-kit.js';
import { StationParams } from './schemas.js';
import { StationDetailView } from './operations-schemas.js';
import { operableStation } from './operations-access.js';
import { FrameList, FramesQuery } from './station-frames-schemas.js';
import { FRAMES_KEPT_PER_STATION } from '../../domain/station-frames.js';

/** The station page shows this many of the station's newest messages. */
const PAGE_MESSAGES = 100;

/**
 * GET /api/v1/sites/:siteId/stations: every station of the site with its EVSEs' live status, how each follows our
 * profiles (compliance: "ignores-profiles" is what the dashboard warns about), and the session on it; its security
 * profile and, for profile 3, when its certificate expires.
 */
export const stationRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/api/v1/sites/:siteId/stations', {
    schema: {
      tags: ['stations'],
      summary: 'Stations and EVSEs of a site with live status and profile compliance',
      params: SiteParams,
      response: { 200: ok(Type.Array(StationView), 'the site’s stations'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const site = ctx.site(principalOf(request), (request.params as SiteParams).siteId);
    const { stores, stations, scheduler } = ctx.deps;
    const stationIds = [...new Set(site.evses.map((e) => e.stationId))];
    // The site's sessions, their power and the chargers' compliance in one read each, whatever the site's size.
    const [plan, active, statuses] = await Promise.all([
      scheduler.latestPlan(site.id),
      stores.transactions.activeOnEvses(site.evses),
      stores.profiles.complianceOf(stationIds),
    ]);
    const txOf = new Map(active.map((a) => [`${a.stationId}#${a.evseId}`, a.transaction]));
    const powerOf = new Map((await stores.meterValues.latestOf(active.map((a) => a.transaction), 'Power.Active.Import'))
      .map((p) => [`${p.stationId}#${p.transactionId}`, p]));
    const statusOfEvse = new Map(statuses.map((s) => [`${s.stationId}#${s.evseId}`, s]));
    const connectors = new Map<string, Promise<Map<number, string[]>>>();
    const views = await Promise.all(site.evses.map(async (e): Promise<[string, EvseView]> => {
      const tx = txOf.get(`${e.stationId}#${e.evseId}`);
      const [status, vehicleId] = await Promise.all([
        ctx.evseStatus(e.stationId, e.evseId, tx, connectors),
        tx ? ctx.vehicleOn(e.stationId, e.evseId, tx, plan) : null,
      ]);
      const power = tx ? powerOf.get(`${e.stationId}#${tx.transactionId}`) : undefined;
      const stored = statusOfEvse.get(`${e.stationId}#${e.evseId}`);
      return [e.stationId, {
        evseId: e.evseId,
        circuit: e.circuit,
        maxKw: e.maxKw,
        status,
        // Scheduler.compliance's rule, on the status read above: unreachable while offline, else what was stored.
        compliance: stations.isConnected(e.stationId) ? stored?.compliance ?? 'unknown' : 'unreachable',
        complianceDetail: stored?.detail ?? null,
        transactionId: tx?.transactionId ?? null,
        vehicleId,
        powerKw: power ? (power.unit === 'kW' ? power.value : power.value / 1000) : null,
        energyKwh: tx && tx.energyWh !== null && tx.meterStartWh !== null ? Math.max(0, (tx.energyWh - tx.meterStartWh) / 1000) : null,
      }];
    }));
    const byStation = new Map<string, EvseView[]>();
    for (const [stationId, view] of views) byStation.set(stationId, [...(byStation.get(stationId) ?? []), view]);
    const now = ctx.now();
    return Promise.all([...byStation].map(async ([stationId, evses]) => {
      const stored = await stores.stations.get(stationId);
      const cert = stored?.clientCertificate ?? null;
      return {
        stationId,
        online: stations.isConnected(stationId),
        lastSeenAt: stored?.lastSeenAt ?? null,
        securityProfile: stored?.securityProfile ?? null,
        // A03.FR.02: a station renews a month ahead; one that has not is flagged for the operator.
        certificate: cert && { serial: cert.serial, subject: cert.subject, notAfter: cert.notAfter, expiresSoon: Date.parse(cert.notAfter) - now < CERTIFICATE_RENEW_BEFORE_MS },
        evses,
      };
    }));
  });

  /**
   * GET /api/v1/stations/:stationId: one station for the people who maintain it (issue 17, the station page):
   * connection, last boot, EVSEs and connectors, smart-charging capabilities, its newest messages.
   */
  app.get('/api/v1/stations/:stationId', {
    schema: {
      tags: ['stations'],
      summary: 'One station: connection, boot, EVSEs and connectors, capabilities, newest messages',
      description: 'Admins; fleet managers for stations whose EVSEs are all on their fleets’ sites.',
      params: StationParams,
      response: { 200: ok(StationDetailView, 'the station'), ...errors(400, 401, 403), 404: ErrorRef('no such station, or one outside the caller’s scope (STATION_UNKNOWN)') },
    },
  }, async (request) => {
    const { stationId } = request.params as StationParams;
    await operableStation(ctx, principalOf(request), stationId);
    const { stores, stations } = ctx.deps;
    const ops = ctx.deps.operations;
    const [station, evses, active, capabilities, messages] = await Promise.all([
      stores.stations.get(stationId),
      stores.evses.evses(stationId),
      stores.transactions.activeOnEvses(ctx.sitesOfStation(stationId).flatMap((s) => s.evses.filter((e) => e.stationId === stationId))),
      ops ? ops.deviceModel.list(stationId, 'SmartChargingCtrlr') : [],
      ops?.stationLog ? ops.stationLog.messages(stationId) : [],
    ]);
    const s = station!;
    const txOf = new Map(active.map((a) => [a.evseId, a.transaction.transactionId]));
    return {
      stationId,
      online: stations.isConnected(stationId),
      node: stations.holderOf?.(stationId) ?? null,
      vendorName: s.vendorName, model: s.model, serialNumber: s.serialNumber, firmwareVersion: s.firmwareVersion,
      securityProfile: s.securityProfile,
      lastBootAt: s.lastBootAt, lastBootStatus: s.lastBootStatus, lastSeenAt: s.lastSeenAt,
      lastConnectedAt: s.lastConnectedAt, lastDisconnectedAt: s.lastDisconnectedAt,
      sites: ctx.sitesOfStation(stationId).map((site) => site.id),
      evses: evses.map((e) => ({
        evseId: e.evseId,
        transactionId: txOf.get(e.evseId) ?? e.currentTransactionId,
        connectors: e.connectors.map((c) => ({ connectorId: c.connectorId, status: c.status, statusAt: c.statusAt })),
      })),
      capabilities: capabilities.filter((v) => (v.attributeType ?? 'Actual') === 'Actual').map((v) => ({ variable: v.variableInstance ? `${v.variable}[${v.variableInstance}]` : v.variable, value: v.value })),
      messages: messages.slice(-PAGE_MESSAGES).reverse().map((m) => ({ action: m.action, receivedAt: m.receivedAt, payload: m.payload, cutBytes: m.cut?.bytes ?? null })),
    };
  });

  /**
   * GET /api/v1/stations/:stationId/frames: the station page's message log (issue 16), the newest OCPP-J frames in
   * both directions as the RPC layer kept them (src/ocpp/frame-log.ts), redacted and cut. Same scope as the station.
   */
  app.get('/api/v1/stations/:stationId/frames', {
    schema: {
      tags: ['stations'],
      summary: 'The station’s newest OCPP messages in both directions (at most 100), newest first',
      description: 'Every CALL, CALLRESULT and CALLERROR the station sent or was sent, kept per station (the newest 100, across restarts and nodes). Payloads are cut to 2,048 characters; BasicAuthPassword values and any password, private key or secret field are shown as "[redacted]". Admins; fleet managers for stations whose EVSEs are all on their fleets’ sites.',
      params: StationParams,
      querystring: FramesQuery,
      response: { 200: ok(FrameList, 'newest first'), ...errors(400, 401, 403), 404: ErrorRef('no such station, or one outside the caller’s scope (STATION_UNKNOWN)') },
    },
  }, async (request) => {
    const { stationId } = request.params as StationParams;
    await operableStation(ctx, principalOf(request), stationId);
    const limit = (request.query as FramesQuery).limit ?? FRAMES_KEPT_PER_STATION;
    const frames = await ctx.deps.operations?.frames?.newest(stationId, limit) ?? [];
    return {
      stationId,
      frames: frames.map((f) => ({
        direction: f.direction, at: f.at, type: f.type, messageId: f.messageId, action: f.action,
        payload: f.payload, payloadChars: f.payloadChars, cut: f.payloadChars > f.payload.length,
      })),
    };
  });
};
