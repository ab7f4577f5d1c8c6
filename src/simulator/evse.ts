/**
 * One simulated EVSE: its connector, the car plugged into it, its transaction and its energy meter, and the
 * OCPP payloads that describe them (E transactions, J meter values). No I/O and no clock.
 */
import type { TransactionEventRequest, MeterValueType, SampledValueType } from '../ocpp/schemas/generated/TransactionEventRequest.js';
import type { NotifyEVChargingNeedsRequest } from '../ocpp/schemas/generated/NotifyEVChargingNeedsRequest.js';
import type { CarState, Draw } from './car.js';
import type { EvseHardware } from './profiles.js';

export type TriggerReason = TransactionEventRequest['triggerReason'];
export type StoppedReason = NonNullable<TransactionEventRequest['transactionInfo']['stoppedReason']>;
export type ChargingState = NonNullable<TransactionEventRequest['transactionInfo']['chargingState']>;
export type ReadingContext = NonNullable<SampledValueType['context']>;

export interface Transaction {
  id: string;
  startedAt: number;
  /** E: seqNo counts every TransactionEvent of the transaction from 0, with no gaps. */
  nextSeqNo: number;
  idToken: { idToken: string; type: NonNullable<TransactionEventRequest['idToken']>['type'] };
  remoteStartId?: number;
  /** The SampledDataCtrlr.TxUpdatedInterval timer; cancelled when the transaction ends. */
  cancelSampling?: () => void;
}

export interface Evse {
  hw: EvseHardware;
  car?: CarState;
  tx?: Transaction;
  /** J02.FR.16/.17: the register only grows and is never re-based to zero at a transaction start. */
  registerWh: number;
  /** What flows now (kept up to date by the station's integration). */
  draw: Draw;
  /** What the EVSE offers now, A per phase, on offeredPhases phases. */
  offeredA: number;
  offeredPhases?: number;
}

export const PHASES = ['L1', 'L2', 'L3'] as const;

/** The measurands this meter can sample (SampledDataCtrlr.*Measurands names). */
export const SUPPORTED_MEASURANDS = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Current.Offered', 'SoC'] as const;

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** J02: one sample of the configured measurands at `at`; SoC only when the car tells it. */
export function meterValue(evse: Evse, at: string, context: ReadingContext, measurands: readonly string[]): MeterValueType {
  const values: SampledValueType[] = [];
  const want = (m: string) => measurands.includes(m);
  if (want('Energy.Active.Import.Register')) {
    values.push({ value: round(evse.registerWh, 2), measurand: 'Energy.Active.Import.Register', context, unitOfMeasure: { unit: 'Wh' } });
  }
  if (want('Power.Active.Import')) values.push({ value: round(evse.draw.powerW, 1), measurand: 'Power.Active.Import', context, unitOfMeasure: { unit: 'W' } });
  if (want('Current.Import')) {
    // J02.FR.06/.07: one value per phase in use, from the meter's point of view.
    const phases = evse.draw.phases || evse.hw.phases;
    for (const phase of PHASES.slice(0, phases)) {
      values.push({ value: round(evse.draw.currentA, 2), measurand: 'Current.Import', phase, context, unitOfMeasure: { unit: 'A' } });
    }
  }
  if (want('Current.Offered')) values.push({ value: round(evse.offeredA, 2), measurand: 'Current.Offered', context, unitOfMeasure: { unit: 'A' } });
  if (want('SoC') && evse.car?.spec.reportsSoc) {
    values.push({ value: round(evse.car.soc, 1), measurand: 'SoC', context, location: 'EV', unitOfMeasure: { unit: 'Percent' } });
  }
  if (values.length === 0) values.push({ value: round(evse.registerWh, 2), measurand: 'Energy.Active.Import.Register', context, unitOfMeasure: { unit: 'Wh' } });
  return { timestamp: at, sampledValue: values as MeterValueType['sampledValue'] };
}

/** Charging while current flows; SuspendedEV when the car takes nothing though offered enough; SuspendedEVSE below its minimum. */
export function chargingState(evse: Evse): ChargingState {
  if (!evse.car) return 'Idle';
  if (evse.draw.powerW > 0) return 'Charging';
  return evse.offeredA < evse.car.spec.minCurrentA ? 'SuspendedEVSE' : 'SuspendedEV';
}

export interface EventSpec {
  eventType: TransactionEventRequest['eventType'];
  triggerReason: TriggerReason;
  at: string;
  context: ReadingContext;
  measurands: readonly string[];
  offline: boolean;
  stoppedReason?: StoppedReason;
  /** E01/E03: the idToken goes with the event that follows the authorization. */
  withIdToken?: boolean;
}

/** A TransactionEventRequest for the EVSE's transaction, taking the next seqNo. */
export function transactionEvent(evse: Evse, tx: Transaction, e: EventSpec): TransactionEventRequest {
  const req: TransactionEventRequest = {
    eventType: e.eventType,
    timestamp: e.at,
    triggerReason: e.triggerReason,
    seqNo: tx.nextSeqNo++,
    transactionInfo: {
      transactionId: tx.id,
      chargingState: e.eventType === 'Ended' ? 'Idle' : chargingState(evse),
      ...(e.stoppedReason ? { stoppedReason: e.stoppedReason } : {}),
      ...(tx.remoteStartId !== undefined && e.eventType === 'Started' ? { remoteStartId: tx.remoteStartId } : {}),
    },
    evse: { id: evse.hw.id, connectorId: 1 },
    meterValue: [meterValue(evse, e.at, e.context, e.measurands)],
  };
  if (evse.draw.phases > 0) req.numberOfPhasesUsed = evse.draw.phases;
  if (e.offline) req.offline = true;
  if (e.withIdToken) req.idToken = { ...tx.idToken };
  return req;
}

/** K15: what an ISO 15118 car asks for (AC), or undefined for a car without ISO 15118. */
export function chargingNeeds(evse: Evse, lineVoltageV: number): NotifyEVChargingNeedsRequest | undefined {
  const spec = evse.car?.spec;
  if (!spec?.iso15118) return undefined;
  const maxA = (spec.maxPowerKW * 1000) / (lineVoltageV * spec.phases);
  return {
    evseId: evse.hw.id,
    chargingNeeds: {
      requestedEnergyTransfer: spec.phases === 1 ? 'AC_single_phase' : spec.phases === 2 ? 'AC_two_phase' : 'AC_three_phase',
      departureTime: spec.iso15118.departureTime,
      // The schema wants integers: Wh, A and V.
      acChargingParameters: {
        energyAmount: Math.round(spec.iso15118.energyAmountWh),
        evMinCurrent: Math.round(spec.minCurrentA),
        evMaxCurrent: Math.floor(maxA),
        evMaxVoltage: Math.round(lineVoltageV),
      },
    },
  };
}
