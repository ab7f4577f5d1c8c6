import type { ChargingNeedsRecord } from '../../domain/stations.js';
import type { Handler } from './types.js';

/**
 * K15/K17: ISO 15118 charging needs. Stored (departure time, energy, current limits) and announced to the
 * scheduler, which answers with a TxProfile within K15.FR.08's 60 s; hence Accepted (K15.FR.03: the CSMS is able
 * to provide a schedule). The scheduler must keep to maxScheduleTuples and PeriodsPerSchedule (K15.FR.07).
 */
export const notifyEVChargingNeeds: Handler<'NotifyEVChargingNeeds'> = async (req, ctx) => {
  const { services, stationId, now } = ctx;
  const ac = req.chargingNeeds.acChargingParameters;
  const dc = req.chargingNeeds.dcChargingParameters;
  const needs: ChargingNeedsRecord = {
    stationId,
    evseId: req.evseId,
    transactionId: await services.evses.currentTransaction(stationId, req.evseId),
    requestedEnergyTransfer: req.chargingNeeds.requestedEnergyTransfer,
    departureTime: req.chargingNeeds.departureTime ?? null,
    energyAmountWh: ac?.energyAmount ?? dc?.energyAmount ?? null,
    evMinCurrentA: ac?.evMinCurrent ?? null,
    evMaxCurrentA: ac?.evMaxCurrent ?? dc?.evMaxCurrent ?? null,
    evMaxVoltageV: ac?.evMaxVoltage ?? dc?.evMaxVoltage ?? null,
    evMaxPowerW: dc?.evMaxPower ?? null,
    maxScheduleTuples: req.maxScheduleTuples ?? null,
    receivedAt: now,
  };
  await services.chargingNeeds.record(needs, req);
  ctx.afterReply(() => services.events.emit('charging.needs', needs));
  return { status: 'Accepted' };
};
