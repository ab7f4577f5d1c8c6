import { isoUtc, type Clock, type TimerHandle } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';

/** How long the logs that grow with every message and every planning cycle are kept (config `retention`). */
export interface RetentionPolicy {
  stationLogDays: number;
  maxStationLogRows: number;
  planDays: number;
  maxPlanRows: number;
  decisionDays: number;
  maxDecisionRows: number;
  /**
   * Finished transactions with their events and meter values, and meter values outside any transaction, are kept
   * this long (DEFAULT_TRANSACTION_DAYS when absent); a running transaction and all of it never go.
   */
  transactionDays?: number;
  /**
   * The EVSE state log that utilisation reads (migration 0021) is kept this long by arrival (DEFAULT_EVSE_STATE_LOG_DAYS
   * when absent); the latest row of each EVSE, connector and kind never goes (it is the state a later period starts in).
   */
  evseStateLogDays?: number;
  /**
   * Stations waiting to be adopted that have not tried to connect for this long leave the waiting list
   * (DEFAULT_WAITING_STATION_DAYS when absent): the list is bounded (WAITING_LIMITS.maxRows, then unknown ids are
   * refused), so ids that stopped trying must not hold its places until an admin dismisses them.
   */
  waitingStationDays?: number;
  /** Rows deleted per step; the event loop is yielded between steps. */
  pruneBatchRows: number;
  /** How often retention runs, on the injected clock; the first run is one interval after start. */
  pruneIntervalMinutes: number;
}

/** A table (or family of tables) retention can shrink one small step at a time. */
export interface Prunable {
  /** Deletes at most `batch` rows older than `before` (UTC ISO) or beyond the newest `maxRows`; resolves to how many. */
  pruneStep(before: string, maxRows: number, batch: number): Promise<number>;
}

export interface PruneReport {
  stationLog: number;
  plans: number;
  decisions: number;
  /** Rows of finished transactions: their meter values, then the transactions. */
  transactions: number;
  /** Meter values outside any transaction. */
  meterValues: number;
  /** EVSE state log rows (utilisation's history). */
  evseStateLog: number;
  /** Waiting-list rows whose station stopped trying. */
  waitingStations: number;
  steps: number;
}

/** More than a year: a billing period and its complaints, a year-on-year comparison. */
export const DEFAULT_TRANSACTION_DAYS = 400;
/** A utilisation period is at most 367 days (utilisation-calendar.ts): its state log, with slack, as long as its sessions. */
export const DEFAULT_EVSE_STATE_LOG_DAYS = 400;
/** A month without an attempt: the charger was installed elsewhere, renamed, or given up. */
export const DEFAULT_WAITING_STATION_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Gives other work (stations' frames, HTTP requests) a turn between two steps; not a timer, reads no clock. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Retention for the station log, plans, decisions, finished transactions, meter values and the EVSE state log (issue 20, finding 10: the demo's database grew ~26 MB per
 * simulated day, plans stored on every cycle and never pruned). Each run deletes by age and by row count in
 * steps of `pruneBatchRows` rows, one short transaction each, yielding between steps, so no run holds the event
 * loop for long whatever it finds. The repositories decide what is never pruned: a site's latest plan, what a
 * running session refers to, a charging limit still in force. The steps are plain DELETEs on either database
 * (prune.ts); there is no SQLite-only maintenance (no VACUUM: SQLite reuses the freed pages, PostgreSQL's
 * autovacuum does the same there), so retention takes the stores, not the Storage.
 */
export class Retention {
  private timer: TimerHandle | undefined;
  private running: Promise<PruneReport> | undefined;
  /** Set by stop(): no new step starts (the database may be closing). */
  private stopped = false;

  constructor(
    private readonly deps: {
      policy: RetentionPolicy;
      stationLog: Prunable;
      plans: Prunable;
      decisions: Prunable;
      /** Finished transactions and their meter values (TransactionRepository), and untied meter values. */
      transactions?: Prunable;
      meterValues?: Prunable;
      /** The EVSE state log (UtilisationRepository). */
      evseStateLog?: Prunable;
      /** Stations waiting to be adopted (WaitingStationRepository), by their last attempt. */
      waitingStations?: Prunable;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** Runs `prune` every `pruneIntervalMinutes` of the injected clock until `stop`. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /**
   * No new step starts; resolves once the step in flight (if any) has ended, so the caller may close the database
   * after awaiting it. Never rejects: a failing pass was logged by its timer.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** The pass running now (started by the timer or by `prune`), if any. */
  inFlight(): Promise<PruneReport> | undefined {
    return this.running;
  }

  /** One full pass; a second call while one runs joins it. */
  prune(): Promise<PruneReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimer(this.deps.policy.pruneIntervalMinutes * 60_000, () => {
      this.prune()
        .catch((err: unknown) => this.deps.logger.error({ err }, 'retention pass failed; retrying at the next interval'))
        .finally(() => this.schedule());
    });
  }

  private async pass(): Promise<PruneReport> {
    const { policy, clock } = this.deps;
    const now = clock.now();
    const report: PruneReport = { stationLog: 0, plans: 0, decisions: 0, transactions: 0, meterValues: 0, evseStateLog: 0, waitingStations: 0, steps: 0 };
    const transactionDays = policy.transactionDays ?? DEFAULT_TRANSACTION_DAYS;
    // Transactions and meter values are pruned by age only (the intake bounds their rate: meter-thinning.ts).
    const targets = [
      ['stationLog', this.deps.stationLog, policy.stationLogDays, policy.maxStationLogRows],
      ['plans', this.deps.plans, policy.planDays, policy.maxPlanRows],
      ['decisions', this.deps.decisions, policy.decisionDays, policy.maxDecisionRows],
      ['transactions', this.deps.transactions, transactionDays, Number.MAX_SAFE_INTEGER],
      ['meterValues', this.deps.meterValues, transactionDays, Number.MAX_SAFE_INTEGER],
      ['evseStateLog', this.deps.evseStateLog, policy.evseStateLogDays ?? DEFAULT_EVSE_STATE_LOG_DAYS, Number.MAX_SAFE_INTEGER],
      ['waitingStations', this.deps.waitingStations, policy.waitingStationDays ?? DEFAULT_WAITING_STATION_DAYS, Number.MAX_SAFE_INTEGER],
    ] as const;
    for (const [name, store, days, maxRows] of targets) {
      if (!store) continue;
      const before = isoUtc(now - days * DAY_MS);
      for (;;) {
        const n = await store.pruneStep(before, maxRows, policy.pruneBatchRows);
        report[name] += n;
        report.steps += 1;
        if (n < policy.pruneBatchRows) break;
        await yieldToEventLoop();
        if (this.stopped) return report;
      }
    }
    if (report.steps > 0 && Object.entries(report).some(([k, n]) => k !== 'steps' && n > 0)) {
      this.deps.logger.info(report, 'retention: pruned old rows');
    }
    return report;
  }
}
