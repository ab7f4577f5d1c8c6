import { beforeEach, describe, expect, it } from 'vitest';
import type { PlanRecord } from '../../src/domain/plans.js';
import type { Db } from '../../src/storage/sql/dialect.js';
import { PlanRepository } from '../../src/storage/plan-repository.js';
import { openTestStorage } from '../helpers/test-database.js';

/** Issue 18: PlanRepository.latestId, the one index read a node that does not plan a site checks its kept plan with. */
let db: Db;
beforeEach(async () => {
  db = (await openTestStorage()).db;
});

const plan = (siteId: string): Omit<PlanRecord, 'id'> => ({
  siteId, createdAt: '2026-11-23T16:00:00.000Z', triggers: ['test'], status: 'optimal', currency: 'EUR', totalCost: 0,
  slotStarts: [Date.parse('2026-11-23T16:00:00Z')], endMs: Date.parse('2026-11-23T16:15:00Z'), prices: [null], siteLimitKw: [22],
  sessions: [], problem: null, solver: 'test', solveMs: 0,
});

describe('PlanRepository.latestId', () => {
  it('is the id latest() reads, per site, and none for a site without plans', async () => {
    const plans = new PlanRepository(db);
    expect(await plans.latestId('a')).toBeUndefined();
    const a1 = await plans.save(plan('a'));
    const b1 = await plans.save(plan('b'));
    expect(await plans.latestId('a')).toBe(a1);
    const a2 = await plans.save(plan('a'));
    expect(await plans.latestId('a')).toBe(a2);
    expect((await plans.latest('a'))?.id).toBe(a2);
    expect(await plans.latestId('b')).toBe(b1);
  });
});
