export interface Migration {
  /** Strictly increasing; never renumber or edit a migration that has shipped: add a new one. */
  version: number;
  name: string;
  /** The SQLite script (instants as UTC ISO text). Applied with its bookkeeping row in one transaction. */
  sqlite: string;
  /** The same tables on PostgreSQL (instants as timestamptz, flags as smallint 0/1). One transaction too. */
  postgres: string;
}
