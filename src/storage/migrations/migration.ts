export interface Migration {
  /** Strictly increasing; never renumber or edit a migration that has shipped: add a new one. */
  version: number;
  name: string;
  up: string;
}
