/**
 * The reasons a real station refuses a SetChargingProfileRequest (K01). Pure: given what is installed and what
 * the station supports, the first broken rule or null.
 */
import type { ChargingProfileType } from './schedule.js';

export interface StoredProfile {
  evseId: number;
  profile: ChargingProfileType;
}

export interface StationCapabilities {
  evseIds: number[];
  /** SmartChargingCtrlr.RateUnit (ChargingScheduleChargingRateUnit). */
  rateUnits: ('A' | 'W')[];
  /** SmartChargingCtrlr.PeriodsPerSchedule. */
  periodsPerSchedule: number;
  /** SmartChargingCtrlr.ProfileStackLevel: the highest stackLevel accepted. */
  maxStackLevel: number;
  /** SmartChargingCtrlr.ACPhaseSwitchingSupported. */
  acPhaseSwitching: boolean;
}

export interface Rejection {
  reasonCode: string;
  additionalInfo: string;
}

export interface CheckContext {
  caps: StationCapabilities;
  installed: StoredProfile[];
  /** The transaction active on an EVSE, if any. */
  transactionOn(evseId: number): string | undefined;
}

const reject = (reasonCode: string, additionalInfo: string): Rejection => ({ reasonCode, additionalInfo });

/** The first rule the profile breaks, in the order a station checks them, or null if it can be installed. */
export function checkProfile(evseId: number, p: ChargingProfileType, ctx: CheckContext): Rejection | null {
  return checkTarget(evseId, p, ctx) ?? checkSchedule(p, ctx.caps) ?? checkDuplicates(evseId, p, ctx.installed);
}

function checkTarget(evseId: number, p: ChargingProfileType, ctx: CheckContext): Rejection | null {
  // K01.FR.28: an EVSE that does not exist.
  if (evseId !== 0 && !ctx.caps.evseIds.includes(evseId)) return reject('UnknownEVSE', `EVSE ${evseId} does not exist`);
  if (p.stackLevel > ctx.caps.maxStackLevel) return reject('InvalidStackLevel', `stackLevel above ProfileStackLevel ${ctx.caps.maxStackLevel}`);
  switch (p.chargingProfilePurpose) {
    // K01.FR.22: only an external system sets these, never the CSMS.
    case 'ChargingStationExternalConstraints':
      return reject('InvalidProfile', 'ChargingStationExternalConstraints cannot be set by the CSMS (K01.FR.22)');
    case 'ChargingStationMaxProfile':
      if (evseId !== 0) return reject('InvalidProfile', 'ChargingStationMaxProfile only on EVSE 0');
      // K01.FR.38
      if (p.chargingProfileKind === 'Relative') return reject('InvalidProfile', 'ChargingStationMaxProfile cannot be Relative (K01.FR.38)');
      return null;
    case 'TxProfile': {
      // K01.FR.16: only for a specific EVSE. K01.FR.09: only with a transaction on it. K01.FR.03/.33: for that transaction.
      if (evseId === 0) return reject('InvalidProfile', 'TxProfile needs an EVSE id above 0 (K01.FR.16)');
      const tx = ctx.transactionOn(evseId);
      if (tx === undefined) return reject('TxNotFound', `no transaction on EVSE ${evseId} (K01.FR.09)`);
      if (p.transactionId !== tx) return reject('TxNotFound', `transactionId ${p.transactionId ?? '(none)'} is not the one on EVSE ${evseId} (K01.FR.33)`);
      return null;
    }
    default:
      return null;
  }
}

function checkSchedule(p: ChargingProfileType, caps: StationCapabilities): Rejection | null {
  for (const s of p.chargingSchedule) {
    // K01.FR.26: a rate unit the station is not configured for.
    if (!caps.rateUnits.includes(s.chargingRateUnit)) return reject('UnsupportedRateUnit', `chargingRateUnit ${s.chargingRateUnit} is not supported (K01.FR.26)`);
    if (s.chargingSchedulePeriod.length > caps.periodsPerSchedule) {
      return reject('InvalidSchedule', `more than PeriodsPerSchedule = ${caps.periodsPerSchedule} periods`);
    }
    // K01.FR.40/.41: Absolute and Recurring need startSchedule, Relative must not have one.
    if ((p.chargingProfileKind === 'Relative') === (s.startSchedule !== undefined)) {
      return reject('InvalidSchedule', `startSchedule must ${p.chargingProfileKind === 'Relative' ? 'not ' : ''}be set for ${p.chargingProfileKind} (K01.FR.40/.41)`);
    }
    if (p.chargingProfileKind === 'Recurring' && p.recurrencyKind === undefined) return reject('InvalidSchedule', 'Recurring needs recurrencyKind');
    const periods = s.chargingSchedulePeriod;
    // K01.FR.31 first period at 0; K01.FR.35 increasing startPeriod.
    if (periods[0].startPeriod !== 0) return reject('InvalidSchedule', 'the first startPeriod must be 0 (K01.FR.31)');
    if (periods.some((q, i) => i > 0 && q.startPeriod <= periods[i - 1]!.startPeriod)) return reject('InvalidSchedule', 'startPeriod must increase (K01.FR.35)');
    // K01.FR.48: phaseToUse needs phase switching.
    if (!caps.acPhaseSwitching && periods.some((q) => q.phaseToUse !== undefined)) return reject('InvalidSchedule', 'phaseToUse without ACPhaseSwitchingSupported (K01.FR.48)');
  }
  return null;
}

/** Two validity windows overlap (open bounds are infinite). */
function overlaps(a: ChargingProfileType, b: ChargingProfileType): boolean {
  const from = (p: ChargingProfileType) => (p.validFrom ? Date.parse(p.validFrom) : -Infinity);
  const to = (p: ChargingProfileType) => (p.validTo ? Date.parse(p.validTo) : Infinity);
  return from(a) < to(b) && from(b) < to(a);
}

function checkDuplicates(evseId: number, p: ChargingProfileType, installed: StoredProfile[]): Rejection | null {
  const others = installed.filter((s) => s.profile.id !== p.id && s.profile.chargingProfilePurpose === p.chargingProfilePurpose && s.profile.stackLevel === p.stackLevel);
  const duplicate = (why: string) => reject('DuplicateProfile', why);
  if (p.chargingProfilePurpose === 'TxProfile') {
    // K01.FR.39: one TxProfile per stackLevel and transaction.
    return others.some((s) => s.profile.transactionId === p.transactionId) ? duplicate('same stackLevel and transactionId (K01.FR.39)') : null;
  }
  // K01.FR.06: one profile per stackLevel, purpose and EVSE with overlapping validity.
  if (others.some((s) => s.evseId === evseId && overlaps(s.profile, p))) return duplicate('same stackLevel, purpose and EVSE (K01.FR.06)');
  if (p.chargingProfilePurpose === 'TxDefaultProfile') {
    // K01.FR.52 (on EVSE 0 while an EVSE has one at this level) and K01.FR.53 (on an EVSE while EVSE 0 has one).
    if (evseId === 0 && others.some((s) => s.evseId !== 0)) return duplicate('a TxDefaultProfile at this stackLevel is on a specific EVSE (K01.FR.52)');
    if (evseId !== 0 && others.some((s) => s.evseId === 0)) return duplicate('a TxDefaultProfile at this stackLevel is on EVSE 0 (K01.FR.53)');
  }
  return null;
}
