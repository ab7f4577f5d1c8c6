import { Type, type Static } from '@sinclair/typebox';
import { ChargingMode } from '../../domain/charging-modes.js';
import { Month } from './schemas.js';

/** The homeowner routes' bodies and answers (issue 18): charging modes, session history, the session so far. */

export const SmartMode = Type.Object({ kind: Type.Literal('smart') }, { additionalProperties: false });
export const ModeBody = Type.Union([SmartMode, ChargingMode], { description: 'smart (the plan), paused until a local time, a price cap, or a minimum at once' });
export type ModeBody = Static<typeof ModeBody>;

export const ModeView = Type.Object({
  vehicleId: Type.String(),
  /** null: smart. */
  mode: Type.Union([ChargingMode, Type.Null()]),
  /** False for a pause whose time has passed: the plan is smart again. */
  inForce: Type.Boolean(),
});
export type ModeView = Static<typeof ModeView>;

const Money = Type.Union([Type.Number(), Type.Null()]);

export const HistorySession = Type.Object({
  siteId: Type.String(),
  stationId: Type.String(),
  evseId: Type.Integer(),
  transactionId: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  energyKwh: Type.Number(),
  cost: Type.Number(),
  savings: Money,
  uncontrolledCost: Money,
  /** cost / priced energy; null when none of it was priced. */
  pricePerKwh: Money,
  unpricedKwh: Type.Number(),
  /** The plan whose profile the charger last received in this session; null when none was sent. */
  planId: Type.Union([Type.Integer(), Type.Null()]),
});
export type HistorySession = Static<typeof HistorySession>;

export const HistoryTotals = Type.Object({
  sessions: Type.Integer(),
  energyKwh: Type.Number(),
  cost: Type.Number(),
  savings: Type.Number(),
  pricePerKwh: Money,
  /** Sessions left out of the saving (some energy unpriced). */
  notCompared: Type.Integer(),
});
export type HistoryTotals = Static<typeof HistoryTotals>;

export const HistoryView = Type.Object({
  vehicleId: Type.String(),
  month: Month,
  timeZone: Type.String(),
  currency: Type.Union([Type.String(), Type.Null()]),
  totals: HistoryTotals,
  /** Newest first, at most 200 (a month of a car). */
  sessions: Type.Array(HistorySession, { maxItems: 200 }),
});
export type HistoryView = Static<typeof HistoryView>;

export const HistoryQuery = Type.Object({ month: Type.Optional(Month) }, { additionalProperties: false });
export type HistoryQuery = Static<typeof HistoryQuery>;

export const NowView = Type.Object({
  vehicleId: Type.String(),
  currency: Type.Union([Type.String(), Type.Null()]),
  /** The running session up to its latest reading; null when the car is not plugged in. */
  current: Type.Union([HistorySession, Type.Null()]),
  /** The latest finished session (last 62 days); null when none. */
  last: Type.Union([HistorySession, Type.Null()]),
  /** The battery as the car last reported it in the running session (MeterValues SoC); null when it does not. */
  battery: Type.Union([Type.Object({
    socPercent: Type.Number(),
    at: Type.String({ format: 'date-time' }),
    /** batteryKwh x SoC / consumption; null without the battery size. */
    rangeKm: Type.Union([Type.Number(), Type.Null()]),
    consumptionKwhPer100Km: Type.Number(),
  }), Type.Null()]),
});
export type NowView = Static<typeof NowView>;
