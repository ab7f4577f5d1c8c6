/**
 * Plans, the profiles that carry them to chargers, and the decision log. The scheduler writes these; the HTTP
 * issue reads them. Instants are epoch ms in memory and UTC ISO-8601 in storage and on the wire.
 */
import type { Phrase } from './phrases.js';

/** A limit from `startMs` until the next period starts (or the schedule ends). */
export interface PowerPeriod {
  startMs: number;
  limitKw: number;
}

/** What the scheduler asks the charger gateway to hold for one transaction. */
export interface TxProfileRequest {
  stationId: string;
  evseId: number;
  transactionId: string;
  /** Reused for every push to this transaction, so each one replaces the last (K01.FR.05, K01.FR.39). */
  profileId: number;
  stackLevel: number;
  /** Periods in increasing startMs; the first starts the schedule. Limits are the car's total power in kW. */
  periods: PowerPeriod[];
  /** When the schedule ends (after it, the station falls back to its TxDefaultProfile). */
  endMs: number;
  /** The phases the car draws (for numberPhases and A <-> W, K01.FR.50/.51). */
  phases: 1 | 3;
  lineVoltageV: number;
  /** The car's minimum power, sent as minChargingRate (K01.FR.21). */
  minKw?: number | undefined;
}

/** A safe flat limit on an EVSE for any transaction we have not planned (yet). */
export interface DefaultProfileRequest {
  stationId: string;
  evseId: number;
  profileId: number;
  stackLevel: number;
  limitKw: number;
  phases: 1 | 3;
  lineVoltageV: number;
  startMs: number;
}

/** How what the station says it will do (GetCompositeSchedule) compares with what we sent. */
export type CompositeCheck =
  | { status: 'matches' }
  /** Another limit (ChargingStationMaxProfile, external constraint) holds it lower: plan with the lower one. */
  | { status: 'lower'; detail: string; periods: PowerPeriod[] }
  /** Above what we sent: the station does not apply our profile. */
  | { status: 'higher'; detail: string; periods: PowerPeriod[] }
  | { status: 'unavailable'; detail: string };

export interface AppliedProfile {
  profileId: number;
  stackLevel: number;
  unit: 'W' | 'A';
  /** What was sent after merging equal neighbours and truncating to PeriodsPerSchedule, in kW. */
  periods: PowerPeriod[];
  /** The schedule's end as sent: earlier than requested when PeriodsPerSchedule cut it, so refresh before it. */
  coversUntilMs: number;
  /** 1, or 2 after one retry in the other unit or with fewer periods. */
  attempts: number;
  composite: CompositeCheck;
  /** The SetChargingProfileRequest payload as sent (schema-valid). */
  request: unknown;
}

export interface InstalledProfile {
  evseId: number;
  profileId: number;
  stackLevel: number;
  purpose: string;
  transactionId: string | null;
}

export type ChargerErrorCode = 'PROFILE_REJECTED' | 'STATION_OFFLINE' | 'OCPP_TIMEOUT' | 'OCPP_CALL_ERROR' | 'OCPP_INVALID_RESPONSE' | 'SMART_CHARGING_UNSUPPORTED';

/** A push that did not land (convention 7: a stable code and whether a retry can help). */
export class ChargerError extends Error {
  constructor(
    readonly code: ChargerErrorCode,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; request?: unknown; reasonCode?: string | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChargerError';
    this.request = options?.request;
    this.reasonCode = options?.reasonCode;
  }
  readonly request: unknown;
  /** The station's StatusInfo.reasonCode when it answered Rejected (e.g. TxNotFound), as it sent it. */
  readonly reasonCode: string | undefined;
}

/** The port the scheduler pushes through (implemented by src/ocpp/profiles). */
export interface ChargerGateway {
  /** Builds, sends and verifies one TxProfile; non-Accepted becomes a ChargerError (convention 6). */
  applyTxProfile(req: TxProfileRequest): Promise<AppliedProfile>;
  applyDefaultProfile(req: DefaultProfileRequest): Promise<AppliedProfile>;
  /** GetChargingProfiles + the ReportChargingProfiles that answer it (K09). */
  installedProfiles(stationId: string): Promise<InstalledProfile[]>;
}

/** How well a charger follows what we send, shown to people and used by the planner. */
export type ChargerCompliance = 'unknown' | 'follows' | 'limited' | 'rejects-profiles' | 'ignores-profiles' | 'unreachable';

export type DecisionKind =
  | 'plan.created'
  | 'plan.failed'
  | 'profile.pushed'
  | 'profile.accepted'
  | 'profile.rejected'
  | 'profile.failed'
  | 'profile.verified'
  | 'profile.limited'
  | 'profile.deviated'
  | 'profile.restored'
  | 'default-profile.installed'
  | 'station.ignores-profiles'
  | 'session.deviated'
  | 'boost.set'
  | 'boost.cleared'
  | 'boost.done'
  // Issue 16: a site created, edited or deleted through the admin API, or changed by the config import at start-up.
  | 'site.created'
  | 'site.changed'
  | 'site.deleted'
  | 'site.imported';

/** One line of a site's decision log: what the scheduler did and why, for people (issue 6 shows it). */
export interface DecisionRecord {
  id: number;
  siteId: string;
  at: string;
  kind: DecisionKind;
  stationId: string | null;
  evseId: number | null;
  transactionId: string | null;
  planId: number | null;
  message: string;
  details: unknown;
  /** The message as a message id and values for the pages' languages (absent or null: the English message only). */
  phrase?: Phrase | null;
}

/** Where a session's target came from, so people can see why the plan is what it is. */
export type TargetSource = 'vehicle-once' | 'vehicle-weekly' | 'charging-needs' | 'site-default';

/** One session's part of a site plan. */
export interface SessionPlan {
  stationId: string;
  evseId: number;
  transactionId: string;
  vehicleId: string | null;
  targetSource: TargetSource;
  /** How the charger follows our profiles; anything but follows/limited/unknown is planned as it really draws. */
  compliance: ChargerCompliance;
  /** Notes for people: how the target was read, why the car is planned as uncontrolled. */
  notes: string[];
  /** The notes as message ids and values for the pages' languages: notePhrases[i] is notes[i] (absent in plans stored before). */
  notePhrases?: Phrase[];
  departureMs: number;
  /** Energy still wanted at planning time. */
  requestedKwh: number;
  /** Energy delivered in the session when the plan was made (deviation is measured from here). */
  deliveredKwh: number;
  plannedKwh: number;
  shortfallKwh: number;
  /** Expected cost of the planned energy, in the tariff's currency. */
  cost: number;
  /** Planned power per slot: slots[i] starts at the plan's slotStarts[i]. */
  powerKw: number[];
  /** When the requested energy will be in (end of the last slot that delivers), or null if it never is. */
  readyAtMs: number | null;
  /** Expected state of charge at departure when capacity and SoC are known. */
  socAtDeparturePercent: number | null;
  /** The session's energy at departure as planned: delivered + what the plan gives before departure. */
  expectedEnergyAtDepartureKwh: number;
  /** Why the car will not get what it asked for (null when shortfallKwh is 0). */
  shortfallReason: ShortfallReason | null;
  /** The same for people, one line: "even alone at its full 11 kW the car gets 8.3 of 10 kWh before 07:00". */
  shortfallMessage: string | null;
  /** shortfallMessage as a message id and values (absent in plans stored before). */
  shortfallPhrase?: Phrase | null;
  /** A person's "charge now" in this plan (null: none): full power from now, ahead of price and other cars. */
  boost: PlannedBoost | null;
}

/**
 * Why a car falls short, decided from the problem the planner built (src/scheduler/shortfall.ts), first match:
 * - car-or-charger-power: even alone at full power (car, EVSE, a lower limit the charger holds) it cannot get it
 *   before departure (too little time is this too: the time is what it is);
 * - charger-unreachable: its charger cannot be reached and holds a profile that gives less;
 * - charger-ignores-profiles: a charger we cannot steer on its circuit or site takes the room it would need;
 * - site-limit: the site's or a circuit's limit, shared with the other cars, leaves too little.
 */
export type ShortfallReason = 'car-or-charger-power' | 'charger-unreachable' | 'charger-ignores-profiles' | 'site-limit';

export interface PlannedBoost {
  /** Energy the boost still wanted when the plan was made. */
  remainingKwh: number;
  /** The part of it this plan delivers, at full power from now (less only when the horizon is too short). */
  plannedKwh: number;
  /** The end of the last slot that delivers boost energy. */
  untilMs: number | null;
}

/** A vehicle's "charge now", as people see it (Scheduler.boost). */
export interface BoostRecord {
  vehicleId: string;
  siteId: string;
  stationId: string;
  evseId: number;
  transactionId: string;
  /** What was asked: this much more energy from setAt. */
  energyKwh: number;
  /** Delivered since it was set, and what is still missing. */
  deliveredKwh: number;
  remainingKwh: number;
  setAt: string;
}

/** One slot of a session's bill: measured energy times the effective price of the slot. */
export interface CostSlot {
  start: string;
  end: string;
  energyKwh: number;
  /** Effective price (energy + grid fee + taxes + VAT) per kWh; null when no price is known for the slot. */
  pricePerKwh: number | null;
  /** 'estimate' when the price service filled the slot by its documented rule (docs/prices.md). */
  priceKind: 'final' | 'estimate' | null;
  cost: number | null;
  /** What the same session would have drawn in this slot at full power from its start. */
  uncontrolledKwh: number;
}

/** A session's cost for people and fleet billing (Scheduler.sessionCosts; rules in docs/scheduler.md, Costs). */
export interface SessionCost {
  siteId: string;
  stationId: string;
  evseId: number;
  transactionId: string;
  vehicleId: string | null;
  /** The vehicle's fleet or household, else the site's. */
  fleet: string | null;
  startedAt: string;
  /** null while the session runs (its energy and cost are then up to the latest meter reading). */
  endedAt: string | null;
  energyKwh: number;
  /** The priced energy times its price; energy in slots without a price is in unpricedKwh, not in cost. */
  cost: number;
  currency: string;
  unpricedKwh: number;
  /** Energy priced with an estimate (the real price never arrived). */
  estimatedKwh: number;
  /** The power the uncontrolled comparison charges at (car and EVSE maximum, else the highest measured). */
  fullPowerKw: number;
  /** The same energy at full power from the session's start; null when some of either is unpriced. */
  uncontrolledCost: number | null;
  /** uncontrolledCost - cost; null when either is incomplete. */
  savings: number | null;
  /** Per slot (Scheduler.sessionCost only). */
  slots?: CostSlot[];
}

export interface PlanRecord {
  id: number;
  siteId: string;
  createdAt: string;
  /** What made this cycle run (coalesced). */
  triggers: string[];
  /** Slot boundaries in epoch ms: slot i is [slotStarts[i], slotStarts[i+1]); the first may be partial. */
  slotStarts: number[];
  endMs: number;
  status: 'optimal' | 'shortfall' | 'empty';
  currency: string;
  totalCost: number;
  /** The effective price per slot, total and parts, as planned on. */
  prices: unknown;
  /** Per-slot site limit (kW) as planned on. */
  siteLimitKw: number[];
  sessions: SessionPlan[];
  /** The solver problem exactly as solved: replaying it gives the same plan. */
  problem: unknown;
  solver: string;
  solveMs: number;
}

export interface PlanStore {
  save(plan: Omit<PlanRecord, 'id'>): Promise<number>;
  latest(siteId: string): Promise<PlanRecord | undefined>;
  get(id: number): Promise<PlanRecord | undefined>;
}

export type PushState = 'sending' | 'accepted' | 'rejected' | 'failed';

/** What we last pushed to one EVSE for one transaction: restored after a restart, re-pushed on reconnect. */
export interface PushedProfileRecord {
  stationId: string;
  evseId: number;
  transactionId: string;
  siteId: string;
  planId: number;
  profileId: number;
  stackLevel: number;
  unit: 'W' | 'A' | null;
  /** The limits we asked for (kW) and the end of the schedule as asked. */
  periods: PowerPeriod[];
  endMs: number;
  /** What the station accepted to hold until (PeriodsPerSchedule may cut it short). */
  coversUntilMs: number | null;
  state: PushState;
  detail: string | null;
  sentAt: string;
}

export interface ChargerStatusRecord {
  stationId: string;
  evseId: number;
  compliance: ChargerCompliance;
  detail: string | null;
  since: string;
}

export interface ProfileStore {
  /** The profile id for a key on a station (a transaction, or the EVSE's default), allocated once and kept. */
  profileId(stationId: string, key: string): Promise<number>;
  recordPush(push: PushedProfileRecord): Promise<void>;
  pushed(stationId: string, evseId: number, transactionId: string): Promise<PushedProfileRecord | undefined>;
  /** pushed for many sessions in one read (a planning cycle reads its site's at once): one record for each that has one. */
  pushedOf(sessions: readonly { stationId: string; evseId: number; transactionId: string }[]): Promise<PushedProfileRecord[]>;
  /** Every push whose transaction is still active, for restore after a restart. */
  activePushes(siteId: string): Promise<PushedProfileRecord[]>;
  setCompliance(status: ChargerStatusRecord): Promise<void>;
  compliance(stationId: string, evseId: number): Promise<ChargerStatusRecord | undefined>;
  /** The stored status of every EVSE of these stations, in one read (a planning cycle reads its site's at once). */
  complianceOf(stationIds: readonly string[]): Promise<ChargerStatusRecord[]>;
}

export interface DecisionStore {
  append(entry: Omit<DecisionRecord, 'id'>): Promise<DecisionRecord>;
  /** Newest first; `kinds` and `stationId`, when given, keep only those decisions (the fleet page's filters). */
  list(siteId: string, options?: DecisionListOptions): Promise<DecisionRecord[]>;
}

export interface DecisionListOptions {
  limit?: number;
  beforeId?: number;
  kinds?: readonly DecisionKind[];
  stationId?: string;
}

/** What the scheduler reports on the event bus (tests await these; issue 6 pushes them to open pages). */
export interface SchedulerEvents {
  'plan.created': { siteId: string; planId: number; triggers: string[] };
  /** A cycle finished pushing: every push it attempted with its outcome. */
  'plan.pushed': { siteId: string; planId: number; pushes: { stationId: string; evseId: number; transactionId: string; state: PushState; detail: string | null }[] };
  'decision': DecisionRecord;
  'charger.status': ChargerStatusRecord;
  /** A cycle failed; the loop retries with backoff. */
  'plan.failed': { siteId: string; code: string; message: string; retryAt: number };
}
