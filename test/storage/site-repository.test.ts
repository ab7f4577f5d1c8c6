/**
 * Sites in the database (issue 16) on SQLite and, under `npm run test:postgres`, PostgreSQL: a site reads back exactly
 * as written (the export), writes are whole and all-or-none, an EVSE is on one site at most, and the config import is
 * idempotent (twice gives the same rows) and follows its rule for edits made through the API.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/storage/database.js';
import { SiteRepository } from '../../src/storage/site-repository.js';
import { DecisionRepository } from '../../src/storage/plan-repository.js';
import { configSha256, importConfiguredSites } from '../../src/scheduler/site-import.js';
import { SiteConfigError } from '../../src/scheduler/sites.js';
import type { SiteConfig, SiteWrite } from '../../src/domain/sites.js';
import { silentLogger } from '../../src/platform/logger.js';
import { openTestStorage } from '../helpers/test-database.js';

const AT = '2026-12-06T12:00:00.000Z';
const LATER = '2026-12-06T13:00:00.000Z';

/** Every optional field set, a child circuit listed before its parent, a 1-phase EVSE on phase 2. */
const FULL: SiteConfig = {
  id: 'north-depot', name: 'North depot', fleet: 'north', timeZone: 'Europe/Copenhagen', tariff: 'depot', gridLimitKw: 40,
  capacityLimitTarget: 'north-feeder', slotMinutes: 30, lineVoltageV: 240,
  circuits: [{ id: 'row-a', parent: 'main', limitKw: 22, phaseLimitA: 32 }, { id: 'main', limitKw: 35 }],
  evses: [
    { stationId: 'CS1', evseId: 1, circuit: 'row-a', phases: 1, phase: 2, maxKw: 7.4 },
    { stationId: 'CS1', evseId: 2, circuit: 'main' },
  ],
  policy: { defaultDeparture: '06:30', pause: 'minimum', arrivalHistoryWeeks: 4 },
};
const BARE: SiteConfig = { id: 'home-h', timeZone: 'Europe/Berlin', tariff: 'depot', gridLimitKw: 11, evses: [{ stationId: 'HOME-H', evseId: 1 }] };

const write = (config: SiteConfig, over: Partial<SiteWrite> = {}): SiteWrite => ({ config, origin: 'api', configSha256: null, editedAt: AT, ...over });

let db: Db;
let sites: SiteRepository;
beforeEach(async () => {
  db = (await openTestStorage()).db;
  sites = new SiteRepository(db);
});

/** The three tables' rows, in key order: what "the same rows" means. */
async function rows(): Promise<unknown[]> {
  return [
    await db.selectFrom('sites').selectAll().orderBy('id').execute(),
    await db.selectFrom('site_circuits').selectAll().orderBy('site_id').orderBy('id').execute(),
    await db.selectFrom('site_evses').selectAll().orderBy('station_id').orderBy('evse_id').execute(),
  ];
}

describe('SiteRepository', () => {
  it('reads a site back exactly as written: every field given, none added', async () => {
    await sites.save([write(FULL), write(BARE)], AT);
    expect((await sites.get('north-depot'))!.config).toEqual(FULL);
    expect((await sites.get('home-h'))!.config).toEqual(BARE);
    expect(Object.keys((await sites.get('home-h'))!.config)).toEqual(['id', 'timeZone', 'tariff', 'gridLimitKw', 'evses']);
    expect(await sites.get('nowhere')).toBeUndefined();
  });

  it('lists in the order sites were first stored; a replaced site keeps its place and creation time', async () => {
    await sites.save([write(FULL)], AT);
    await sites.save([write(BARE)], AT);
    await sites.save([write({ ...FULL, gridLimitKw: 50, circuits: [{ id: 'main', limitKw: 35 }], evses: [{ stationId: 'CS1', evseId: 2 }] }, { editedAt: LATER })], LATER);
    const list = await sites.list();
    expect(list.map((s) => s.config.id)).toEqual(['north-depot', 'home-h']);
    expect(list[0]).toMatchObject({ createdAt: AT, updatedAt: LATER, editedAt: LATER, origin: 'api' });
    expect(list[0]!.config.circuits).toEqual([{ id: 'main', limitKw: 35 }]);
    expect(list[0]!.config.evses).toEqual([{ stationId: 'CS1', evseId: 2 }]);
  });

  it('places an EVSE on one site at most, and a refused write changes nothing (all or none)', async () => {
    await sites.save([write(BARE)], AT);
    const before = await rows();
    const clash = { ...FULL, evses: [{ stationId: 'HOME-H', evseId: 1 }] };
    await expect(sites.save([write({ ...BARE, gridLimitKw: 22 }), write(clash)], LATER)).rejects.toThrow();
    expect(await rows()).toEqual(before);
  });

  it('deletes a site with its circuits and placements, so the EVSE can be placed elsewhere', async () => {
    await sites.save([write(FULL), write(BARE)], AT);
    await sites.save([], LATER, ['north-depot']);
    expect((await sites.list()).map((s) => s.config.id)).toEqual(['home-h']);
    expect(await db.selectFrom('site_circuits').selectAll().execute()).toEqual([]);
    await sites.save([write({ ...BARE, id: 'other', evses: [{ stationId: 'CS1', evseId: 1 }] })], LATER);
    expect((await sites.get('other'))!.config.evses).toEqual([{ stationId: 'CS1', evseId: 1 }]);
  });
});

describe('importConfiguredSites', () => {
  const deps = () => ({
    store: sites, decisions: new DecisionRepository(db), tariffNames: ['depot'], now: () => Date.parse(AT), logger: silentLogger(),
  });

  it('is idempotent: importing the same config twice gives the same rows', async () => {
    expect(await importConfiguredSites(deps(), [FULL, BARE])).toEqual({ created: ['north-depot', 'home-h'], updated: [], unchanged: [], overwritten: [] });
    const first = await rows();
    expect(await importConfiguredSites({ ...deps(), now: () => Date.parse(LATER) }, [FULL, BARE]))
      .toEqual({ created: [], updated: [], unchanged: ['north-depot', 'home-h'], overwritten: [] });
    expect(await rows()).toEqual(first);
    // Reordering keys in the file is the same entry.
    const reordered = Object.fromEntries(Object.entries(FULL).reverse()) as SiteConfig;
    expect((await importConfiguredSites(deps(), [reordered, BARE])).unchanged).toEqual(['north-depot', 'home-h']);
    expect((await sites.get('north-depot'))).toMatchObject({ origin: 'config', configSha256: configSha256(FULL), editedAt: null });
  });

  it('keeps edits made through the API while the config entry is unchanged, and says so when a changed entry replaces them', async () => {
    await importConfiguredSites(deps(), [FULL, BARE]);
    // An admin edits both through the API (what SiteAdmin writes: origin and fingerprint kept, editedAt set).
    for (const [config, edited] of [[FULL, { ...FULL, gridLimitKw: 30 }], [BARE, { ...BARE, gridLimitKw: 7 }]] as const) {
      await sites.save([write(edited, { origin: 'config', configSha256: configSha256(config), editedAt: LATER })], LATER);
    }
    expect((await importConfiguredSites(deps(), [FULL, BARE])).unchanged).toEqual(['north-depot', 'home-h']);
    expect((await sites.get('north-depot'))!.config.gridLimitKw).toBe(30);
    // The file changes one entry: it wins over the API edit, and the decision log says what was lost.
    const report = await importConfiguredSites(deps(), [{ ...FULL, gridLimitKw: 45 }, BARE]);
    expect(report).toEqual({ created: [], updated: [], unchanged: ['home-h'], overwritten: ['north-depot'] });
    expect(await sites.get('north-depot')).toMatchObject({ config: { gridLimitKw: 45 }, editedAt: null });
    expect((await sites.get('home-h'))!.config.gridLimitKw).toBe(7);
    const [decision] = await new DecisionRepository(db).list('north-depot');
    expect(decision).toMatchObject({ kind: 'site.imported', details: { overwroteApiEdits: LATER } });
    expect(decision!.message).toContain('overwritten');
  });

  it('leaves sites config does not name, and refuses an EVSE they hold, naming the config field', async () => {
    await sites.save([write({ ...BARE, id: 'made-in-browser', evses: [{ stationId: 'CS1', evseId: 2 }] })], AT);
    await expect(importConfiguredSites(deps(), [BARE, FULL])).rejects.toThrow(new SiteConfigError('sites[1].evses[1]', 'EVSE 2 of station "CS1" is already placed (site "made-in-browser" in the database)'));
    expect((await sites.list()).map((s) => s.config.id)).toEqual(['made-in-browser']);
    await importConfiguredSites(deps(), [BARE]);
    expect((await sites.list()).map((s) => s.config.id)).toEqual(['made-in-browser', 'home-h']);
  });

  it('checks config as before: errors name sites[i] and the field', async () => {
    await expect(importConfiguredSites(deps(), [{ ...FULL, circuits: [{ id: 'a', parent: 'b' }, { id: 'b', parent: 'a' }], evses: [] }]))
      .rejects.toThrow('sites[0].circuits[0].parent: circuit "a" is its own ancestor');
    await expect(importConfiguredSites(deps(), [{ ...BARE, tariff: 'gone' }])).rejects.toThrow('sites[0].tariff: no tariff named "gone"');
    expect(await sites.list()).toEqual([]);
  });
});
