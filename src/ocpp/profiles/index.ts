/** Plan -> ChargingProfile and the charger gateway (the scheduler's way to chargers; main.ts wires it). */
export { OcppChargerGateway, type OcppChargerGatewayDeps } from './gateway.js';
export {
  buildTxProfile, buildDefaultProfile, clampStackLevel, periodsAllowed, DEFAULT_PERIODS_PER_SCHEDULE,
  type BuildOptions, type BuiltProfile, type SetChargingProfile,
} from './build.js';
export { compareComposite, type SentSchedule } from './composite.js';
export { chargerErrorFrom } from './errors.js';
export { kwToLimit, limitToKw, periodsToKw, chooseUnit, alternativeUnit, roundingStep, type RateUnit, type WirePeriod } from './units.js';
