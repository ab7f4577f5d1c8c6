/**
 * The waiting list (issue 16) is bounded (WAITING_LIMITS.maxRows; full, unknown ids are refused), so stations that
 * stopped trying must leave it: retention drops the rows whose last attempt is older than
 * retention.waitingStationDays (default 30), oldest first in batches; a station that keeps trying stays however long
 * ago it first came. SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { DecisionRepository, PlanRepository } from '../../src/storage/plan-repository.js';
import { StationLogRepository } from '../../src/storage/station-log-repository.js';
import { DEFAULT_WAITING_STATION_DAYS, Retention, type RetentionPolicy } from '../../src/storage/retention.js';
import { WaitingStationRepository } from '../../src/storage/waiting-station-repository.js';
import { openTestStorage } from '../helpers/test-database.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();

const policy = (over: Partial<RetentionPolicy> = {}): RetentionPolicy => ({
  stationLogDays: 30, maxStationLogRows: 1_000_000, planDays: 7, maxPlanRows: 1_000_000, decisionDays: 30, maxDecisionRows: 1_000_000,
  pruneBatchRows: 2, pruneIntervalMinutes: 10, ...over,
});

describe('retention of the waiting list', () => {
  it('drops stations that stopped trying, in batches, and keeps those that still try', async () => {
    const { db } = await openTestStorage();
    const waiting = new WaitingStationRepository(db);
    const attempt = (stationId: string, days: number) => waiting.recordAttempt({ stationId, remoteAddress: '10.0.0.9', tls: false, at: ago(days) }, 100);
    for (const [id, days] of [['GONE-1', 90], ['GONE-2', 45], ['GONE-3', 31], ['FRESH', 2]] as const) expect(await attempt(id, days)).toBe('recorded');
    // First seen long ago, but it tried again yesterday: it stays.
    await attempt('KEEPS-TRYING', 200);
    await attempt('KEEPS-TRYING', 1);

    const retention = new Retention({
      policy: policy(), stationLog: new StationLogRepository(db), plans: new PlanRepository(db), decisions: new DecisionRepository(db),
      waitingStations: waiting, clock: new ManualClock(NOW), logger: silentLogger(),
    });
    expect(DEFAULT_WAITING_STATION_DAYS).toBe(30);
    expect((await retention.prune()).waitingStations).toBe(3);
    expect((await waiting.list(100)).map((w) => w.stationId).sort()).toEqual(['FRESH', 'KEEPS-TRYING']);
    expect((await retention.prune()).waitingStations).toBe(0);

    // A shorter setting takes the stations that have not tried for a day and a half.
    const strict = new Retention({
      policy: policy({ waitingStationDays: 1.5 }), stationLog: new StationLogRepository(db), plans: new PlanRepository(db),
      decisions: new DecisionRepository(db), waitingStations: waiting, clock: new ManualClock(NOW), logger: silentLogger(),
    });
    expect((await strict.prune()).waitingStations).toBe(1);
    expect((await waiting.list(100)).map((w) => w.stationId)).toEqual(['KEEPS-TRYING']);
  });
});
