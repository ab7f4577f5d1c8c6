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
}

export class PlanningStation {
  readonly installed = new Map<number, { evseId: number; profile: Profile }>();
  private seq = 0;
  private meterWh = new Map<string, number>();

  private constructor(readonly cs: ScriptedStation, readonly server: TestServer, readonly o: PlanningStationOptions) {}

  static async connect(server: TestServer, o: PlanningStationOptions, register = true): Promise<PlanningStation> {
    const password = o.password ?? 'station-password-123';
    if (register) await server.addStation(o.id, password);
    const cs = await ScriptedStation.connect(server.wsUrl, { id: o.id, password });
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

  /** An Updated event with the energy register advanced by `addWh` and the given power. */
  async meter(evseId: number, transactionId: string, addWh: number, powerW: number, soc?: number): Promise<void> {
    const wh = (this.meterWh.get(transactionId) ?? 0) + addWh;
    this.meterWh.set(transactionId, wh);
    await this.cs.call('TransactionEvent', {
      eventType: 'Updated', timestamp: this.now, triggerReason: 'MeterValuePeriodic', seqNo: this.seq++,
      transactionInfo: { transactionId, chargingState: 'Charging' }, evse: { id: evseId, connectorId: 1 },
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

  /** The TxProfile (else nothing) as it applies from now, in its own unit; an ignoring station reports its flat draw. */
  private composite(req: RequestOf<'GetCompositeSchedule'>): ResponseOf<'GetCompositeSchedule'> {
    const now = this.server.clock.now();
    const p = this.txProfile(req.evseId);
    if (!p) return { status: 'Rejected' };
    const s = p.chargingSchedule[0];
    const offset = Math.round((now - Date.parse(s.startSchedule!)) / 1000);
    let periods: Period[] = s.chargingSchedulePeriod
      .map((x, i, all) => ({ ...x, startPeriod: Math.max(0, x.startPeriod - offset), end: all[i + 1]?.startPeriod ?? Infinity }))
      .filter((x) => x.end - offset > 0)
      .map(({ end: _end, ...x }) => x);
    if (this.o.ignoreProfilesW !== undefined) {
      periods = [{ startPeriod: 0, limit: s.chargingRateUnit === 'W' ? this.o.ignoreProfilesW : Math.round(this.o.ignoreProfilesW / 690), numberPhases: 3 }];
    }
    return {
      status: 'Accepted',
      schedule: { evseId: req.evseId, duration: req.duration, scheduleStart: new Date(now).toISOString(), chargingRateUnit: s.chargingRateUnit, chargingSchedulePeriod: periods as [Period, ...Period[]] },
    };
  }
}
