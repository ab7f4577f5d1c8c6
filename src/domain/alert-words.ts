import type { AlertKind } from './alerts.js';

/** How each kind reads for people, in a grouped alert ("12 stations offline") and as a title. */
export const KIND_WORDS: Record<AlertKind, { title: string; one: string; many: string }> = {
  'station-offline': { title: 'Station offline', one: 'station offline', many: 'stations offline' },
  'connector-faulted': { title: 'Connector faulted', one: 'station with a Faulted connector', many: 'stations with Faulted connectors' },
  'charger-ignores-profiles': { title: 'Charger ignores profiles', one: 'charger ignoring its profiles', many: 'chargers ignoring their profiles' },
  'firmware-failed': { title: 'Firmware update failed', one: 'station whose firmware update failed', many: 'stations whose firmware update failed' },
  'log-upload-failed': { title: 'Log upload failed', one: 'station whose log upload failed', many: 'stations whose log upload failed' },
  'departure-shortfall': { title: 'Car will miss its departure target', one: 'car short at departure', many: 'cars short at departure' },
  'prices-stale': { title: 'Prices stale', one: 'price zone stale', many: 'price zones stale' },
  'site-limit-exceeded': { title: 'Site limit exceeded', one: 'site over its limit', many: 'sites over their limit' },
  'security-event': { title: 'Security event', one: 'station reporting security events', many: 'stations reporting security events' },
};
