import type { ChargingMode } from './charging-modes.js';
import { Type, type Static } from '@sinclair/typebox';

/**
 * Vehicles and their departure targets. A target is wall-clock time in the time zone of the site where the car
 * charges (a van that sleeps at two depots keeps "weekdays 07:30"); the scheduler resolves it to a UTC instant
 * with luxon at planning time, so 23- and 25-hour days need nothing special here.
 */

const LocalDateTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T([01]\\d|2[0-3]):[0-5]\\d$',
  description: 'local date-time YYYY-MM-DDTHH:MM in the site’s time zone',
});
const LocalTime = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'local time HH:MM' });
const Weekday = Type.Union(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => Type.Literal(d)));
export type Weekday = Static<typeof Weekday>;

/**
 * At most this many id tokens per vehicle (issue 20): a car has a card or two and a contract id or a few, never a
 * list to try cards out with.
 */
export const ID_TOKENS_MAX = 16;

export const VehicleInput = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    fleet: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
    batteryKwh: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 1000 }), Type.Null()])),
    /** The on-board charger's limit on AC. */
    maxAcKw: Type.Number({ exclusiveMinimum: 0, maximum: 43 }),
    phases: Type.Union([Type.Literal(1), Type.Literal(3)]),
    /** Below this current the car stops or faults; null = the site's default (6 A). */
    minCurrentA: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 32 }), Type.Null()])),
    /** The id tokens (RFID uid, ISO 15118 contract id) that identify the car in Authorize / TransactionEvent. */
    idTokens: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { uniqueItems: true, maxItems: ID_TOKENS_MAX })),
  },
  { additionalProperties: false },
);
export type VehicleInput = Static<typeof VehicleInput>;

export interface Vehicle {
  id: string;
  name: string;
  fleet: string | null;
  batteryKwh: number | null;
  maxAcKw: number;
  phases: 1 | 3;
  minCurrentA: number | null;
  idTokens: string[];
}

/** "Need N kWh" or "reach S %" (S % needs the battery capacity and the current SoC: from the car or a person). */
const Amount = {
  energyKwh: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
  socPercent: Type.Optional(Type.Number({ minimum: 1, maximum: 100 })),
};

/** "Give me this much soon": an intermediate target within some minutes of plugging in or of setting it. */
export const MinimumNow = Type.Object(
  { energyKwh: Type.Number({ exclusiveMinimum: 0 }), withinMinutes: Type.Integer({ minimum: 15, maximum: 1440 }) },
  { additionalProperties: false },
);

export const OneOffTarget = Type.Object(
  {
    kind: Type.Literal('once'),
    departure: LocalDateTime,
    ...Amount,
    /** The SoC now, when a person knows it and the car does not report it. */
    currentSocPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    minimumNow: Type.Optional(MinimumNow),
  },
  { additionalProperties: false },
);
export type OneOffTarget = Static<typeof OneOffTarget>;

export const WeeklyTarget = Type.Object(
  {
    kind: Type.Literal('weekly'),
    days: Type.Array(Weekday, { minItems: 1, uniqueItems: true }),
    time: LocalTime,
    ...Amount,
    minimumNow: Type.Optional(MinimumNow),
  },
  { additionalProperties: false },
);
export type WeeklyTarget = Static<typeof WeeklyTarget>;

export const DepartureTarget = Type.Union([OneOffTarget, WeeklyTarget]);
export type DepartureTarget = Static<typeof DepartureTarget>;

export interface TargetRecord {
  vehicleId: string;
  /** A one-off target wins over the weekly rule until its departure has passed. */
  once: OneOffTarget | null;
  weekly: WeeklyTarget | null;
  /** The homeowner's charging mode (domain/charging-modes.ts; absent or null: smart). */
  mode?: ChargingMode | null;
  updatedAt: string;
}

export interface VehicleStore {
  upsert(vehicle: Vehicle, at: string): Promise<void>;
  get(id: string): Promise<Vehicle | undefined>;
  list(): Promise<Vehicle[]>;
  /**
   * The vehicles of these ids that exist, with their tokens, by id: read in steps of a few hundred with the event loop
   * turning between them (a bulk upload names a whole depot; one read of it all held every other request).
   */
  many(ids: readonly string[]): Promise<Map<string, Vehicle>>;
  byIdToken(idToken: string): Promise<Vehicle | undefined>;
}

export interface TargetStore {
  /** Sets the one-off or the weekly target of a vehicle (the other one is kept). */
  set(vehicleId: string, target: DepartureTarget, at: string): Promise<TargetRecord>;
  /** Sets many at once, all or none (a fleet's bulk upload must never be half applied). */
  setMany(entries: readonly { vehicleId: string; target: DepartureTarget }[], at: string): Promise<TargetRecord[]>;
  /** Removes the one-off target (the weekly rule, if any, applies again). */
  clearOnce(vehicleId: string, at: string): Promise<void>;
  get(vehicleId: string): Promise<TargetRecord | undefined>;
  /** The targets of many vehicles in one read (the fleet table: 1,000 vans, one query); one without targets is absent. */
  many(vehicleIds: readonly string[]): Promise<Map<string, TargetRecord>>;
}

/**
 * A number that rises with every write of vehicles, their tokens, targets or assignments made in this process (the
 * fleet table's cache compares it; a store without it is never cached). Writes by other processes are not counted.
 */
export interface ChangeRevision {
  revision(): number;
}

/** A fleet manager's "this van is on that charger" when no id token says so. */
export interface AssignmentStore {
  assign(vehicleId: string, stationId: string, evseId: number, at: string): Promise<void>;
  unassign(stationId: string, evseId: number, at: string): Promise<void>;
  onEvse(stationId: string, evseId: number): Promise<string | undefined>;
}

/**
 * A token names one car (issue 20, finding 3): a token that another vehicle holds is never taken over silently. The
 * message names the field, never the vehicle or fleet that holds it, so it reads the same whoever's car that is.
 */
export class IdTokenInUseError extends Error {
  override readonly name = 'IdTokenInUseError';
  readonly code = 'ID_TOKEN_IN_USE';
  readonly field: string;
  constructor(index: number) {
    super(`idTokens[${index}] is already in use by another vehicle: a token names one car`);
    this.field = `idTokens[${index}]`;
  }
}

/** Moving id tokens between cars, only on request and only from cars `mayTake` accepts (the caller's scope). */
export interface IdTokenTransfer {
  /**
   * Runs `write` (which stores the receiving vehicle, e.g. through the scheduler) in one transaction after taking
   * each of `tokens` from the vehicle that holds it; a holder `mayTake` refuses throws IdTokenInUseError and
   * nothing is changed. `write` is handed the vehicle store of that transaction and must store through it, and
   * reach the database through nothing else before it settles (SQLite's one connection is the transaction's).
   */
  transferring<T>(
    tokens: readonly string[], toVehicleId: string, mayTake: (holder: Vehicle) => boolean, write: (vehicles: VehicleStore) => Promise<T>,
  ): Promise<T>;
}
