/**
 * The simulated station's transaction messages: TransactionEvents with the configured measurands (E, J02), the
 * periodic samples every TxUpdatedInterval, and an ISO 15118 car's charging needs (K15). Moved out of station.ts,
 * which keeps the connection and the sessions.
 */
import { isoUtc, type Clock } from '../platform/clock.js';
import type { TypedEvents } from '../platform/events.js';
import type { RequestOf, StationAction } from '../ocpp/schemas/generated/index.js';
import type { Outbox } from './outbox.js';
import type { SampledData } from './station-variables.js';
import type { StationEvents } from './station-options.js';
import { chargingNeeds, transactionEvent, type EventSpec, type Evse, type StoppedReason, type TriggerReason } from './evse.js';

export interface MeteringHost {
  readonly clock: Clock;
  readonly sampling: SampledData;
  readonly events: TypedEvents<StationEvents>;
  readonly lineVoltageV: number;
  readonly isOnline: boolean;
  settle(): void;
  send<A extends StationAction>(action: A, payload: RequestOf<A>): void;
  stopTransaction(evse: Evse, trigger: TriggerReason, stoppedReason: StoppedReason): void;
}

export class Metering {
  constructor(private readonly host: MeteringHost, private readonly outbox: Outbox) {}

  sendTxEvent(evse: Evse, e: Omit<EventSpec, 'at' | 'offline' | 'measurands'>): void {
    const tx = evse.tx;
    if (!tx) return;
    const { sampling } = this.host;
    const measurands = e.eventType === 'Started' ? sampling.startedMeasurands() : e.eventType === 'Ended' ? sampling.endedMeasurands() : sampling.updatedMeasurands();
    const payload = transactionEvent(evse, tx, { ...e, at: isoUtc(this.host.clock.now()), measurands, offline: !this.host.isOnline });
    // E04.FR.01-.03: transaction events are never dropped; offline ones wait in order with offline=true.
    this.outbox.push({ action: 'TransactionEvent', payload, onResult: (res) => this.onTxResult(evse, tx.id, res) });
    this.host.events.emit('transaction', { evseId: evse.hw.id, transactionId: tx.id, eventType: e.eventType });
  }

  /** J02.FR.11: Updated with MeterValuePeriodic every TxUpdatedInterval, counted from the transaction start. */
  scheduleSample(evse: Evse): void {
    const tx = evse.tx;
    const intervalMs = this.host.sampling.txUpdatedIntervalS * 1000;
    if (!tx || intervalMs <= 0) return;
    const now = this.host.clock.now();
    const due = tx.startedAt + (Math.floor((now - tx.startedAt) / intervalMs) + 1) * intervalMs;
    const timer = this.host.clock.setTimer(due - now, () => {
      if (evse.tx !== tx) return;
      this.host.settle();
      this.sendTxEvent(evse, { eventType: 'Updated', triggerReason: 'MeterValuePeriodic', context: 'Sample.Periodic' });
      this.scheduleSample(evse);
    });
    tx.cancelSampling = () => timer.cancel();
  }

  restartSampling(evses: Iterable<Evse>): void {
    for (const e of evses) {
      e.tx?.cancelSampling?.();
      this.scheduleSample(e);
    }
  }

  /** K15.FR.01: an ISO 15118 car tells its needs after the transaction started with its idToken (K15.FR.16). */
  notifyChargingNeeds(evse: Evse): void {
    const needs = chargingNeeds(evse, this.host.lineVoltageV);
    if (needs) this.host.send('NotifyEVChargingNeeds', needs);
  }

  private onTxResult(evse: Evse, txId: string, res: { idTokenInfo?: { status: string } }): void {
    // E05: a transaction whose token the CSMS does not accept is stopped.
    if (res.idTokenInfo && res.idTokenInfo.status !== 'Accepted' && evse.tx?.id === txId) {
      this.host.settle();
      this.host.stopTransaction(evse, 'Deauthorized', 'DeAuthorized');
    }
  }
}
