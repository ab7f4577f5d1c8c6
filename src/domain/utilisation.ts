/**
 * Utilisation (issue 17, "how busy, and where to add stations"): the history it is computed from and the ports that
 * write and read it. The computation is pure (src/scheduler/utilisation.ts); storage answers one bounded read per
 * query (src/storage/utilisation-repository.ts).
 */

/** What one row of the EVSE state log says (migration 0021 describes each kind). */
export type EvseStateKind = 'connector' | 'charging' | 'link' | 'authorize';

export interface EvseStateRow {
  stationId: string;
  /** 0 for the station's link and its Authorize requests. */
  evseId: number;
  /** 0 unless kind is 'connector'. */
  connectorId: number;
  kind: EvseStateKind;
  /** connectorStatus (G01), chargingState (E02), 'connected' / 'disconnected', or 'Authorize'. */
  value: string;
  /** UTC ISO-8601. */
  at: string;
}

/** A session as utilisation reads it (the transactions table). */
export interface UtilisationSession {
  stationId: string;
  evseId: number;
  startedAt: string;
  /** null while it runs. */
  endedAt: string | null;
  /** Energy delivered in the session so far (latest register minus the first), null when the station sent none. */
  energyWh: number | null;
}

/** Everything one utilisation query needs, read at once. */
export interface UtilisationHistory {
  sessions: UtilisationSession[];
  /**
   * The log rows inside the period, and before them, per (station, EVSE, connector, kind), the latest row before the
   * period: the state the period starts in.
   */
  log: EvseStateRow[];
}

/** A row with the moment it was received (the log's retention counts from it). */
export interface ReceivedEvseStateRow extends EvseStateRow {
  receivedAt: string;
}

/** Where the state log is written (the recorder, src/wiring/utilisation-recorder.ts). */
export interface EvseStateLog {
  /** Appends rows; a row already stored (same station, instant, kind, EVSE, connector, value) is kept once. */
  record(rows: readonly EvseStateRow[], receivedAt: string): Promise<void>;
  /** The same for rows received at different moments (the recorder's batch of one event-loop turn), in one write where the database allows. */
  recordReceived(rows: readonly ReceivedEvseStateRow[]): Promise<void>;
  /** The station's timestamp of one stored TransactionEvent (E02 Updated events carry none in the bus's record). */
  eventTime(stationId: string, transactionId: string, seqNo: number): Promise<string | undefined>;
}

/** Why a read was refused: the period holds more than one query may read (ask for a shorter one). */
export class UtilisationTooLarge extends Error {
  readonly code = 'UTILISATION_TOO_LARGE';
  constructor(readonly rows: number, readonly limit: number) {
    super(`the period holds more than ${limit} rows of history; ask for a shorter period`);
  }
}

/** The one read per query: sessions overlapping [startIso, endIso) and the log, of these stations. */
export interface UtilisationSource {
  history(stationIds: readonly string[], startIso: string, endIso: string): Promise<UtilisationHistory>;
}
