/**
 * A simulated station's connection to the CSMS: connect, BootNotification (B01-B03), heartbeats, reconnects and power
 * cycles. What the station does once it is connected and accepted (report its connectors, resume sessions, let its
 * queue go) is the station's (`LinkHost.online`); this file owns only the link's state and timers, all on the
 * injected clock.
 */
import { isoUtc, type TimerHandle } from '../platform/clock.js';
import type { TypedEvents } from '../platform/events.js';
import type { BootReasonEnumType } from '../ocpp/schemas/generated/BootNotificationRequest.js';
import { CallTimeout, OcppClient, type ClientOptions } from './ocpp-client.js';
import type { MaintenanceSettings } from './ops-variables.js';
import type { BasicAuthCredentials } from './security-variables.js';
import type { StationEvents, StationOptions } from './station-options.js';

export type Registration = 'None' | 'Pending' | 'Accepted' | 'Rejected';

/** What the link needs of its station. */
export interface LinkHost {
  readonly events: TypedEvents<StationEvents>;
  readonly settings: MaintenanceSettings;
  readonly credentials: BasicAuthCredentials;
  /** The station's answer to a CSMS call (undefined: not implemented). */
  handle: ClientOptions['onCall'];
  /** The heartbeat timer fired. */
  heartbeat(): void;
  firmwareVersion(): string;
  /** Connected and accepted (again): the station reports its state and lets its queue go. */
  online(): void;
  /** The link's state changed in a way that may let queued messages go (or stop them). */
  pump(): void;
}

export class StationLink {
  private client: OcppClient | undefined;
  private io: Promise<void> | null = null;
  private registration: Registration = 'None';
  private bootReason: BootReasonEnumType = 'PowerUp';
  private running = false;
  private timers: { heartbeat?: TimerHandle; retry?: TimerHandle } = {};
  private messages = 0;

  constructor(private readonly o: StationOptions, private readonly host: LinkHost) {}

  get isOnline(): boolean {
    return this.client?.isOpen ?? false;
  }

  /** It holds a connection, open or closing: a close the CSMS sent is not seen yet while it is closing. */
  get hasConnection(): boolean {
    return this.client !== undefined;
  }

  get registrationStatus(): Registration {
    return this.registration;
  }

  /** A connect or boot is under way. */
  get busy(): Promise<void> | null {
    return this.io;
  }

  start(): void {
    this.running = true;
    this.connect();
  }

  /** Closes the connection for good and cancels the link's timers. */
  async stop(): Promise<void> {
    this.running = false;
    this.timers.heartbeat?.cancel();
    this.timers.retry?.cancel();
    this.client?.close();
    this.client = undefined;
    await this.io;
  }

  /** B01/B02 via TriggerMessage: a BootNotification now, reason Triggered. */
  bootNow(reason: BootReasonEnumType): void {
    this.bootReason = reason;
    if (this.client && !this.io) this.io = this.boot().finally(() => this.ioDone());
  }

  /** The open connection (a CALL needs one). */
  requireClient(): OcppClient {
    if (!this.client) throw new Error('not connected');
    return this.client;
  }

  /** Drops the connection now (an abrupt close, as a crash or a broken network looks). */
  disconnect(): void {
    const client = this.client;
    this.client = undefined;
    this.timers.heartbeat?.cancel();
    this.timers.retry?.cancel();
    if (client) {
      client.close(true);
      this.host.events.emit('disconnected', { at: this.nowIso() });
    }
    this.host.pump();
  }

  /** The station powers off: it must boot with `reason` when it is back, after rebootDelayMs. */
  powerCycle(reason: BootReasonEnumType): void {
    this.registration = 'None';
    this.bootReason = reason;
    this.scheduleConnect(this.o.rebootDelayMs ?? 10_000);
  }

  scheduleConnect(ms: number): void {
    this.timers.retry?.cancel();
    this.timers.retry = this.o.clock.setTimer(ms, () => this.connect());
  }

  scheduleHeartbeat(): void {
    this.timers.heartbeat?.cancel();
    // OCPPCommCtrlr.HeartbeatInterval: the CSMS's interval from the boot, or what SetVariables set since.
    if (!this.isOnline) return;
    this.timers.heartbeat = this.o.clock.setTimer(this.host.settings.heartbeatIntervalS * 1000, () => {
      this.host.heartbeat();
      this.scheduleHeartbeat();
    });
  }

  private connect(): void {
    if (!this.running || this.client || this.io) return;
    this.io = this.openAndBoot().finally(() => this.ioDone());
  }

  private ioDone(): void {
    this.io = null;
    this.host.pump();
  }

  private async openAndBoot(): Promise<void> {
    let client: OcppClient;
    try {
      client = await OcppClient.connect({
        url: this.o.url, stationId: this.o.id, ...(this.host.credentials.password !== undefined ? { password: this.host.credentials.password } : {}),
        nextMessageId: () => `${++this.messages}`,
        onCall: (action, payload) => (this.o.silentOn?.includes(action) ? { response: null, silent: true } : this.host.handle(action, payload)),
        onClose: () => this.onClosed(client),
        clock: this.o.clock,
        callTimeoutMs: (this.o.messageTimeoutS ?? 30) * 1000,
        ...(this.o.tap ? { tap: this.o.tap } : {}),
      });
    } catch {
      this.scheduleConnect(this.o.reconnectDelayMs ?? 5000);
      return;
    }
    if (!this.running) return client.close();
    this.client = client;
    this.host.events.emit('connected', { at: this.nowIso() });
    // Part 4, 5.3: a station that is still accepted need not boot again after a reconnect.
    if (this.registration === 'Accepted') return this.host.online();
    await this.boot();
  }

  private async boot(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.timers.retry?.cancel();
    let res;
    try {
      res = await client.call('BootNotification', {
        reason: this.bootReason,
        chargingStation: { model: this.o.model ?? 'SimCharger', vendorName: this.o.vendorName ?? 'ChargeplanSim', serialNumber: `SIM-${this.o.id}`.slice(0, 25), firmwareVersion: this.host.firmwareVersion() },
      });
    } catch (err) {
      // No answer: try again after the retry interval. Closed or refused: onClosed or the retry takes over.
      if (err instanceof CallTimeout) this.timers.retry = this.o.clock.setTimer(60_000, () => this.bootNow(this.bootReason));
      return;
    }
    this.registration = res.status;
    this.host.events.emit('booted', { at: this.nowIso(), status: res.status });
    if (res.status !== 'Accepted') {
      // B02.FR.01 / B03.FR.05: try again after the interval the CSMS gave.
      this.timers.retry = this.o.clock.setTimer(Math.max(1, res.interval) * 1000, () => this.bootNow(this.bootReason));
      return;
    }
    if (res.interval > 0) this.host.settings.heartbeatIntervalS = res.interval;
    this.scheduleHeartbeat();
    this.host.online();
  }

  private onClosed(client: OcppClient): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.timers.heartbeat?.cancel();
    this.host.events.emit('disconnected', { at: this.nowIso() });
    this.scheduleConnect(this.o.reconnectDelayMs ?? 5000);
    this.host.pump();
  }

  private nowIso(): string {
    return isoUtc(this.o.clock.now());
  }
}
