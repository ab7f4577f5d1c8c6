/**
 * Retention of the EVSE state log (issue 17, migration 0021): rows older than retention.evseStateLogDays (by arrival)
 * go in batches, except each station, EVSE, connector and kind's latest row from before the cut-off, which is the state
 * a later period starts in (a connector Faulted since long ago has one row); a utilisation period inside the kept time gives the
 * same figures after pruning as before. Also through the product: config retention.evseStateLogDays on its clock.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { EvseStateRow } from '../../src/domain/utilisation.js';
import { DecisionRepository, PlanRepository } from '../../src/storage/plan-repository.js';
import { StationLogRepository } from '../../src/storage/station-log-repository.js';
import { StationRepository } from '../../src/storage/station-repository.js';
import { DEFAULT_EVSE_STATE_LOG_DAYS, Retention, type RetentionPolicy } from '../../src/storage/retention.js';
import { UtilisationRepository } from '../../src/storage/utilisation-repository.js';
import { computeUtilisation } from '../../src/scheduler/utilisation.js';
import { utilisationPeriod } from '../../src/scheduler/utilisation-calendar.js';
import { openTestStorage } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const ago = (days: number) => iso(NOW - days * DAY);

const policy = (over: Partial<RetentionPolicy> = {}): RetentionPolicy => ({
  stationLogDays: 30, maxStationLogRows: 1_000_000, planDays: 7, maxPlanRows: 1_000_000, decisionDays: 30, maxDecisionRows: 1_000_000,
  pruneBatchRows: 2, pruneIntervalMinutes: 10, ...over,
});

const row = (evseId: number, connectorId: number, kind: EvseStateRow['kind'], value: string, days: number): EvseStateRow =>
  ({ stationId: 'CS1', evseId, connectorId, kind, value, at: ago(days) });

/** Each row arrives when it happened (received_at = at), one write each, oldest first. */
const HISTORY: EvseStateRow[] = [
  row(0, 0, 'link', 'connected', 500),
  row(1, 1, 'connector', 'Available', 500),
  row(2, 1, 'connector', 'Available', 500),
  row(0, 0, 'authorize', 'Authorize', 451),
  row(1, 1, 'connector', 'Occupied', 450),
  // Two statuses of one connector at one instant: the later written is the state (ties by id).
  row(2, 1, 'connector', 'Occupied', 450),
  row(2, 1, 'connector', 'Available', 450),
  row(0, 0, 'link', 'disconnected', 460),
  row(1, 0, 'charging', 'Charging', 449),
  row(1, 0, 'charging', 'SuspendedEV', 448),
  row(1, 1, 'connector', 'Available', 440),
  // Faulted since 420 days ago: older than the limit, and still the state.
  row(1, 1, 'connector', 'Faulted', 420),
  // Recent ones (on EVSE 2's second connector): never pruned.
  row(0, 0, 'link', 'connected', 10),
  row(0, 0, 'authorize', 'Authorize', 5),
  row(2, 2, 'connector', 'Occupied', 5),
  row(2, 2, 'connector', 'Available', 4),
];

async function seeded() {
  const db = (await openTestStorage()).db;
  await new StationRepository(db).register({ id: 'CS1', passwordHash: null, securityProfile: 0 }, ago(600));
  const log = new UtilisationRepository(db);
  for (const r of HISTORY) await log.record([r], r.at);
  return { db, log };
}

const lastMonth = async (log: UtilisationRepository) => {
  const period = utilisationPeriod('Europe/Berlin', NOW, '2026-05-01', '2026-06-01');
  const history = await log.history(['CS1'], iso(period.startMs), iso(NOW));
  return computeUtilisation({ site: { id: 'S', evses: [{ stationId: 'CS1', evseId: 1 }, { stationId: 'CS1', evseId: 2 }] }, period, nowMs: NOW, history });
};

describe('retention of the EVSE state log', { timeout: 60_000 }, () => {
  it('prunes rows older than evseStateLogDays in batches, keeping each key\'s state at the cut-off, so a later period reads the same', async () => {
    const { db, log } = await seeded();
    const before = await lastMonth(log);
    // The month starts with EVSE 1 Faulted (out of service) and EVSE 2 Available, the station connected 10 days before its end.
    expect(before.evseRows.map((e) => e.outOfServiceH)).toEqual([before.periodH, 0]);

    const retention = new Retention({
      policy: policy({ evseStateLogDays: 400 }), stationLog: new StationLogRepository(db), plans: new PlanRepository(db),
      decisions: new DecisionRepository(db), evseStateLog: log, clock: new ManualClock(NOW), logger: silentLogger(),
    });
    const report = await retention.prune();
    // Pruned: link connected@500 (disconnected@460 is the link's state at the cut-off and stays, though a newer row
    // came 10 days ago), the authorize@451, EVSE 1's Available@500, Occupied@450, Available@440 and Charging@449,
    // EVSE 2's Available@500 and Occupied@450 (its Available@450, same instant, was written later: the state).
    expect(report.evseStateLog).toBe(8);
    const left = (await sql<{ evse_id: number; kind: string; value: string; at: string }>`SELECT evse_id, kind, value, at FROM evse_state_log ORDER BY id`.execute(db)).rows;
    expect(left.map((r) => `${r.evse_id} ${r.kind} ${r.value} ${new Date(r.at).toISOString()}`)).toEqual([
      `2 connector Available ${ago(450)}`,
      `0 link disconnected ${ago(460)}`,
      `1 charging SuspendedEV ${ago(448)}`,
      `1 connector Faulted ${ago(420)}`,
      `0 link connected ${ago(10)}`,
      `0 authorize Authorize ${ago(5)}`,
      `2 connector Occupied ${ago(5)}`,
      `2 connector Available ${ago(4)}`,
    ]);
    expect(await lastMonth(log)).toEqual(before);
    // A second pass finds nothing more.
    expect((await retention.prune()).evseStateLog).toBe(0);
  });

  it('keeps DEFAULT_EVSE_STATE_LOG_DAYS (400) when the policy names no age', async () => {
    const { db, log } = await seeded();
    const retention = new Retention({
      policy: policy(), stationLog: new StationLogRepository(db), plans: new PlanRepository(db),
      decisions: new DecisionRepository(db), evseStateLog: log, clock: new ManualClock(NOW + 45 * DAY), logger: silentLogger(),
    });
    expect(DEFAULT_EVSE_STATE_LOG_DAYS).toBe(400);
    // 45 days later the cut-off is 355 days back from the rows' NOW: the same eight rows.
    expect((await retention.prune()).evseStateLog).toBe(8);
  });
});

describe('retention of the EVSE state log in the product', { timeout: 60_000 }, () => {
  let server: TestServer | undefined;
  afterEach(async () => server?.stop());

  it('prunes by config retention.evseStateLogDays on the injected clock', async () => {
    server = await startTestServer({ retention: { evseStateLogDays: 1, pruneIntervalMinutes: 10 } });
    await server.addStation('CS1', 'correct-horse-battery');
    const now = server.clock.now();
    const log = new UtilisationRepository(server.running.db);
    // Written as arrived two days ago, then a newer state of the same connector (EVSE 9: none of the station's own rows).
    await log.record([{ stationId: 'CS1', evseId: 9, connectorId: 1, kind: 'connector', value: 'Occupied', at: iso(now - 2 * DAY) }], iso(now - 2 * DAY));
    await log.record([{ stationId: 'CS1', evseId: 9, connectorId: 1, kind: 'connector', value: 'Available', at: iso(now - 2 * DAY + 60_000) }], iso(now - 2 * DAY + 60_000));
    server.clock.advance(10 * 60_000);
    const pass = server.running.retention.inFlight();
    expect(pass).toBeDefined();
    expect((await pass)?.evseStateLog).toBe(1);
    const left = (await sql<{ value: string }>`SELECT value FROM evse_state_log WHERE evse_id = 9 ORDER BY id`.execute(server.running.db)).rows;
    expect(left.map((r) => r.value)).toEqual(['Available']);
  });
});
