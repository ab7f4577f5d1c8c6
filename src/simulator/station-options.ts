/** How a simulated station is set up, its quirks, and what it reports to whoever runs it. */
import type { Clock } from '../platform/clock.js';
import type { EvseHardware } from './profiles.js';
import type { Frame } from './ocpp-client.js';
import type { FirmwareOptions } from './firmware.js';
import type { LogOptions } from './log-upload.js';

export interface StationQuirks {
  /** SmartChargingCtrlr.RateUnit: e.g. ['A'] for an A-only station (K01.FR.26 rejects W profiles). */
  rateUnits?: ('A' | 'W')[];
  /** SmartChargingCtrlr.PeriodsPerSchedule: longer schedules are Rejected. */
  periodsPerSchedule?: number;
  /** Answers every SetChargingProfile with Rejected, installing nothing. */
  rejectProfiles?: boolean;
  /**
   * Answers Accepted and stores the profile (so GetChargingProfiles and GetCompositeSchedule report it, as such
   * firmware does) but lets the car draw its maximum anyway: only the meter values tell the truth.
   */
  ignoreProfiles?: boolean;
  /** F05.FR.05: every UnlockConnector fails (a stuck lock): UnlockFailed. */
  unlockFails?: boolean;
  /** CSMS calls this station never answers (a firmware that hangs on them): the CSMS sees its call time out. */
  silentOn?: string[];
  /** A01: SetVariables SecurityCtrlr.BasicAuthPassword is answered Rejected and the password kept. */
  rejectBasicAuthPassword?: boolean;
}

export interface StationOptions extends StationQuirks, FirmwareOptions, LogOptions {
  id: string;
  /** Security profile 1 password; omit for profile 0. */
  password?: string;
  /** The CSMS endpoint without the station id, e.g. ws://127.0.0.1:9000/ocpp. */
  url: string;
  clock: Clock;
  /** EVSEs with one connector each; a number n means n EVSEs of 32 A on three phases. */
  evses?: number | EvseHardware[];
  lineVoltageV?: number;
  maxStackLevel?: number;
  /** SampledDataCtrlr.TxUpdatedInterval in seconds (0: no periodic samples). */
  txUpdatedIntervalS?: number;
  /** The meter register at power-up (J02.FR.17: never re-based). */
  meterStartWh?: number;
  reconnectDelayMs?: number;
  /** OCPPCommCtrlr.MessageTimeout in seconds: a CALL without an answer by then is lost (TransactionEvents are retried). Default 30. */
  messageTimeoutS?: number;
  rebootDelayMs?: number;
  /** After a reboot, cars still plugged in start a new transaction once the station is accepted again. */
  resumeAfterReboot?: boolean;
  vendorName?: string;
  model?: string;
  /** Sees every OCPP-J frame sent and received. */
  tap?: (direction: 'sent' | 'received', frame: Frame) => void;
}

export interface StationEvents {
  connected: { at: string };
  disconnected: { at: string };
  booted: { at: string; status: string };
  /** A CALL the CSMS answered with a CALLERROR (dropped, not retried). */
  refused: { action: string; error: string };
  transaction: { evseId: number; transactionId: string; eventType: 'Started' | 'Updated' | 'Ended' };
}
