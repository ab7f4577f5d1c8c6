/**
 * A connecting station's writes of one event-loop turn (its boot's station row, its capability read's device model)
 * share a commit on SQLite (src/storage/turn-group.ts, issue 15); on either database each write resolves once it is
 * stored, a failing one fails alone, and writes of one station keep their order.
 */
import { describe, expect, it } from 'vitest';
import { createOcppRepositories } from '../../src/storage/index.js';
import { DeviceModelRepository } from '../../src/storage/device-model-repository.js';
import { StationRepository } from '../../src/storage/station-repository.js';
import { dialectOf, observeWrites } from '../../src/storage/sql/dialect.js';
import { openTestStorage } from '../helpers/test-database.js';

const T0 = '2026-03-29T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const boot = (serialNumber: string) => ({ reason: 'PowerUp', vendorName: 'V', model: 'M', serialNumber, firmwareVersion: '1.0' });
const variable = (name: string, value: string) => ({ component: 'SmartChargingCtrlr', variable: name, value });

async function open() {
  const storage = await openTestStorage();
  const repos = createOcppRepositories(storage.db);
  for (const id of ['CS1', 'CS2', 'CS3']) await repos.stations.register({ id, passwordHash: null, securityProfile: 0 }, T0);
  return { db: storage.db, ...repos };
}

describe('writes of one turn (turn-group.ts)', () => {
  it('boots and device models asked for together are stored when they resolve, on SQLite in one commit', async () => {
    const { db, stations, deviceModel } = await open();
    const commits: number[] = [];
    const stop = observeWrites(db, () => void commits.push(1));
    await Promise.all([
      stations.recordBoot('CS1', boot('S1'), 'Accepted', at(1)),
      stations.recordBoot('CS2', boot('S2'), 'Pending', at(1)),
      deviceModel.upsert('CS1', [variable('Enabled', 'true'), variable('RateUnit', 'A,W')], 'GetVariables', at(1)),
    ]);
    stop();
    if (dialectOf(db) === 'sqlite') expect(commits).toHaveLength(1);
    expect(await stations.get('CS1')).toMatchObject({ serialNumber: 'S1', lastBootStatus: 'Accepted', lastBootAt: at(1), lastSeenAt: at(1) });
    expect(await stations.get('CS2')).toMatchObject({ serialNumber: 'S2', lastBootStatus: 'Pending' });
    expect((await deviceModel.list('CS1')).map((v) => `${v.variable}=${v.value}`)).toEqual(['Enabled=true', 'RateUnit=A,W']);
  });

  it('a write that fails fails alone: the others of its turn are stored', async () => {
    const { stations, deviceModel } = await open();
    const results = await Promise.allSettled([
      stations.recordBoot('CS1', boot('S1'), 'Accepted', at(1)),
      // No such station: the device model's row breaks its foreign key.
      deviceModel.upsert('NOPE', [variable('Enabled', 'true')], 'GetVariables', at(1)),
      deviceModel.upsert('CS2', [variable('Enabled', 'false')], 'GetVariables', at(1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await stations.get('CS1')).toMatchObject({ serialNumber: 'S1', lastBootStatus: 'Accepted' });
    expect(await deviceModel.list('CS2')).toEqual([{ component: 'SmartChargingCtrlr', variable: 'Enabled', attributeType: 'Actual', value: 'false' }]);
    expect(await deviceModel.list('NOPE')).toEqual([]);
  });

  it("a station's writes of one turn keep their order, and its cap counts the earlier ones", async () => {
    const { db, stations, deviceModel } = await open();
    // On SQLite asked for in one turn (one group); PostgreSQL's pool gives concurrent writes no order, so there one
    // after another, as a station's one call at a time makes them: the same outcome either way.
    const together = dialectOf(db) === 'sqlite';
    const inOrder = async (writes: (() => Promise<void>)[]) => {
      if (together) await Promise.all(writes.map((w) => w()));
      else for (const w of writes) await w();
    };
    await inOrder([
      () => stations.recordBoot('CS3', boot('first'), 'Pending', at(1)),
      () => stations.recordBoot('CS3', boot('second'), 'Accepted', at(2)),
      () => deviceModel.upsert('CS3', [variable('Enabled', 'true')], 'GetVariables', at(1)),
      () => deviceModel.upsert('CS3', [variable('Enabled', 'false'), variable('Entries', '8')], 'GetVariables', at(2)),
    ]);
    expect(await stations.get('CS3')).toMatchObject({ serialNumber: 'second', lastBootStatus: 'Accepted', lastBootAt: at(2) });
    expect((await deviceModel.list('CS3')).map((v) => `${v.variable}=${v.value}`)).toEqual(['Enabled=false', 'Entries=8']);
    const capped = new DeviceModelRepository(db, { maxVariablesPerStation: 2 });
    await inOrder([
      () => capped.upsert('CS2', [variable('Enabled', 'true'), variable('Entries', '8')], 'GetVariables', at(1)),
      () => capped.upsert('CS2', [variable('RateUnit', 'A'), variable('Enabled', 'false')], 'GetVariables', at(2)),
    ]);
    expect((await capped.list('CS2')).map((v) => `${v.variable}=${v.value}`)).toEqual(['Enabled=false', 'Entries=8']);
    expect(capped.counts.dropped).toBe(1);
  });

  it('a turn of more writes than one transaction takes (250) stores them all', async () => {
    const { db, stations } = await open();
    const ids = Array.from({ length: 250 }, (_, i) => `S${String(i).padStart(3, '0')}`);
    const repo = new StationRepository(db);
    await db.transaction().execute(async (trx) => {
      for (const id of ids) await new StationRepository(trx).register({ id, passwordHash: null, securityProfile: 0 }, T0);
    });
    await Promise.all(ids.map((id) => repo.recordBoot(id, boot(id), 'Accepted', at(1))));
    for (const id of [ids[0]!, ids[199]!, ids[200]!, ids[249]!]) expect(await stations.get(id)).toMatchObject({ serialNumber: id, lastBootAt: at(1) });
  });

  it('inside a transaction the writes are that transaction\'s own (not grouped, undone with it)', async () => {
    const { db, stations } = await open();
    await expect(db.transaction().execute(async (trx) => {
      await new StationRepository(trx).recordBoot('CS1', boot('in-trx'), 'Accepted', at(1));
      expect(await new StationRepository(trx).get('CS1')).toMatchObject({ serialNumber: 'in-trx' });
      throw new Error('undo');
    })).rejects.toThrow('undo');
    expect(await stations.get('CS1')).toMatchObject({ serialNumber: null, lastBootAt: null });
  });
});
