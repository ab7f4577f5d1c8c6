/**
 * The ChargerGateway the scheduler pushes plans through: build (./build.ts), send SetChargingProfile (K01),
 * retry once when rejected, then ask the station what it will really do (K08) and say how that compares.
 */
import {
  ChargerError, type AppliedProfile, type ChargerGateway, type CompositeCheck, type DefaultProfileRequest,
  type InstalledProfile, type TxProfileRequest,
} from '../../domain/plans.js';
import type { SmartChargingCapabilities } from '../../domain/stations.js';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { OcppCallError } from '../rpc/call-error.js';
import { buildDefaultProfile, buildTxProfile, type BuiltProfile } from './build.js';
import { compareComposite } from './composite.js';
import { chargerErrorFrom } from './errors.js';
import { profilesFor, type OnReported, type StationCall } from './installed.js';
import { alternativeUnit, chooseUnit } from './units.js';

export interface OcppChargerGatewayDeps {
  /** `OcppServer.call`, bound. */
  call: StationCall;
  /** The station's SmartChargingCtrlr capabilities as last read (device model + capabilitiesFrom). */
  capabilities: (stationId: string) => Promise<SmartChargingCapabilities>;
  /** Subscribes to the event bus (`TypedEvents.on`, bound); returns the unsubscribe. */
  on: OnReported;
  clock: Clock;
  logger: Logger;
  /** How long installedProfiles waits for the next ReportChargingProfiles; the call timeout is a good value. */
  reportTimeoutMs: number;
}

type StatusInfo = { reasonCode: string; additionalInfo?: string | undefined } | undefined;

const NOT_CHECKED: CompositeCheck = { status: 'unavailable', detail: 'not checked for default profiles' };

export class OcppChargerGateway implements ChargerGateway {
  /** K09.FR.01 ties reports to a request by requestId: a fresh one per request, different after a restart. */
  private nextRequestId: number;

  constructor(private readonly deps: OcppChargerGatewayDeps) {
    this.nextRequestId = Math.floor(deps.clock.now() / 1000) % 1_000_000_000;
  }

  async applyTxProfile(req: TxProfileRequest): Promise<AppliedProfile> {
    const caps = await this.deps.capabilities(req.stationId);
    const first = buildTxProfile(req, caps, { unit: chooseUnit(caps) });
    const { built, attempts } = await this.push(req.stationId, first, () => this.txRetry(req, caps, first));
    const composite = await this.verify(req, built);
    return applied(built, attempts, composite);
  }

  async applyDefaultProfile(req: DefaultProfileRequest): Promise<AppliedProfile> {
    const caps = await this.deps.capabilities(req.stationId);
    const first = buildDefaultProfile(req, caps, { unit: chooseUnit(caps) });
    const retry = () => {
      const unit = alternativeUnit(caps, first.unit);
      return unit ? buildDefaultProfile(req, caps, { unit }) : null;
    };
    const { built, attempts } = await this.push(req.stationId, first, retry);
    return applied(built, attempts, NOT_CHECKED);
  }

  /** TxProfiles and TxDefaultProfiles on every EVSE: one GetChargingProfiles per purpose (K09.FR.03). */
  async installedProfiles(stationId: string): Promise<InstalledProfile[]> {
    const out: InstalledProfile[] = [];
    for (const purpose of ['TxProfile', 'TxDefaultProfile'] as const) {
      out.push(...await profilesFor(this.deps, stationId, this.nextRequestId++, purpose));
    }
    return out;
  }

  /**
   * A rejected TxProfile is tried once more: in the other unit when the station might take it (K01.FR.26
   * rejects a unit it is not configured for), else with half the periods (a station that under-reports its
   * PeriodsPerSchedule). Nothing else is worth a second try.
   */
  private txRetry(req: TxProfileRequest, caps: SmartChargingCapabilities, first: BuiltProfile): BuiltProfile | null {
    const unit = alternativeUnit(caps, first.unit);
    if (unit) return buildTxProfile(req, caps, { unit });
    const sent = first.request.chargingProfile.chargingSchedule[0].chargingSchedulePeriod.length;
    return sent > 1 ? buildTxProfile(req, caps, { unit: first.unit, maxPeriods: Math.floor(sent / 2) }) : null;
  }

  /** Sends, and on a non-Accepted status sends the retry once; still not Accepted is PROFILE_REJECTED (convention 6). */
  private async push(stationId: string, first: BuiltProfile, retry: () => BuiltProfile | null): Promise<{ built: BuiltProfile; attempts: number }> {
    let built = first;
    for (let attempts = 1; ; attempts++) {
      const res = await this.deps.call(stationId, 'SetChargingProfile', built.request).catch((err: unknown) => {
        throw chargerErrorFrom(err, built.request);
      });
      if (res.status === 'Accepted') return { built, attempts };
      const next = attempts === 1 ? retry() : null;
      const why = `SetChargingProfile ${res.status}${reason(res.statusInfo)}`;
      this.deps.logger.warn({ station: stationId, unit: built.unit, attempts, retry: next !== null }, why);
      if (!next) {
        throw new ChargerError('PROFILE_REJECTED', `${stationId}: ${why} after ${attempts} attempt(s)`, false, { request: built.request, reasonCode: res.statusInfo?.reasonCode });
      }
      built = next;
    }
  }

  /** K08: the composite schedule from now until our schedule ends, in the unit we sent. Never throws. */
  private async verify(req: TxProfileRequest, built: BuiltProfile): Promise<CompositeCheck> {
    const now = this.deps.clock.now();
    const duration = Math.ceil((built.coversUntilMs - now) / 1000);
    if (duration <= 0) return { status: 'unavailable', detail: 'the schedule sent has already ended' };
    const schedule = built.request.chargingProfile.chargingSchedule[0];
    try {
      const res = await this.deps.call(req.stationId, 'GetCompositeSchedule', { evseId: req.evseId, duration, chargingRateUnit: built.unit });
      if (res.status !== 'Accepted' || !res.schedule) {
        return { status: 'unavailable', detail: `GetCompositeSchedule ${res.status}${reason(res.statusInfo)}` };
      }
      return compareComposite({
        startMs: Date.parse(schedule.startSchedule ?? ''),
        endMs: built.coversUntilMs,
        unit: built.unit,
        periods: schedule.chargingSchedulePeriod,
        phases: req.phases,
        lineVoltageV: req.lineVoltageV,
      }, res.schedule);
    } catch (err) {
      if (!(err instanceof OcppCallError)) throw err;
      return { status: 'unavailable', detail: `GetCompositeSchedule failed: ${err.kind}: ${err.message}` };
    }
  }
}

function applied(built: BuiltProfile, attempts: number, composite: CompositeCheck): AppliedProfile {
  return {
    profileId: built.request.chargingProfile.id,
    stackLevel: built.stackLevel,
    unit: built.unit,
    periods: built.periods,
    coversUntilMs: built.coversUntilMs,
    attempts,
    composite,
    request: built.request,
  };
}

function reason(info: StatusInfo): string {
  if (!info) return '';
  return ` (${info.reasonCode}${info.additionalInfo ? `: ${info.additionalInfo}` : ''})`;
}
