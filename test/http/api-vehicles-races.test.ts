/**
 * Read-then-write races on vehicles (issue 16), on SQLite and PostgreSQL: each edit through the API is computed from
 * the vehicle as read and stores the whole vehicle, so a rename beside a card added a moment earlier used to store the
 * card list from before and drop the card. Now the store writes an edit only if the vehicle is still the one it read
 * (the row locked on PostgreSQL) and the route reads and computes again otherwise: edits made at once all land.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRepository } from '../../src/storage/audit-repository.js';
import { VehicleChangedError } from '../../src/domain/vehicle-changes.js';
import { startApi, type ApiFixture } from './api-fixture.js';

let f: ApiFixture;
beforeAll(async () => {
  f = await startApi();
}, 60_000);
afterAll(async () => f?.close());

const vehicle = async (id: string) => (await f.deps.stores.vehicles.get(id))!;
const auditCount = async (id: string) => (await new AuditRepository(f.server.running.db).list({ limit: 200, targetKind: 'vehicle', targetId: id })).length;

describe('people editing one vehicle at once', () => {
  it('a rename, a card added and a card removed at the same moment all land, round after round', async () => {
    await f.as('north', { method: 'POST', url: '/api/v1/vehicles/VAN-1/id-tokens', payload: { idToken: 'CARD-OLD' } });
    for (let round = 0; round < 4; round++) {
      const removed = round === 0 ? 'CARD-OLD' : `CARD-${round - 1}`;
      const results = await Promise.all([
        f.as('north', { method: 'PATCH', url: '/api/v1/vehicles/VAN-1', payload: { name: `Van ${round}`, batteryKwh: 70 + round } }),
        f.as('north', { method: 'POST', url: '/api/v1/vehicles/VAN-1/id-tokens', payload: { idToken: `CARD-${round}` } }),
        f.as('north', { method: 'DELETE', url: `/api/v1/vehicles/VAN-1/id-tokens/${removed}` }),
      ]);
      expect(results.map((r) => r.statusCode), results.map((r) => r.body).join('\n')).toEqual([200, 201, 200]);
      const now = await vehicle('VAN-1');
      expect([now.name, now.batteryKwh]).toEqual([`Van ${round}`, 70 + round]);
      expect(now.idTokens).toContain(`CARD-${round}`);
      expect(now.idTokens).not.toContain(removed);
      expect(now.idTokens).toContain('TOKEN-1');
    }
  });

  it('two cards added at once both stay', async () => {
    const results = await Promise.all(['CARD-A', 'CARD-B', 'CARD-C'].map((idToken) =>
      f.as('north', { method: 'POST', url: '/api/v1/vehicles/VAN-1/id-tokens', payload: { idToken } })));
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect((await vehicle('VAN-1')).idTokens).toEqual(expect.arrayContaining(['CARD-A', 'CARD-B', 'CARD-C', 'TOKEN-1']));
  });

  it('the store refuses an edit of a vehicle that changed since it was read, naming what changed, and writes nothing', async () => {
    const read = await vehicle('VAN-1');
    await f.as('north', { method: 'PATCH', url: '/api/v1/vehicles/VAN-1', payload: { maxAcKw: 7.4 } });
    const stored = await vehicle('VAN-1');
    const audits = await auditCount('VAN-1');
    const change = { audit: { at: f.server.clock.now(), actor: { kind: 'token' as const, id: 'test', name: 'test' }, action: 'vehicle.updated', target: { kind: 'vehicle', id: 'VAN-1' }, detail: {} }, expected: read };
    const stale = f.deps.stores.vehicles.changing(change, (vehicles) => vehicles.upsert({ ...read, name: 'Stale' }, new Date(f.server.clock.now()).toISOString()));
    await expect(stale).rejects.toBeInstanceOf(VehicleChangedError);
    await expect(stale).rejects.toMatchObject({ code: 'VEHICLE_CHANGED', fields: ['maxAcKw'] });
    expect(await vehicle('VAN-1')).toEqual(stored);
    expect(await auditCount('VAN-1')).toBe(audits);
  });
});
