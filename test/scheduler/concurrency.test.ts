import { afterEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/test-server.js';
import { startDepot } from '../helpers/depot.js';
import type { ChargerCompliance, ChargerStatusRecord } from '../../src/domain/plans.js';

/**
 * Issue 15: a charger's status is read, compared and stored (the decision log and the re-plan hang on "did it
 * change?"). With asynchronous stores two of those could interleave; the scheduler queues them per EVSE, so twenty
 * at once behave as twenty one after the other. On the real product and its database (SQLite, or PostgreSQL under
 * npm run test:postgres); CS2 EVSE 1 has no station connected, so no cycle writes its status meanwhile.
 */
let server: TestServer;
afterEach(async () => server?.stop());

async function depot() {
  server = await startDepot();
  const events: ChargerStatusRecord[] = [];
  server.running.events.on('charger.status', (e) => events.push(e));
  const stored = async () => server.running.db.selectFrom('charger_status').selectAll().where('station_id', '=', 'CS2').where('evse_id', '=', 1).executeTakeFirst();
  return { scheduler: server.running.scheduler, events, stored };
}

describe('a charger status stored by many at once', () => {
  it('twenty at once with the same status: it changes once, and is reported once', async () => {
    const { scheduler, events, stored } = await depot();
    const changed = await Promise.all(Array.from({ length: 20 }, () => scheduler.setCompliance('CS2', 1, 'limited', 'holds 7 kW')));
    expect(changed.filter((c) => c)).toHaveLength(1);
    expect(changed[0]).toBe(true);
    expect(events.map((e) => [e.compliance, e.detail])).toEqual([['limited', 'holds 7 kW']]);
    expect(await stored()).toMatchObject({ compliance: 'limited', detail: 'holds 7 kW' });
  });

  it('twenty at once that alternate: each is a change, in the order they were asked, and the last one stays', async () => {
    const { scheduler, events, stored } = await depot();
    const statuses: ChargerCompliance[] = Array.from({ length: 20 }, (_, k) => (k % 2 ? 'follows' : 'ignores-profiles'));
    const changed = await Promise.all(statuses.map((c) => scheduler.setCompliance('CS2', 1, c, null)));
    expect(changed).toEqual(statuses.map(() => true));
    expect(events.map((e) => e.compliance)).toEqual(statuses);
    expect(await stored()).toMatchObject({ compliance: 'follows', detail: null });
  });
});
