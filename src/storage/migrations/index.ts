import { m0001Ocpp } from './0001-ocpp.js';
import { m0002Prices } from './0002-prices.js';

export interface Migration {
  /** Strictly increasing; never renumber or edit a migration that has shipped: add a new one. */
  version: number;
  name: string;
  up: string;
}

/** Every migration in order. Add new ones at the end with the next number. */
export const migrations: readonly Migration[] = [m0001Ocpp, m0002Prices];
