import { describe, expect, it } from 'vitest';
import { openTestStorage } from '../helpers/test-database.js';
import { TargetRepository, VehicleRepository } from '../../src/storage/vehicle-repository.js';
import type { OneOffTarget, WeeklyTarget } from '../../src/domain/vehicles.js';

// A fleet's bulk upload is all or none, down to the database: setMany runs in one transaction.
describe('TargetRepository.setMany', () => {
  async function open() {
    const { db } = await openTestStorage();
    const vehicles = new VehicleRepository(db);
    for (const id of ['v1', 'v2']) {
      await vehicles.upsert({ id, name: id, fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, minCurrentA: null, idTokens: [] }, '2026-11-23T16:00:00Z');
    }
    return new TargetRepository(db);
  }

  it('stores every entry and returns the records in order', async () => {
    const targets = await open();
    const records = await targets.setMany([
      { vehicleId: 'v1', target: { kind: 'once', departure: '2026-11-24T07:30', energyKwh: 20 } },
      { vehicleId: 'v2', target: { kind: 'weekly', days: ['mon', 'tue'], time: '06:45', socPercent: 80 } },
    ], '2026-11-23T16:00:00Z');
    expect(records.map((r) => r.vehicleId)).toEqual(['v1', 'v2']);
    expect((await targets.get('v1'))?.once?.departure).toBe('2026-11-24T07:30');
    expect((await targets.get('v2'))?.weekly?.time).toBe('06:45');
  });

  it('rolls back the rows before a failing one (here: a vehicle the foreign key does not know)', async () => {
    const targets = await open();
    await targets.set('v1', { kind: 'once', departure: '2026-11-24T06:00', energyKwh: 5 }, '2026-11-23T15:00:00Z');
    await expect(targets.setMany([
      { vehicleId: 'v1', target: { kind: 'once', departure: '2026-11-24T07:30', energyKwh: 20 } },
      { vehicleId: 'v2', target: { kind: 'once', departure: '2026-11-24T08:00', energyKwh: 10 } },
      { vehicleId: 'ghost', target: { kind: 'once', departure: '2026-11-24T08:00', energyKwh: 10 } },
    ], '2026-11-23T16:00:00Z')).rejects.toThrow(/FOREIGN KEY|foreign key/);
    expect((await targets.get('v1'))?.once).toEqual({ kind: 'once', departure: '2026-11-24T06:00', energyKwh: 5 });
    expect(await targets.get('v2')).toBeUndefined();
  });

  it('a vehicle named twice: each record is its row after its own entry, one-off and weekly kept side by side', async () => {
    const targets = await open();
    const weekly: WeeklyTarget = { kind: 'weekly', days: ['mon'], time: '06:45', socPercent: 80 };
    const once: OneOffTarget = { kind: 'once', departure: '2026-11-24T07:30', energyKwh: 20 };
    const later: OneOffTarget = { kind: 'once', departure: '2026-11-25T07:30', energyKwh: 12 };
    const records = await targets.setMany([
      { vehicleId: 'v1', target: weekly },
      { vehicleId: 'v2', target: once },
      { vehicleId: 'v1', target: once },
      { vehicleId: 'v1', target: later },
    ], '2026-11-23T16:00:00.000Z');
    expect(records.map((r) => [r.vehicleId, r.once, r.weekly])).toEqual([
      ['v1', null, weekly],
      ['v2', once, null],
      ['v1', once, weekly],
      ['v1', later, weekly],
    ]);
    expect(await targets.get('v1')).toEqual({ vehicleId: 'v1', once: later, weekly, updatedAt: '2026-11-23T16:00:00.000Z', mode: null });
  });

  it('one row per vehicle: a kind set later in the upload reads as the row before it in the earlier records', async () => {
    const targets = await open();
    const weekly0: WeeklyTarget = { kind: 'weekly', days: ['sun'], time: '09:00', energyKwh: 5 };
    await targets.set('v1', weekly0, '2026-11-23T15:00:00.000Z');
    const once: OneOffTarget = { kind: 'once', departure: '2026-11-24T07:30', energyKwh: 20 };
    const weekly1: WeeklyTarget = { kind: 'weekly', days: ['mon', 'fri'], time: '06:45', socPercent: 80 };
    const records = await targets.setMany([
      { vehicleId: 'v1', target: once },
      { vehicleId: 'v2', target: weekly1 },
      { vehicleId: 'v1', target: weekly1 },
    ], '2026-11-23T16:00:00.000Z');
    expect(records.map((r) => [r.vehicleId, r.once, r.weekly])).toEqual([
      ['v1', once, weekly0],
      ['v2', null, weekly1],
      ['v1', once, weekly1],
    ]);
    expect(await targets.many(['v1', 'v2'])).toEqual(new Map([
      // mode: the charging mode stored beside the targets (issue 18), none set here.
      ['v1', { vehicleId: 'v1', once, weekly: weekly1, updatedAt: '2026-11-23T16:00:00.000Z', mode: null }],
      ['v2', { vehicleId: 'v2', once: null, weekly: weekly1, updatedAt: '2026-11-23T16:00:00.000Z', mode: null }],
    ]));
  });
});
