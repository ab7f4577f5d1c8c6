/**
 * A scripted station for the scheduler's end-to-end tests: real OCPP over a real WebSocket, with the state a
 * charger keeps about charging profiles (installed by id, replaced by id, TxProfiles dropped at transaction end)
 * so that GetChargingProfiles and GetCompositeSchedule answer from what it really holds. Quirks are options.
 */
import { ScriptedStation, smartChargingVariables } from './scripted-station.js';
import type { TestServer } from './test-server.js';
import type { RequestOf, ResponseOf } from '../../src/ocpp/schemas/generated/index.js';

type Profile = RequestOf<'SetChargingProfile'>['chargingProfile'];
type Period = Profile['chargingSchedule'][0]['chargingSchedulePeriod'][0];

export interface PlanningStationOptions {
  id: string;
  password?: string;
  evses?: number;
  variables?: Record<string, string>;
  /** Answer Rejected to every TxProfile. */
  rejectProfiles?: boolean;
  /** Answer Accepted, store it, but report (and draw) this flat limit in W instead. */
  ignoreProfilesW?: number;
  /**
   * Keep time in whole seconds, as real chargers do (issue 21, an independent OCPP 2.0.1 station): the composite
   * schedule starts at the whole second of now, a profile that starts within a second applies from the next whole
   * second, and before it the station's no-profile maximum (`maxW`) holds.
   */
  truncateTimes?: boolean;
  /** The station's own maximum when no profile limits it (default 11,000 W). */
  maxW?: number;
  /** Report the composite schedule in A whatever unit was asked, converted per phase and rounded to the nearest 0.1 A. */
  compositeInA?: boolean;
}

export class PlanningStation {
  readonly installed = new Map<number, { evseId: number; profile: Profile }>();
  /** Every SetChargingProfile with the server clock's time when it arrived (not wall time). */
  readonly arrivals: { atMs: number; request: RequestOf<'SetChargingProfile'> }[] = [];
  private seq = 0;
  private meterWh = new Map<string, number>();

  private constructor(readonly cs: ScriptedStation, readonly server: TestServer, readonly o: PlanningStationOptions) {}

  static async connect(server: TestServer, o: PlanningStationOptions, register = true): Promise<PlanningStation> {
    const password = o.password ?? 'station-password-123';
    if (register) await server.addStation(o.id, password);
    // The server records the connection (a store write) before it announces it: a station that reconnects without
    // booting is only known online once 'station.connected' fired, and settle() cannot wait for what has not started.
    const announced = server.running.events.once('station.connected', (e) => e.stationId === o.id);
    const cs = await ScriptedStation.connect(server.wsUrl, { id: o.id, password });
    await announced;
    const st = new PlanningStation(cs, server, o);
    st.answer();
    return st;
  }

  get now(): string {
    return new Date(this.server.clock.now()).toISOString();
  }

  async boot(): Promise<void> {
    const caps = this.server.running.events.once('station.capabilities', (e) => e.stationId === this.o.id);
    await this.cs.boot(Array.from({ length: this.o.evses ?? 1 }, (_, i) => ({ evseId: i + 1, connectors: 1 })), this.now);
    await caps;
  }

  /** Every SetChargingProfile received, in order. */
  sent(purpose: string = 'TxProfile'): RequestOf<'SetChargingProfile'>[] {
    return this.cs.calls
      .filter((c) => c.action === 'SetChargingProfile')
      .map((c) => c.payload as RequestOf<'SetChargingProfile'>)
      .filter((p) => p.chargingProfile.chargingProfilePurpose === purpose);
  }

  txProfile(evseId: number): Profile | undefined {
    return [...this.installed.values()].find((p) => p.evseId === evseId && p.profile.chargingProfilePurpose === 'TxProfile')?.profile;
  }

  async startTransaction(evseId: number, transactionId: string, idToken: string | null, meterWh = 0): Promise<void> {
    this.meterWh.set(transactionId, meterWh);
    await this.cs.call('TransactionEvent', {
      eventType: 'Started', timestamp: this.now, triggerReason: 'Authorized', seqNo: this.seq++,
      transactionInfo: { transactionId, chargingState: 'Charging' }, evse: { id: evseId, connectorId: 1 },
      ...(idToken ? { idToken: { idToken, type: 'ISO14443' } } : {}),
      meterValue: [{ timestamp: this.now, sampledValue: [{ value: meterWh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }],
    });
  }

  /** An Updated event with the energy register advanced by `addWh` and the given power (and chargingState, Charging by default). */
  async meter(evseId: number, transactionId: string, addWh: number, powerW: number, soc?: number, chargingState: 'Charging' | 'SuspendedEV' | 'SuspendedEVSE' | 'EVConnected' = 'Charging'): Promise<void> {
    const wh = (this.meterWh.get(transactionId) ?? 0) + addWh;
    this.meterWh.set(transactionId, wh);
    await this.cs.call('TransactionEvent', {
      eventType: 'Updated', timestamp: this.now, triggerReason: 'MeterValuePeriodic', seqNo: this.seq++,
      transactionInfo: { transactionId, chargingState }, evse: { id: evseId, connectorId: 1 },
      meterValue: [{
        timestamp: this.now,
        sampledValue: [
          { value: wh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } },
          { value: powerW, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W' } },
          ...(soc === undefined ? [] : [{ value: soc, measurand: 'SoC' as const, unitOfMeasure: { unit: 'Percent' } }]),
        ],
      }],
    });
  }

  async endTransaction(evseId: number, transactionId: string): Promise<void> {
    await this.cs.call('TransactionEvent', {
      eventType: 'Ended', timestamp: this.now, triggerReason: 'EVCommunicationLost', seqNo: this.seq++,
      transactionInfo: { transactionId, chargingState: 'Idle', stoppedReason: 'EVDisconnected' }, evse: { id: evseId, connectorId: 1 },
    });
    for (const [id, p] of this.installed) if (p.profile.transactionId === transactionId) this.installed.delete(id);
  }

  close(): Promise<unknown> {
    return this.cs.close();
  }

  private answer(): void {
    const cs = this.cs;
    cs.respond('GetVariables', smartChargingVariables(this.o.variables ?? {}));
    cs.respond('SetChargingProfile', (req) => {
      this.arrivals.push({ atMs: this.server.clock.now(), request: req });
      const p = req.chargingProfile;
      const units = (this.o.variables?.RateUnit ?? 'A,W').split(',');
      const unitOk = units.includes(p.chargingSchedule[0].chargingRateUnit);
      const max = Number(this.o.variables?.PeriodsPerSchedule ?? '24');
      if (!unitOk || p.chargingSchedule[0].chargingSchedulePeriod.length > max) return { status: 'Rejected', statusInfo: { reasonCode: unitOk ? 'TooManyPeriods' : 'UnsupportedRateUnit' } };
      if (this.o.rejectProfiles && p.chargingProfilePurpose === 'TxProfile') return { status: 'Rejected' };
      this.installed.set(p.id, { evseId: req.evseId, profile: p });
      return { status: 'Accepted' };
    });
    cs.respond('GetCompositeSchedule', (req) => this.composite(req));
    cs.respond('GetChargingProfiles', (req) => {
      const wanted = [...this.installed.values()].filter((p) => p.profile.chargingProfilePurpose === req.chargingProfile.chargingProfilePurpose);
      if (!wanted.length) return { status: 'NoProfiles' };
      setImmediate(() => void this.cs.call('ReportChargingProfiles', {
        requestId: req.requestId, chargingLimitSource: 'CSO', evseId: wanted[0]!.evseId, tbc: false,
        chargingProfile: wanted.map((p) => p.profile) as [Profile, ...Profile[]],
      }));
      return { status: 'Accepted' };
    });
  }

  /**
   * The TxProfile (else nothing) as it applies from now, in its own unit; an ignoring station reports its flat draw.
   * With `truncateTimes` the schedule starts at the whole second and period starts are rounded up to whole seconds;
   * with `compositeInA` it comes in A (0.1 A, nearest), without numberPhases.
   */
  private composite(req: RequestOf<'GetCompositeSchedule'>): ResponseOf<'GetCompositeSchedule'> {
    const clock = this.server.clock.now();
    const now = this.o.truncateTimes ? Math.floor(clock / 1000) * 1000 : clock;
    const p = this.txProfile(req.evseId);
    if (!p) return { status: 'Rejected' };
    const s = p.chargingSchedule[0];
    const unit = s.chargingRateUnit;
    const start = Date.parse(s.startSchedule!);
    const maxW = this.o.maxW ?? 11_000;
    // Seconds from `now` at which each of the profile's periods takes effect.
    const rel = (ms: number) => (this.o.truncateTimes ? Math.ceil((ms - now) / 1000) : Math.round((ms - now) / 1000));
    let periods: Period[] = s.chargingSchedulePeriod
      .map((x, i, all) => ({ ...x, startPeriod: Math.max(0, rel(start + x.startPeriod * 1000)), end: rel(start + (all[i + 1]?.startPeriod ?? Infinity) * 1000) }))
      .filter((x) => x.end > 0)
      .map(({ end: _end, ...x }) => x);
    // Before the profile starts, nothing limits the station but its own maximum.
    if (!periods.length || periods[0]!.startPeriod > 0) periods.unshift({ startPeriod: 0, limit: unit === 'W' ? maxW : Math.floor(maxW / 69) / 10, numberPhases: 3 });
    if (this.o.ignoreProfilesW !== undefined) {
      periods = [{ startPeriod: 0, limit: unit === 'W' ? this.o.ignoreProfilesW : Math.round(this.o.ignoreProfilesW / 690), numberPhases: 3 }];
    }
    let reported: 'A' | 'W' = unit;
    if (this.o.compositeInA) {
      periods = periods.map((x) => {
        const phases = x.numberPhases ?? 3;
        const amps = unit === 'A' ? x.limit : x.limit / (230 * phases);
        return { startPeriod: x.startPeriod, limit: Math.round(amps * 10) / 10 };
      });
      reported = 'A';
    }
    return {
      status: 'Accepted',
      schedule: { evseId: req.evseId, duration: req.duration, scheduleStart: new Date(now).toISOString(), chargingRateUnit: reported, chargingSchedulePeriod: periods as [Period, ...Period[]] },
    };
  }
}
