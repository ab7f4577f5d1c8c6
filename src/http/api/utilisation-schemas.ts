import { Type, type Static } from '@sinclair/typebox';
import { Iso, Nullable, Words } from './schema-kit.js';

/** Utilisation's query and answer (issue 17); the figures' rules are in src/scheduler/utilisation.ts. */

const LocalDate = (what: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10, description: `${what}, a date YYYY-MM-DD on the site’s wall clock` });

export const UtilisationQuery = Type.Object({
  from: Type.Optional(LocalDate('first day of the period (default: 7 days before `to`)')),
  to: Type.Optional(LocalDate('the day after the last (default: tomorrow, so today is included); at most 367 days after `from`')),
}, { additionalProperties: false });
export type UtilisationQuery = Static<typeof UtilisationQuery>;

const Hours = (d: string) => Type.Number({ minimum: 0, description: `${d}, hours` });
const Share = (d: string) => Type.Number({ minimum: 0, maximum: 1, description: d });

/** The figures every level shares (EVSE, station, site). */
const shares = {
  pluggedH: Hours('a car plugged in (a transaction ran or a connector was Occupied)'),
  chargingH: Hours('plugged in with chargingState Charging'),
  idleH: Hours('plugged in, not charging'),
  availableH: Hours('station connected and not every connector Unavailable or Faulted'),
  outOfServiceH: Hours('every connector Unavailable or Faulted'),
  offlineH: Hours('station disconnected'),
  knownH: Hours('time whose connection state the log knows'),
  occupancy: Share('pluggedH over the period (times the EVSEs)'),
  chargingShare: Nullable(Share('chargingH over pluggedH; null if never plugged in')),
  availability: Nullable(Share('availableH over knownH; null if the connection was never known')),
  sessions: Type.Integer({ minimum: 0, description: 'sessions that started in the period' }),
  energyKwh: Type.Number({ description: 'energy delivered, a session’s spread over its time plugged in' }),
};

export const EvseUtilisationView = Type.Object({ stationId: Type.String(), evseId: Type.Integer(), ...shares });
export const StationUtilisationView = Type.Object({ stationId: Type.String(), evses: Type.Integer(), ...shares });

const Week = (d: string) => Type.Array(Type.Number(), { minItems: 168, maxItems: 168, description: `${d}, per hour of the week: index 0 is Monday 00:00-01:00 local, 167 Sunday 23:00-24:00` });

export const UtilisationView = Type.Object({
  siteId: Type.String(),
  timeZone: Type.String(),
  from: Type.String({ description: 'first local day' }),
  to: Type.String({ description: 'the local day after the last' }),
  start: Iso('the period’s start (from 00:00 local)'),
  end: Iso('the period’s end (to 00:00 local)'),
  measuredUntil: Iso('the end, or now if earlier: the future is not counted'),
  periodH: Hours('measured'),
  evses: Type.Integer({ minimum: 0 }),
  ...shares,
  allTakenH: Hours('every EVSE of the site taken at once (plugged in, out of service or offline)'),
  allTakenShare: Share('allTakenH over periodH'),
  foundNone: Type.Integer({ minimum: 0, description: 'Authorize requests (C01) while every EVSE was taken: drivers who found none (one who ends their own session sends none, E07.FR.01)' }),
  heat: Type.Object({
    hours: Week('hours measured'),
    pluggedH: Week('EVSE-hours plugged in'),
    allTakenH: Week('hours with every EVSE taken'),
  }),
  saturation: Type.Object({
    saturated: Type.Boolean({ description: 'all taken at least 5 % of the busiest window, or a driver found none' }),
    window: Nullable(Words(['weekday-evenings', 'weekday-mornings', 'weekday-daytime', 'nights', 'weekends'], 'the busiest window')),
    allTakenShare: Share('share of the busiest window with every EVSE taken'),
    sentence: Type.String({ description: 'the plain sentence shown on the page' }),
  }),
  stations: Type.Array(StationUtilisationView, { maxItems: 10_000 }),
  evseRows: Type.Array(EvseUtilisationView, { maxItems: 10_000 }),
});
export type UtilisationView = Static<typeof UtilisationView>;
