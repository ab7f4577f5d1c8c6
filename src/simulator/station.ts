/**
 * One simulated charging station that behaves like a real one on the wire: it connects over OCPP-J, boots,
 * meters what cars really draw under its installed charging profiles, and answers the CSMS's smart-charging
 * calls from that state. All state changes happen on the injected clock (timers or calls), so a ManualClock
 * makes every run repeatable; the WebSocket only carries the resulting messages out, in order.
 */
import { isoUtc, type Clock } from '../platform/clock.js';
import { TypedEvents } from '../platform/events.js';
import type { RequestOf, StationAction } from '../ocpp/schemas/generated/index.js';
import type { BootReasonEnumType } from '../ocpp/schemas/generated/BootNotificationRequest.js';
import { DEFAULT_LINE_VOLTAGE_V, type CarState } from './car.js';
import { integrate, type Site } from './physics.js';
import { ChargingProfiles, type EvseHardware } from './profiles.js';
import { Outbox, type Message } from './outbox.js';
import { meterValue, type Evse, type StoppedReason, type TriggerReason } from './evse.js';
import { csmsHandlers, type StationCore } from './csms-calls.js';
import { StationOps, type OpsStation } from './csms-ops.js';
import { Metering } from './metering.js';
import { maintenanceVariables, MaintenanceSettings, type Characteristics } from './ops-variables.js';
import { SampledData, stationVariables } from './station-variables.js';
import { securityVariables, type BasicAuthCredentials } from './security-variables.js';
import type { Variables } from './device-model.js';
import { SimFirmware } from './firmware.js';
import { SimLogUpload } from './log-upload.js';
import type { StationEvents, StationOptions, StationQuirks } from './station-options.js';
import { StationLink, type Registration } from './station-link.js';

export type { BootReasonEnumType, StationOptions, StationQuirks, StationEvents, Registration };

const CONNECTOR = 1;

export class SimulatedStation implements StationCore, OpsStation {
  readonly id: string;
  readonly profiles: ChargingProfiles;
  readonly events = new TypedEvents<StationEvents>();
  readonly quirks: Required<Pick<StationQuirks, 'rejectProfiles' | 'ignoreProfiles'>>;
  readonly sampling: SampledData;
  readonly variables: Variables;
  readonly characteristics: Record<string, Characteristics>;
  readonly settings: MaintenanceSettings;
  readonly ops: StationOps;
  readonly unlockFails: boolean;
  readonly clock: Clock;
  readonly lineVoltageV: number;
  /** L01 and N01 (firmware.ts, log-upload.ts). */
  readonly firmware: SimFirmware;
  readonly logs: SimLogUpload;
  private readonly evseMap = new Map<number, Evse>();
  private readonly outbox: Outbox;
  private readonly metering: Metering;
  private readonly site: Site;
  private readonly handlers: ReturnType<typeof csmsHandlers>;
  private readonly link: StationLink;
  private lastSettled: number;
  private transactions = 0;
  private resumeSessions = false;
  /** SecurityCtrlr.BasicAuthPassword: starts as `password`, changed by SetVariables (A01). */
  readonly credentials: BasicAuthCredentials;

  constructor(private readonly o: StationOptions) {
    this.id = o.id;
    this.clock = o.clock;
    this.lastSettled = o.clock.now();
    this.lineVoltageV = o.lineVoltageV ?? DEFAULT_LINE_VOLTAGE_V;
    this.quirks = { rejectProfiles: o.rejectProfiles ?? false, ignoreProfiles: o.ignoreProfiles ?? false };
    const hardware = typeof o.evses === 'object' ? o.evses : Array.from({ length: o.evses ?? 1 }, (_, i) => ({ id: i + 1, maxCurrentA: 32, phases: 3 }));
    for (const hw of hardware) this.evseMap.set(hw.id, { hw, registerWh: o.meterStartWh ?? 0, draw: { powerW: 0, currentA: 0, phases: 0 }, offeredA: 0 });
    this.profiles = new ChargingProfiles({
      evses: hardware, rateUnits: o.rateUnits ?? ['A', 'W'], periodsPerSchedule: o.periodsPerSchedule ?? 96,
      maxStackLevel: o.maxStackLevel ?? 8, acPhaseSwitching: false, lineVoltageV: this.lineVoltageV,
    });
    this.sampling = new SampledData(o.txUpdatedIntervalS ?? 60, () => this.metering.restartSampling(this.evseMap.values()));
    this.settings = new MaintenanceSettings(300, o.messageTimeoutS ?? 30, () => this.link.scheduleHeartbeat());
    const maintenance = maintenanceVariables(this.settings);
    this.variables = {
      ...stationVariables(this.profiles, this.sampling, { rateUnits: o.rateUnits ?? ['A', 'W'], periodsPerSchedule: o.periodsPerSchedule ?? 96, maxStackLevel: o.maxStackLevel ?? 8 }),
      ...maintenance.variables,
      ...securityVariables((this.credentials = { password: o.password }), o.rejectBasicAuthPassword ?? false),
    };
    this.characteristics = maintenance.characteristics;
    this.unlockFails = o.unlockFails ?? false;
    this.ops = new StationOps(this);
    this.site = { evses: [...this.evseMap.values()], profiles: this.profiles, ignoreProfiles: this.quirks.ignoreProfiles, lineVoltageV: this.lineVoltageV };
    this.firmware = new SimFirmware(this, o);
    this.logs = new SimLogUpload({ id: this.id, nowIso: () => this.nowIso(), evseList: () => this.evseList(), send: (a, p) => this.send(a, p), sent: () => this.outbox.whenSettled(), track: (p) => this.firmware.track(p), firmwareVersion: () => this.firmware.version }, o);
    this.handlers = { ...csmsHandlers(this), UpdateFirmware: (r) => this.firmware.handleUpdate(r), GetLog: (r) => this.logs.handleGetLog(r) };
    this.link = new StationLink(o, {
      events: this.events, settings: this.settings, credentials: this.credentials,
      handle: (action, payload) => this.handlers[action as keyof typeof this.handlers]?.(payload as never),
      heartbeat: () => this.sendHeartbeat(),
      firmwareVersion: () => this.firmware.version,
      online: () => this.online(),
      pump: () => this.outbox.pump(),
    });
    this.outbox = new Outbox({
      ready: () => this.link.registrationStatus === 'Accepted' && this.link.isOnline,
      call: (action, payload) => this.link.requireClient().call(action, payload),
      onRefused: (msg, err) => this.events.emit('refused', { action: msg.action, error: err.message }),
    });
    this.metering = new Metering(this, this.outbox);
  }

  // ---- public surface -------------------------------------------------------------------------------------

  get isOnline(): boolean {
    return this.link.isOnline;
  }

  /** It holds a connection, open or closing: a close the CSMS sent is not seen yet while it is closing. */
  get hasConnection(): boolean {
    return this.link.hasConnection;
  }

  get registrationStatus(): Registration {
    return this.link.registrationStatus;
  }

  /** Messages waiting to go out (offline-queued TransactionEvents among them). */
  queued(): readonly Message[] {
    return this.outbox.pending();
  }

  /** Connects and boots; `idle()` resolves once that is done. */
  start(): void {
    this.link.start();
  }

  /** Closes the connection for good and cancels every timer of this station. */
  async stop(): Promise<void> {
    for (const e of this.evseMap.values()) e.tx?.cancelSampling?.();
    await this.link.stop();
  }

  /** Resolves when nothing is in progress: no connect or boot under way and nothing left that can be sent now. */
  async idle(): Promise<void> {
    for (let io = this.link.busy; io || !this.outbox.settled; io = this.link.busy) await (io ?? this.outbox.whenSettled());
  }

  evse(evseId: number): Evse | undefined {
    return this.evseMap.get(evseId);
  }

  evseList(): Evse[] {
    return [...this.evseMap.values()];
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * A car arrives: connector Occupied, Authorize with the car's id token, transaction Started. The station
   * authorizes locally (as with a cached token) so the transaction starts at the arrival instant whatever the
   * network does; the Authorize goes first, and an answer other than Accepted ends the transaction (DeAuthorized).
   * Offline the transaction starts all the same and its events wait in the queue with offline=true.
   */
  plugIn(evseId: number, car: CarState): void {
    const evse = this.mustEvse(evseId);
    if (evse.car) throw new Error(`EVSE ${evseId} of ${this.id} already has a car`);
    this.settle();
    evse.car = car;
    this.sendStatus(evse);
    // G03.FR.06: an Inoperative EVSE's connector is Unavailable: the car waits, nothing starts.
    if (this.ops.operative(evseId)) this.startSession(evse, 'Authorized');
  }

  /** The car leaves: transaction Ended (EVDeparted, EVDisconnected), connector Available. */
  unplug(evseId: number): void {
    const evse = this.mustEvse(evseId);
    this.settle();
    if (evse.tx) this.stopTransaction(evse, 'EVDeparted', 'EVDisconnected');
    evse.car = undefined;
    this.settle();
    this.sendStatus(evse);
  }

  /**
   * A power cycle: the connection drops at once, running transactions end (Reboot; their Ended events are queued
   * as offline), and after rebootDelayMs the station connects and boots with `reason`. Profiles survive (K01.FR.27).
   */
  reboot(reason: BootReasonEnumType = 'PowerUp'): void {
    this.settle();
    this.link.disconnect();
    for (const e of this.evseMap.values()) if (e.tx) this.stopTransaction(e, 'AbnormalCondition', 'Reboot');
    this.powerCycle(reason);
  }

  /** The network drops without a reboot; transactions go on, and the station reconnects after `reconnectAfterMs`. */
  dropConnection(reconnectAfterMs = this.o.reconnectDelayMs ?? 5000): void {
    this.link.disconnect();
    this.link.scheduleConnect(reconnectAfterMs);
  }

  // ---- StationCore (used by the CSMS call handlers) ---------------------------------------------------------

  /** Integrates every EVSE's energy up to now, stepping at each instant the limits change. */
  settle(): void {
    const now = this.clock.now();
    integrate(this.site, this.lastSettled, now);
    this.lastSettled = Math.max(this.lastSettled, now);
  }

  startSession(evse: Evse, trigger: TriggerReason, remoteStartId?: number): void {
    const car = evse.car;
    if (!car || evse.tx) return;
    const idToken = { idToken: car.spec.idToken, type: car.spec.idTokenType ?? 'ISO14443' };
    if (this.isOnline) {
      this.send('Authorize', { idToken }, (res) => {
        if (res.idTokenInfo.status !== 'Accepted' && evse.tx?.idToken.idToken === idToken.idToken) {
          this.settle();
          this.stopTransaction(evse, 'Deauthorized', 'DeAuthorized');
        }
      });
    }
    const at = this.clock.now();
    const id = `${this.id.slice(0, 24)}-${++this.transactions}`;
    evse.tx = { id, startedAt: at, nextSeqNo: 0, idToken, ...(remoteStartId !== undefined ? { remoteStartId } : {}) };
    this.profiles.startTransaction(evse.hw.id, id, at);
    this.settle();
    this.metering.sendTxEvent(evse, { eventType: 'Started', triggerReason: trigger, context: 'Transaction.Begin', withIdToken: true });
    this.metering.scheduleSample(evse);
    this.metering.notifyChargingNeeds(evse);
  }

  stopTransaction(evse: Evse, trigger: TriggerReason, stoppedReason: StoppedReason): void {
    const tx = evse.tx;
    if (!tx) return;
    tx.cancelSampling?.();
    this.metering.sendTxEvent(evse, { eventType: 'Ended', triggerReason: trigger, context: 'Transaction.End', stoppedReason });
    evse.tx = undefined;
    // 3.2: a TxProfile lasts as long as its transaction.
    this.profiles.endTransaction(evse.hw.id);
    this.settle();
    // G03.FR.05: an availability change or an EVSE reset Scheduled behind this transaction happens now.
    this.ops.transactionEnded(evse);
  }

  /** A TransactionEvent Updated now (a trigger, or a changed limit). */
  sendTxUpdate(evse: Evse, trigger: TriggerReason): void {
    if (!evse.tx) return;
    this.settle();
    this.metering.sendTxEvent(evse, { eventType: 'Updated', triggerReason: trigger, context: trigger === 'Trigger' ? 'Trigger' : 'Sample.Periodic' });
  }

  sendStatus(evse: Evse): void {
    // G03.FR.06/G04.FR.07: Inoperative shows as Unavailable, whatever is plugged in.
    const status = !this.ops.operative(evse.hw.id) ? 'Unavailable' : evse.car ? 'Occupied' : 'Available';
    this.send('StatusNotification', { timestamp: this.nowIso(), connectorStatus: status, evseId: evse.hw.id, connectorId: CONNECTOR });
  }

  sendMeterValues(evse: Evse): void {
    this.settle();
    this.send('MeterValues', { evseId: evse.hw.id, meterValue: [meterValue(evse, this.nowIso(), 'Trigger', this.sampling.updatedMeasurands())] });
  }

  sendHeartbeat(): void {
    this.send('Heartbeat', {});
  }

  /** B01/B02 via TriggerMessage: a BootNotification now, reason Triggered. */
  sendBoot(): void {
    this.link.bootNow('Triggered');
  }

  /** A CALL to the CSMS, in order; dropped while offline (only TransactionEvents are kept for later, E04.FR.01). */
  send<A extends StationAction>(action: A, payload: RequestOf<A>, onResult?: Message<A>['onResult']): void {
    if (!this.isOnline) return;
    this.outbox.push({ action, payload, ...(onResult ? { onResult } : {}) });
  }

  /** B11 Reset (csms-ops.ts decides when): transactions end (ResetCommand, ImmediateReset), then the station reboots. */
  resetNow(reason: BootReasonEnumType): void {
    this.settle();
    for (const e of this.evseMap.values()) if (e.tx) this.stopTransaction(e, 'ResetCommand', 'ImmediateReset');
    // The Ended events go out before the station goes down.
    void this.outbox.whenSettled().then(() => {
      this.link.disconnect();
      this.powerCycle(reason);
    });
  }

  /** Connected and accepted: report every connector (B01.FR.05), then let the queue go, then resume sessions. */
  private online(): void {
    for (const e of this.evseMap.values()) this.sendStatus(e);
    if (this.resumeSessions) {
      this.resumeSessions = false;
      this.settle();
      for (const e of this.evseMap.values()) if (e.car && !e.tx && this.ops.operative(e.hw.id)) this.startSession(e, 'Authorized');
    }
    this.outbox.pump();
  }

  private powerCycle(reason: BootReasonEnumType): void {
    this.resumeSessions = this.o.resumeAfterReboot ?? true;
    this.link.powerCycle(reason);
  }

  private mustEvse(evseId: number): Evse {
    const evse = this.evseMap.get(evseId);
    if (!evse) throw new Error(`station ${this.id} has no EVSE ${evseId}`);
    return evse;
  }

  nowIso(): string {
    return isoUtc(this.clock.now());
  }
}

