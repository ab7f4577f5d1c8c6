import { describe, expect, it } from 'vitest';
import type { PlanRecord, PlanStore } from '../../src/domain/plans.js';
import { KeptPlans } from '../../src/scheduler/kept-plans.js';

/** Issue 18: a node that does not plan a site parses its latest plan only when the stored latest id moved. */
function store() {
  const plans: PlanRecord[] = [];
  let reads = 0;
  const s: PlanStore & { latestId(siteId: string): Promise<number | undefined> } = {
    save: async (p) => plans.push({ ...p, id: plans.length + 1 } as PlanRecord),
    latest: async (siteId) => {
      reads++;
      // A fresh object per read, as a database row parsed again would be.
      const p = plans.filter((x) => x.siteId === siteId).at(-1);
      return p ? { ...p } : undefined;
    },
    latestId: async (siteId) => plans.filter((x) => x.siteId === siteId).at(-1)?.id,
    get: async (id) => plans.find((p) => p.id === id),
  };
  return { s, reads: () => reads };
}

describe('KeptPlans', () => {
  it('keeps the parsed plan while the latest id stands and reads the new one the moment it moves', async () => {
    const { s, reads } = store();
    const kept = new KeptPlans(s);
    expect(await kept.latest('a')).toBeUndefined();
    await s.save({ siteId: 'a' } as PlanRecord);
    const first = await kept.latest('a');
    expect(first?.id).toBe(1);
    expect(await kept.latest('a')).toBe(first);
    const before = reads();
    await kept.latest('a');
    expect(reads()).toBe(before);
    await s.save({ siteId: 'b' } as PlanRecord);
    expect(await kept.latest('a')).toBe(first);
    await s.save({ siteId: 'a' } as PlanRecord);
    expect((await kept.latest('a'))?.id).toBe(3);
  });
});
