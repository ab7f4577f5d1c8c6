import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ROOT } from '../src/config.js';
import { parsePricesConfig } from '../src/prices/setup.js';
import { resolveSites } from '../src/scheduler/index.js';
import { databaseOptions } from '../src/cli/database.js';

describe('configuration', () => {
  it('the bundled default is valid and is what the product starts on', () => {
    const c = loadConfig({});
    expect(c.ocpp.port).toBe(9000);
    expect(c.ocpp.path).toBe('/ocpp');
    expect(c.database.path).toBe('data/chargeplan.sqlite');
  });

  it('merges a file named by CHARGEPLAN_CONFIG and environment overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chargeplan-cfg-'));
    const file = join(dir, 'site.json');
    writeFileSync(file, JSON.stringify({ ocpp: { heartbeatIntervalSeconds: 900 } }));
    const c = loadConfig({ CHARGEPLAN_CONFIG: file, CHARGEPLAN_OCPP_PORT: '9100', CHARGEPLAN_DB: '/var/lib/cp.sqlite' });
    expect(c.ocpp).toMatchObject({ heartbeatIntervalSeconds: 900, port: 9100, path: '/ocpp' });
    expect(c.database.path).toBe('/var/lib/cp.sqlite');
  });

  it('selects PostgreSQL by database.url (CHARGEPLAN_DATABASE_URL in a container), and opens files relative to the project root', () => {
    const pg = loadConfig({ CHARGEPLAN_DATABASE_URL: 'postgres://app:secret@db:5432/chargeplan' }, { database: { schema: 'depot', poolSize: 20, ssl: { caFile: 'config/db-ca.pem' } } });
    expect(pg.database).toMatchObject({ url: 'postgres://app:secret@db:5432/chargeplan', schema: 'depot', poolSize: 20 });
    // What main.ts and the command-line tools open: the same files wherever they are started from.
    expect(databaseOptions(pg.database)).toMatchObject({ url: pg.database.url, schema: 'depot', ssl: { caFile: join(ROOT, 'config/db-ca.pem') } });
    expect(databaseOptions({ path: 'data/chargeplan.sqlite' })).toEqual({ path: join(ROOT, 'data/chargeplan.sqlite') });
    expect(databaseOptions({ path: '/var/lib/cp.sqlite' })).toEqual({ path: '/var/lib/cp.sqlite' });
    expect(databaseOptions({ path: ':memory:' })).toEqual({ path: ':memory:' });
    expect(() => loadConfig({ CHARGEPLAN_DATABASE_URL: 'mysql://db/chargeplan' })).toThrow(/\/database\/url/);
  });

  it('takes the connect path\'s turn limits, connectionsPerTurn included, and names a bad one', () => {
    const c = loadConfig({}, { ocpp: { limits: { connectionsPerTurn: 4, handshakesPerTurn: 2 } } });
    expect(c.ocpp.limits).toMatchObject({ connectionsPerTurn: 4, handshakesPerTurn: 2 });
    expect(() => loadConfig({}, { ocpp: { limits: { connectionsPerTurn: 0 } } })).toThrow(/\/ocpp\/limits\/connectionsPerTurn/);
  });

  it('names every wrong field', () => {
    expect(() => loadConfig({}, { ocpp: { port: 70000, bootStatus: 'Maybe', colour: 'red' } })).toThrow(
      /\/ocpp\/port[\s\S]*\/ocpp\/bootStatus|\/ocpp\/bootStatus[\s\S]*\/ocpp\/port/,
    );
    expect(() => loadConfig({ CHARGEPLAN_HTTP_PORT: 'eighty' })).toThrow('CHARGEPLAN_HTTP_PORT must be a port number, got "eighty"');
  });

  it('the example depot (sites, circuits, a market tariff) is valid', () => {
    const c = loadConfig({ CHARGEPLAN_CONFIG: join(ROOT, 'config/examples/depot.json') });
    const sites = resolveSites(c.sites, Object.keys(parsePricesConfig(c.prices).tariffs));
    expect(sites.map((s) => [s.id, s.evses.length, s.circuits.length])).toEqual([['depot-north', 5, 2]]);
    expect(sites[0]!.policy).toMatchObject({ defaultDeparture: '06:30', chargingNeeds: 'override', debounceSeconds: 2 });
  });
});
