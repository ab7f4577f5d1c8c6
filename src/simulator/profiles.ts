/**
 * The charging profiles installed in one simulated station and the limits they impose (K01, K08, K09, K10).
 * No I/O and no clock: every instant is passed in (milliseconds since the epoch).
 */
import type { ChargingProfileType } from './schedule.js';
import { changesBetween, periodAt, type PeriodLimit } from './schedule.js';
import { checkProfile, type Rejection, type StationCapabilities, type StoredProfile } from './profile-checks.js';
import type { CompositeScheduleType } from '../ocpp/schemas/generated/GetCompositeScheduleResponse.js';
import type { ChargingProfileCriterionType } from '../ocpp/schemas/generated/GetChargingProfilesRequest.js';
import type { ClearChargingProfileRequest } from '../ocpp/schemas/generated/ClearChargingProfileRequest.js';

export type { StoredProfile, StationCapabilities, Rejection };

export interface EvseHardware {
  id: number;
  /** What the EVSE, its cable and its breaker allow per phase: the local limit under every profile. */
  maxCurrentA: number;
  phases: number;
}

export interface ProfilesConfig extends Omit<StationCapabilities, 'evseIds'> {
  evses: EvseHardware[];
  /** K01.FR.50: the set (not measured) line voltage used to convert W and A. */
  lineVoltageV: number;
}

/** A limit in canonical form: amperes per phase on a number of phases. */
export interface Cap {
  amps: number;
  phases: number;
}

export type SetResult = { status: 'Accepted' } | ({ status: 'Rejected' } & Rejection);

type Purpose = ChargingProfileType['chargingProfilePurpose'];

/** How far ahead `nextChange` looks; beyond it the limit is treated as constant. */
const HORIZON_MS = 8 * 86_400_000;

export class ChargingProfiles {
  private installed: StoredProfile[] = [];
  private readonly transactions = new Map<number, { transactionId: string; startedAt: number }>();

  constructor(private readonly config: ProfilesConfig) {}

  get count(): number {
    return this.installed.length;
  }

  all(): StoredProfile[] {
    return [...this.installed];
  }

  /** A transaction began on an EVSE: TxProfiles for it may now be set; Relative schedules count from `at` (K01.FR.42). */
  startTransaction(evseId: number, transactionId: string, at: number): void {
    this.transactions.set(evseId, { transactionId, startedAt: at });
  }

  /** A TxProfile lasts for its transaction only (3.2 Charging profile purposes): it goes when the transaction ends. */
  endTransaction(evseId: number): void {
    const tx = this.transactions.get(evseId);
    this.transactions.delete(evseId);
    if (!tx) return;
    this.installed = this.installed.filter((s) => !(s.profile.chargingProfilePurpose === 'TxProfile' && s.profile.transactionId === tx.transactionId));
  }

  transactionOn(evseId: number): string | undefined {
    return this.transactions.get(evseId)?.transactionId;
  }

  /** K01: install, or say why not. K01.FR.05: a profile with a known id replaces that one. */
  set(evseId: number, profile: ChargingProfileType): SetResult {
    const rejection = checkProfile(evseId, profile, {
      caps: { ...this.config, evseIds: this.config.evses.map((e) => e.id) },
      installed: this.installed,
      transactionOn: (id) => this.transactionOn(id),
    });
    if (rejection) return { status: 'Rejected', ...rejection };
    this.installed = this.installed.filter((s) => s.profile.id !== profile.id);
    this.installed.push({ evseId, profile: structuredClone(profile) });
    return { status: 'Accepted' };
  }

  /**
   * The limit on an EVSE at an instant: the composite of its profiles under its hardware maximum (K08.FR.04).
   * `idleStart` is where Relative schedules start while no transaction runs (K08.FR.06).
   */
  limitAt(evseId: number, at: number, idleStart = at): Cap {
    const hw = this.hardware(evseId);
    const relativeStart = this.transactions.get(evseId)?.startedAt ?? idleStart;
    return this.combine([{ unit: 'A', limit: hw.maxCurrentA, numberPhases: hw.phases }, ...this.leading(evseId, at, relativeStart)]);
  }

  /** The ChargingStationMaxProfile's limit at an instant (shared by all EVSEs, 3.5), if one is in force. */
  stationMaxAt(at: number): Cap | undefined {
    const max = this.leadingOf('ChargingStationMaxProfile', this.installed.filter((s) => s.evseId === 0), at, at);
    return max ? this.combine([max]) : undefined;
  }

  /** The next instant after `after` at which any limit on the EVSE (or the station) may change; Infinity if none. */
  nextChange(evseId: number, after: number, idleStart = after): number {
    const relativeStart = this.transactions.get(evseId)?.startedAt ?? idleStart;
    const times = this.relevant(evseId).flatMap((s) => changesBetween(s.profile, after, after + HORIZON_MS, relativeStart));
    return times.length ? Math.min(...times) : Infinity;
  }

  /**
   * K08: the composite schedule from `start` for `durationS`. K08.FR.05 unknown EVSE and K08.FR.07 unsupported unit
   * are Rejected. K08.FR.06: without a transaction, Relative schedules run as if one started at `start`.
   * EVSE 0 (K08.FR.03): the sum of the EVSEs' limits under the station maximum.
   */
  compositeSchedule(evseId: number, start: number, durationS: number, unit?: 'A' | 'W'): CompositeScheduleType | Rejection {
    const rateUnit = unit ?? this.config.rateUnits[0] ?? 'A';
    if (!this.config.rateUnits.includes(rateUnit)) return { reasonCode: 'UnsupportedRateUnit', additionalInfo: `chargingRateUnit ${rateUnit} (K08.FR.07)` };
    if (evseId !== 0 && !this.config.evses.some((e) => e.id === evseId)) return { reasonCode: 'UnknownEVSE', additionalInfo: `EVSE ${evseId} (K08.FR.05)` };
    const end = start + durationS * 1000;
    const evses = evseId === 0 ? this.config.evses.map((e) => e.id) : [evseId];
    const times = new Set<number>([start]);
    for (const id of evses) for (let t = this.nextChange(id, start, start); t < end; t = this.nextChange(id, t, start)) times.add(t);
    const periods: CompositeScheduleType['chargingSchedulePeriod'][number][] = [];
    for (const t of [...times].sort((a, b) => a - b)) {
      const cap = evseId === 0 ? this.stationTotalAt(t, start) : this.limitAt(evseId, t, start);
      const limit = round1(rateUnit === 'A' ? cap.amps : cap.amps * this.config.lineVoltageV * cap.phases);
      const last = periods.at(-1);
      if (last && last.limit === limit && last.numberPhases === cap.phases) continue;
      periods.push({ startPeriod: Math.round((t - start) / 1000), limit, numberPhases: cap.phases });
    }
    return {
      evseId,
      duration: durationS,
      scheduleStart: new Date(start).toISOString(),
      chargingRateUnit: rateUnit,
      chargingSchedulePeriod: periods as CompositeScheduleType['chargingSchedulePeriod'],
    };
  }

  /**
   * K09: installed profiles matching the criteria. No evseId: all (K09.FR.06); 0: the station's own (K09.FR.05);
   * above 0: those installed on that EVSE (K09.FR.04). Every profile here was set by the CSMS, so its source is CSO.
   */
  report(evseId: number | undefined, c: ChargingProfileCriterionType): StoredProfile[] {
    return this.installed.filter((s) =>
      (evseId === undefined || s.evseId === evseId)
      && (c.chargingProfileId === undefined || c.chargingProfileId.includes(s.profile.id))
      && (c.chargingProfilePurpose === undefined || c.chargingProfilePurpose === s.profile.chargingProfilePurpose)
      && (c.stackLevel === undefined || c.stackLevel === s.profile.stackLevel)
      && (c.chargingLimitSource === undefined || c.chargingLimitSource.includes('CSO')));
  }

  /** K10: by id (K10.FR.03) or by the criteria as a logical AND (K10.FR.04); nothing matched is Unknown (K10.FR.01). */
  clear(req: ClearChargingProfileRequest): 'Accepted' | 'Unknown' {
    const c = req.chargingProfileCriteria;
    const matches = (s: StoredProfile) => req.chargingProfileId !== undefined
      ? s.profile.id === req.chargingProfileId
      : (c?.evseId === undefined || c.evseId === s.evseId)
        && (c?.chargingProfilePurpose === undefined || c.chargingProfilePurpose === s.profile.chargingProfilePurpose)
        && (c?.stackLevel === undefined || c.stackLevel === s.profile.stackLevel);
    const before = this.installed.length;
    this.installed = this.installed.filter((s) => !matches(s));
    return this.installed.length < before ? 'Accepted' : 'Unknown';
  }

  private hardware(evseId: number): EvseHardware {
    const hw = this.config.evses.find((e) => e.id === evseId);
    if (!hw) throw new Error(`EVSE ${evseId} does not exist`);
    return hw;
  }

  /** Profiles that can bear on an EVSE: its own, and EVSE 0's (K01.FR.14: "apply, but not copy"). */
  private relevant(evseId: number): StoredProfile[] {
    return this.installed.filter((s) => s.evseId === evseId || s.evseId === 0);
  }

  /**
   * The leading limit of each purpose (3.5): ChargingStationMaxProfile, and the TxProfile of the running
   * transaction, which overrules the TxDefaultProfile whenever it has a period in force.
   */
  private leading(evseId: number, at: number, relativeStart: number): PeriodLimit[] {
    const mine = this.relevant(evseId);
    const txId = this.transactionOn(evseId);
    const txProfiles = mine.filter((s) => s.evseId === evseId && s.profile.transactionId === txId && txId !== undefined);
    const out = [
      this.leadingOf('ChargingStationMaxProfile', mine, at, relativeStart),
      this.leadingOf('TxProfile', txProfiles, at, relativeStart) ?? this.leadingOf('TxDefaultProfile', mine, at, relativeStart, evseId),
    ];
    return out.filter((l): l is PeriodLimit => l !== undefined);
  }

  /**
   * K01.FR.17: among profiles of one purpose that have a period in force, the highest stackLevel wins. At equal
   * level an EVSE-specific TxDefaultProfile beats EVSE 0's (K01.FR.15; K01.FR.52/.53 keep that from being installed).
   */
  private leadingOf(purpose: Purpose, from: StoredProfile[], at: number, relativeStart: number, evseId = 0): PeriodLimit | undefined {
    let best: { level: number; specific: boolean; limit: PeriodLimit } | undefined;
    for (const s of from) {
      if (s.profile.chargingProfilePurpose !== purpose) continue;
      const limit = periodAt(s.profile, at, relativeStart);
      if (!limit) continue;
      const specific = s.evseId === evseId && evseId !== 0;
      if (!best || s.profile.stackLevel > best.level || (s.profile.stackLevel === best.level && specific && !best.specific)) {
        best = { level: s.profile.stackLevel, specific, limit };
      }
    }
    return best?.limit;
  }

  /** The lowest of several limits (3.5), in amperes per phase on the fewest phases any of them allows. */
  private combine(limits: PeriodLimit[]): Cap {
    const phases = Math.min(...limits.map((l) => l.numberPhases));
    // K01.FR.51: A is per phase; K01.FR.50: W becomes A per phase through the line voltage and the phases in use.
    const amps = Math.min(...limits.map((l) => (l.unit === 'A' ? l.limit : l.limit / (this.config.lineVoltageV * phases))));
    return { amps: Math.max(0, amps), phases };
  }

  /** K08.FR.03: what the whole station may take: the sum over its EVSEs, under the station maximum. */
  private stationTotalAt(at: number, idleStart: number): Cap {
    const caps = this.config.evses.map((e) => this.limitAt(e.id, at, idleStart));
    const phases = Math.max(...caps.map((c) => c.phases));
    const amps = caps.reduce((sum, c) => sum + c.amps, 0);
    const max = this.stationMaxAt(at);
    return { amps: max ? Math.min(amps, max.amps) : amps, phases };
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
