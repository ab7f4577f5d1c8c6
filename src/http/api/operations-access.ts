/**
 * Who may operate a station, and the station's errors in the API's words (operations.ts, device-model.ts). The same
 * rule as the certificate renewal (station-certificates.ts): admins, and a fleet manager for a station whose every
 * EVSE is on a site of one of their fleets; a station outside the scope answers exactly like an unknown one (404
 * STATION_UNKNOWN, no oracle), decided from the configured sites before anything is read.
 */
import type { StationFrameStore } from '../../domain/station-frames.js';
import { ALL } from '../auth/roles.js';
import { groupsOf, requireRole, VEHICLE_WRITERS, type Principal } from '../auth/access.js';
import { HttpError } from '../errors.js';
import { OperationError, type OperationFailureCode, type StationOperations } from '../../domain/station-operations.js';
import type { DeviceModelStore, StationLogStore } from '../../domain/stations.js';
import type { ApiContext } from './context.js';

/** What the operations routes need (main.ts wires the OCPP server's operations and the device-model store). */
export interface ApiOperations {
  operations: StationOperations;
  deviceModel: Pick<DeviceModelStore, 'list'>;
  /** The station log, for the station page's last messages; absent: none shown. */
  stationLog?: Pick<StationLogStore, 'messages'> | undefined;
  /** Issue 16: every frame in and out, for the station page's message log; absent: the log is empty. */
  frames?: Pick<StationFrameStore, 'newest'> | undefined;
}

export const OPERATORS = VEHICLE_WRITERS;

const notFound = () => new HttpError(404, 'STATION_UNKNOWN', 'no station with this id that you may maintain', 'stationId');

/** Throws 403 without the role, 404 for a station outside the caller's sites or unknown (admins: after a read). */
export async function operableStation(ctx: ApiContext, p: Principal, stationId: string): Promise<void> {
  requireRole(p, OPERATORS);
  const groups = groupsOf(p, OPERATORS);
  if (groups !== ALL) {
    const sites = ctx.sitesOfStation(stationId);
    if (sites.length === 0 || !sites.every((s) => s.fleet !== null && groups.has(s.fleet))) throw notFound();
  }
  if (!(await ctx.deps.stores.stations.get(stationId))) throw notFound();
}

const STATUS: Record<OperationFailureCode, number> = {
  STATION_REFUSED: 409,
  STATION_OFFLINE: 409,
  OCPP_NOT_ALLOWED: 409,
  OCPP_INVALID_REQUEST: 400,
  OCPP_CALL_ERROR: 502,
  OCPP_INVALID_RESPONSE: 502,
  OCPP_TIMEOUT: 504,
};

/** Runs a call to the station; its OperationError becomes the shared error body with the station's own words. */
export async function stationCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof OperationError) throw new HttpError(STATUS[err.code], err.code, err.message);
    if (err instanceof RangeError) throw new HttpError(400, 'REQUEST_INVALID', err.message);
    throw err;
  }
}

/** A POST that takes no body: nothing, or an empty JSON object; anything else is named rather than ignored. */
export function noBody(body: unknown): void {
  if (body === undefined || body === null) return;
  if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return;
  throw new HttpError(400, 'REQUEST_INVALID', 'body: this request takes no body (or an empty object {})', 'body');
}
