import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/storage/index.js';
import { TargetRepository, VehicleRepository } from '../../src/storage/vehicle-repository.js';

// A fleet's bulk upload is all or none, down to the database: setMany runs in one SQLite transaction.
describe('TargetRepository.setMany', () => {
  let dir: string;
  let db: Db;
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function open() {
    dir = mkdtempSync(join(tmpdir(), 'target-batch-'));
    db = openDatabase(join(dir, 't.sqlite'));
    const vehicles = new VehicleRepository(db);
    for (const id of ['v1', 'v2']) vehicles.upsert({ id, name: id, fleet: 'north', batteryKwh: 60, maxAcKw: 11, phases: 3, minCurrentA: null, idTokens: [] }, '2026-11-23T16:00:00Z');
    return new TargetRepository(db);
  }

  it('stores every entry and returns the records in order', () => {
    const targets = open();
    const records = targets.setMany([
      { vehicleId: 'v1', target: { kind: 'once', departure: '2026-11-24T07:30', energyKwh: 20 } },
      { vehicleId: 'v2', target: { kind: 'weekly', days: ['mon', 'tue'], time: '06:45', socPercent: 80 } },
    ], '2026-11-23T16:00:00Z');
    expect(records.map((r) => r.vehicleId)).toEqual(['v1', 'v2']);
    expect(targets.get('v1')?.once?.departure).toBe('2026-11-24T07:30');
    expect(targets.get('v2')?.weekly?.time).toBe('06:45');
  });

  it('rolls back the rows before a failing one (here: a vehicle the foreign key does not know)', () => {
    const targets = open();
    targets.set('v1', { kind: 'once', departure: '2026-11-24T06:00', energyKwh: 5 }, '2026-11-23T15:00:00Z');
    expect(() => targets.setMany([
      { vehicleId: 'v1', target: { kind: 'once', departure: '2026-11-24T07:30', energyKwh: 20 } },
      { vehicleId: 'v2', target: { kind: 'once', departure: '2026-11-24T08:00', energyKwh: 10 } },
      { vehicleId: 'ghost', target: { kind: 'once', departure: '2026-11-24T08:00', energyKwh: 10 } },
    ], '2026-11-23T16:00:00Z')).toThrow(/FOREIGN KEY/);
    expect(targets.get('v1')?.once).toEqual({ kind: 'once', departure: '2026-11-24T06:00', energyKwh: 5 });
    expect(targets.get('v2')).toBeUndefined();
  });
});
