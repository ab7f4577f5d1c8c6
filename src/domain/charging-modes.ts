import { Type, type Static } from '@sinclair/typebox';

/**
 * A homeowner's charging mode (issue 18), beside the departure target. "Smart" (the plan) is the absence of a mode;
 * "now" is the boost (charge-now). The others become solver inputs (src/scheduler/charging-modes.ts):
 *
 * - paused: no energy before `until` (local YYYY-MM-DDTHH:MM in the site's zone); it ends by itself then.
 * - price-cap: no energy in a slot whose effective price (energy + grid fees + taxes) is above `maxPrice` per kWh.
 *   The cap is firm: when it leaves the target short, the car is short and the plan says by how much.
 * - minimum: this much energy in the session (or this battery level) as early as the car can take it, the rest of
 *   the target at the cheapest hours.
 */
const LocalDateTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T([01]\\d|2[0-3]):[0-5]\\d$',
  description: 'local date-time YYYY-MM-DDTHH:MM in the site’s time zone',
});

export const PausedMode = Type.Object(
  { kind: Type.Literal('paused'), until: LocalDateTime },
  { additionalProperties: false },
);
export const PriceCapMode = Type.Object(
  { kind: Type.Literal('price-cap'), maxPrice: Type.Number({ minimum: 0, maximum: 10, description: 'the highest effective price per kWh, in the site’s currency' }) },
  { additionalProperties: false },
);
export const MinimumMode = Type.Object(
  {
    kind: Type.Literal('minimum'),
    energyKwh: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 200, description: 'energy in this session' })),
    socPercent: Type.Optional(Type.Number({ minimum: 1, maximum: 100, description: 'battery level (needs the car’s SoC and battery size)' })),
  },
  { additionalProperties: false },
);
export const ChargingMode = Type.Union([PausedMode, PriceCapMode, MinimumMode]);
export type ChargingMode = Static<typeof ChargingMode>;

/** Stores the mode beside the vehicle's departure targets (null: smart). */
export interface ChargingModeStore {
  setMode(vehicleId: string, mode: ChargingMode | null, at: string): Promise<void>;
  /** Removes the weekly rule (the one-off target, if any, is kept). */
  clearWeekly(vehicleId: string, at: string): Promise<void>;
}
