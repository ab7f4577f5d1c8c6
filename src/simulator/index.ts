/**
 * The charging-station simulator: stations that speak OCPP 2.0.1 to a CSMS over WebSocket and charge simulated
 * cars under the profiles they are sent. Used by the demo and the outcome benchmark, never by the product itself.
 */
export { car, charge, powerDrawn, taperFactor, DEFAULT_LINE_VOLTAGE_V, type CarSpec, type CarState, type Draw, type OfferedLimit } from './car.js';
export { ChargingProfiles, type Cap, type EvseHardware, type ProfilesConfig, type SetResult, type StoredProfile } from './profiles.js';
export { SimulatedStation, type StationOptions, type StationQuirks, type StationEvents, type Registration } from './station.js';
export { Fleet, type FleetOptions, type Visit } from './fleet.js';
export type { Evse, Transaction } from './evse.js';
export type { Frame } from './ocpp-client.js';
