/**
 * Retention (issue 20, finding 10): the station log, plans and decisions are pruned by age and by row count, in
 * small batches with the event loop yielded between them; a site's latest plan and what a running session
 * refers to are never pruned; the product runs it on the injected clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { Db } from '../../src/storage/index.js';
import { StationLogRepository } from '../../src/storage/station-log-repository.js';
import { StationRepository } from '../../src/storage/station-repository.js';
import { DecisionRepository, PlanRepository, ProfileRepository } from '../../src/storage/plan-repository.js';
import { Retention, type Prunable, type RetentionPolicy } from '../../src/storage/retention.js';
import type { PlanRecord } from '../../src/domain/plans.js';
import { openTestStorage } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

let db: Db;
beforeEach(async () => {
  db = (await openTestStorage()).db;
  await new StationRepository(db).register({ id: 'CS1', passwordHash: null, securityProfile: 0 }, iso(NOW - 200 * DAY));
});

function plan(siteId: string, createdAtMs: number): Omit<PlanRecord, 'id'> {
  return {
    siteId, createdAt: iso(createdAtMs), triggers: ['test'], slotStarts: [createdAtMs], endMs: createdAtMs + 900_000, status: 'empty',
    currency: 'EUR', totalCost: 0, prices: [], siteLimitKw: [11], sessions: [], problem: {}, solver: 'test', solveMs: 0,
  };
}

const policy = (over: Partial<RetentionPolicy> = {}): RetentionPolicy => ({
  stationLogDays: 30, maxStationLogRows: 1_000_000, planDays: 7, maxPlanRows: 1_000_000, decisionDays: 30, maxDecisionRows: 1_000_000,
  pruneBatchRows: 500, pruneIntervalMinutes: 10, ...over,
});

/** Delegates to the real repository and records each step's size and whether the event loop turned since the step before ended. */
function observed(store: Prunable, steps: { n: number; yielded: boolean }[]): Prunable {
  let turned = true;
  return {
    async pruneStep(before, maxRows, batch) {
      const yielded = turned;
      const n = await store.pruneStep(before, maxRows, batch);
      steps.push({ n, yielded });
      // A macrotask queued as the step ends runs only if the loop turns before the next step starts (awaiting
      // between steps alone takes microtasks, never a turn).
      turned = false;
      setImmediate(() => { turned = true; });
      return n;
    },
  };
}

// Thousands of rows written one by one through the repositories: on PostgreSQL on a busy machine that takes a while.
describe('retention', { timeout: 60_000 }, () => {
  it('prunes the station log by age in batches of pruneBatchRows, yielding between them', async () => {
    const log = new StationLogRepository(db);
    // 3,000 messages over 100 days, oldest first; 900 of them are within the last 30 days.
    // Written 100 at a time side by side (pruning by age does not depend on the order of ids).
    for (let i = 0; i < 3_000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) =>
        log.recordMessage('CS1', 'DataTransfer', { vendorId: 'v', i: i + k }, iso(NOW - 100 * DAY + (i + k) * (DAY / 30)))));
    }
    const steps: { n: number; yielded: boolean }[] = [];
    const retention = new Retention({
      policy: policy(), stationLog: observed(log, steps), plans: new PlanRepository(db), decisions: new DecisionRepository(db),
      clock: new ManualClock(NOW), logger: silentLogger(),
    });
    const report = await retention.prune();
    expect(report.stationLog).toBe(2_100);
    expect(steps.map((s) => s.n)).toEqual([500, 500, 500, 500, 100]);
    expect(steps.every((s) => s.yielded)).toBe(true);
    const left = await log.messages('CS1');
    expect(left).toHaveLength(900);
    expect(left.every((m) => m.receivedAt >= iso(NOW - 30 * DAY))).toBe(true);
  });

  it('keeps at most maxStationLogRows, the newest', async () => {
    const log = new StationLogRepository(db);
    for (let i = 0; i < 1_200; i++) await log.recordMessage('CS1', 'LogStatusNotification', { status: 'Idle', i }, iso(NOW - 1_000 + i));
    const retention = new Retention({
      policy: policy({ maxStationLogRows: 1_000 }), stationLog: log, plans: new PlanRepository(db), decisions: new DecisionRepository(db),
      clock: new ManualClock(NOW), logger: silentLogger(),
    });
    expect((await retention.prune()).stationLog).toBe(200);
    const left = await log.messages('CS1');
    expect(left).toHaveLength(1_000);
    expect((left[0]!.payload as { i: number }).i).toBe(200);
  });

  it('never prunes the latest plan of a site, nor a plan or decision a running session still refers to', async () => {
    const plans = new PlanRepository(db);
    const decisions = new DecisionRepository(db);
    // Site A plans every hour for 20 days; site B planned once, 20 days ago.
    const ids: number[] = [];
    for (let h = 0; h < 20 * 24; h++) ids.push(await plans.save(plan('A', NOW - 20 * DAY + h * 3_600_000)));
    const onlyB = await plans.save(plan('B', NOW - 20 * DAY));
    // A session still running holds a profile pushed from a 15-day-old plan of A (a long stay); one that ended too.
    const at = iso(NOW - 15 * DAY);
    await db.insertInto('transactions').values([
      { station_id: 'CS1', transaction_id: 'T-run', evse_id: 1, state: 'Started', started_at: at, last_seq_no: 0, last_event_at: at, updated_at: at },
      { station_id: 'CS1', transaction_id: 'T-done', evse_id: 2, state: 'Ended', started_at: at, last_seq_no: 1, last_event_at: at, updated_at: at },
    ]).execute();
    const held = ids[5 * 24]!;
    const profiles = new ProfileRepository(db);
    for (const [tx, evseId] of [['T-run', 1], ['T-done', 2]] as const) {
      await profiles.recordPush({ stationId: 'CS1', evseId, transactionId: tx, siteId: 'A', planId: held, profileId: 1000 + evseId, stackLevel: 1,
        unit: 'W', periods: [], endMs: NOW, coversUntilMs: null, state: 'accepted', detail: null, sentAt: iso(NOW - 15 * DAY) });
    }
    for (const tx of ['T-run', 'T-done', null]) {
      await decisions.append({ siteId: 'A', at: iso(NOW - 60 * DAY), kind: 'plan.created', stationId: 'CS1', evseId: 1, transactionId: tx, planId: held, message: `old ${tx}`, details: null });
    }
    const retention = new Retention({
      policy: policy({ pruneBatchRows: 100 }), stationLog: new StationLogRepository(db), plans, decisions, clock: new ManualClock(NOW), logger: silentLogger(),
    });
    const report = await retention.prune();
    const kept = (await db.selectFrom('plans').select('id').orderBy('id').execute()).map((r) => r.id);
    // A's last 7 days (168 hourly plans), the plan the running session holds, and B's only plan.
    expect(kept).toEqual([held, ...ids.slice(13 * 24), onlyB]);
    expect((await plans.latest('B'))?.id).toBe(onlyB);
    expect(report.plans).toBe(ids.length - 7 * 24 - 1);
    expect((await decisions.list('A')).map((d) => d.message)).toEqual(['old T-run']);
  });
});

describe('retention in the product', () => {
  let server: TestServer | undefined;
  afterEach(async () => server?.stop());

  it('runs every retention.pruneIntervalMinutes of the injected clock', async () => {
    server = await startTestServer({ retention: { stationLogDays: 1, pruneIntervalMinutes: 10 } });
    const { repositories, retention } = server.running;
    await server.addStation('CS1', 'correct-horse-battery');
    const now = server.clock.now();
    await repositories.stationLog.recordMessage('CS1', 'DataTransfer', { vendorId: 'old' }, iso(now - 2 * DAY));
    await repositories.stationLog.recordMessage('CS1', 'DataTransfer', { vendorId: 'new' }, iso(now));
    server.clock.advance(9 * 60_000);
    expect(retention.inFlight()).toBeUndefined();
    expect(await repositories.stationLog.messages('CS1')).toHaveLength(2);
    // The timer fires within advance and starts a pass at once.
    server.clock.advance(60_000);
    const pass = retention.inFlight();
    expect(pass).toBeDefined();
    expect((await pass)?.stationLog).toBe(1);
    expect((await repositories.stationLog.messages('CS1')).map((m) => (m.payload as { vendorId: string }).vendorId)).toEqual(['new']);
  });
});
