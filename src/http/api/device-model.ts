/**
 * A station's device model (issue 17, docs/operations.md), for admins and the fleet managers of its sites:
 *
 *   POST /api/v1/stations/:stationId/device-model/report      GetBaseReport (B07); the NotifyReports are stored as they come
 *   GET  /api/v1/stations/:stationId/device-model             the stored components and variables, a page at a time
 *   POST /api/v1/stations/:stationId/device-model/variables   SetVariables (B05) with the station's result per variable
 */
import type { FastifyPluginAsync } from 'fastify';
import { principalOf } from '../auth/plugin.js';
import type { DeviceVariable } from '../../domain/stations.js';
import type { ApiContext } from './context.js';
import { errors, ok, StationParams } from './schemas.js';
import { ErrorRef } from './schema-kit.js';
import { operableStation, stationCall } from './operations-access.js';
import { knownVariable } from './device-model-labels.js';
import {
  DeviceModelQuery, DeviceModelView, ReportBody, ReportView, SetVariablesBody, SetVariablesView, stationCallErrors,
} from './operations-schemas.js';

const unknown = { 404: ErrorRef('no such station, or one outside the caller’s scope (STATION_UNKNOWN)') };

const view = (v: DeviceVariable) => {
  const known = knownVariable(v.component, v.variable);
  return {
    component: v.component,
    componentInstance: v.componentInstance ?? null,
    evseId: v.evseId ?? null,
    connectorId: v.connectorId ?? null,
    variable: v.variable,
    variableInstance: v.variableInstance ?? null,
    attributeType: v.attributeType ?? 'Actual',
    value: v.value,
    mutability: v.mutability ?? null,
    dataType: v.dataType ?? null,
    unit: v.unit ?? known?.unit ?? null,
    label: known?.label ?? null,
    writable: v.mutability === 'ReadWrite' || v.mutability === 'WriteOnly',
  };
};

export const deviceModelRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const deps = ctx.deps.operations;
  if (!deps) return;

  app.post('/api/v1/stations/:stationId/device-model/report', {
    bodyLimit: 1024,
    schema: {
      tags: ['operations'],
      summary: 'Ask the station for its device model (GetBaseReport, B07)',
      description: 'The station answers now; its NotifyReport messages follow and are stored as they arrive (read them with GET …/device-model). FullInventory: every variable; ConfigurationInventory: those that can be set. 409 STATION_REFUSED for NotSupported, Rejected or EmptyResultSet.',
      params: StationParams,
      body: ReportBody,
      response: { 200: ok(ReportView, 'the station’s answer and the requestId of its report'), ...errors(400, 401, 403), ...unknown, ...stationCallErrors },
    },
  }, async (request) => {
    const { stationId } = request.params as StationParams;
    await operableStation(ctx, principalOf(request), stationId);
    return stationCall(() => deps.operations.getBaseReport(stationId, (request.body as ReportBody).reportBase));
  });

  app.get('/api/v1/stations/:stationId/device-model', {
    schema: {
      tags: ['operations'],
      summary: 'The station’s stored device model: components, variables, attributes, mutability',
      description: 'Ordered by component and variable; a page of `limit` rows from `offset`. Known variables carry a label and a unit.',
      params: StationParams,
      querystring: DeviceModelQuery,
      response: { 200: ok(DeviceModelView, 'a page of the device model'), ...errors(400, 401, 403), ...unknown },
    },
  }, async (request) => {
    const { stationId } = request.params as StationParams;
    await operableStation(ctx, principalOf(request), stationId);
    const q = request.query as DeviceModelQuery;
    const all = await deps.deviceModel.list(stationId, q.component);
    const offset = q.offset ?? 0;
    return { stationId, total: all.length, offset, variables: all.slice(offset, offset + (q.limit ?? 500)).map(view) };
  });

  app.post('/api/v1/stations/:stationId/device-model/variables', {
    bodyLimit: 128 * 1024,
    schema: {
      tags: ['operations'],
      summary: 'Set variables (SetVariables, B05): the station’s result per variable',
      description: 'Each result is Accepted, Rejected, RebootRequired (set, effective after a reboot), UnknownComponent, UnknownVariable or NotSupportedAttributeType; what the station took is stored as the variable’s value. At most 50 variables per request.',
      params: StationParams,
      body: SetVariablesBody,
      response: { 200: ok(SetVariablesView, 'one result per variable, in the order sent'), ...errors(400, 401, 403), ...unknown, ...stationCallErrors },
    },
  }, async (request) => {
    const { stationId } = request.params as StationParams;
    await operableStation(ctx, principalOf(request), stationId);
    const results = await stationCall(() => deps.operations.setVariables(stationId, (request.body as SetVariablesBody).variables));
    return { stationId, results, at: new Date(ctx.now()).toISOString() };
  });
};
