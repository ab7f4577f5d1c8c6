import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPricesCli, type CliIo } from '../../src/cli/prices.js';
import { authenticate } from '../../src/http/auth/api-tokens.js';
import { ManualClock } from '../../src/platform/clock.js';
import { ApiTokenRepository } from '../../src/storage/api-token-repository.js';
import { PriceSeriesRepository } from '../../src/storage/price-series-repository.js';
import { fixture, fixturePath } from './helpers/fixtures.js';
import { FakeFetch } from './helpers/fake-fetch.js';
import { testDatabase } from '../helpers/test-database.js';

const ALL = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const tariff = {
  currency: 'EUR',
  timeZone: 'Europe/Copenhagen',
  energy: { kind: 'market', zone: 'DK1', markupPerKwh: 0.01 },
  gridFees: [{ otherwisePerKwh: 0.04, bands: [{ days: ALL, from: '00:00', to: '06:00', pricePerKwh: 0.02 }, { days: ALL, from: '17:00', to: '21:00', pricePerKwh: 0.12 }] }],
  taxes: [{ name: 'electricity tax', pricePerKwh: 0.1 }],
  vat: [{ rate: 0.25 }],
};

describe('prices CLI', () => {
  let dir: string;
  let output: string;
  let io: CliIo;
  let fake: FakeFetch;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prices-cli-'));
    output = '';
    fake = new FakeFetch();
    io = { out: (t) => void (output += t), clock: new ManualClock('2026-02-02T12:30:00Z'), fetch: fake.fetch };
    writeFileSync(join(dir, 'tariff.json'), JSON.stringify(tariff));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a real export and prints and writes the effective table for the 25-hour day', async () => {
    const csv = join(dir, 'table.csv');
    const code = await runPricesCli(
      ['table', '--import', fixturePath('entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv'), '--tariff', join(dir, 'tariff.json'), '--day', '2025-10-26', '--csv', csv],
      io,
    );
    expect(code).toBe(0);
    expect(output).toContain('imported 3076 intervals (DK1)');
    expect(output).toMatch(/2025-10-26 02:00 \+02:00/);
    expect(output).toMatch(/2025-10-26 02:00 \+01:00/);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1 + 100);
    expect(lines[0]).toBe('start_utc,end_utc,local_start,currency,energy_per_kwh,grid_fee_per_kwh,tax_electricity tax,vat_per_kwh,total_per_kwh,kind,source,rule');
    for (const line of lines.slice(1)) {
      const [, , , , energy, grid, tax, vat, total] = line.split(',').map(Number);
      expect(total).toBeCloseTo(energy! + grid! + tax! + vat!, 4);
      expect(vat).toBeCloseTo(0.25 * (energy! + grid! + tax!), 4);
    }
    const peak = lines.find((l) => l.startsWith('2025-10-26T16:00:00.000Z'))!;
    expect(peak.split(',')[5]).toBe('0.12000');
  });

  it('fetches a configured source into the database and creates a publisher token', async () => {
    const database = await testDatabase({ file: true });
    const { url, schema, path } = database.options;
    const db = url !== undefined ? [url, '--db-schema', schema!] : [path!];
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ prices: { zones: [{ id: 'DE-LU', currency: 'EUR', timeZone: 'Europe/Berlin' }], sources: [{ id: 'entsoe-de', kind: 'entsoe', zone: 'DE-LU', area: '10Y1001A1001A82H', token: 'x', classificationSequence: 1 }] } }));
    fake.on('https://web-api.tp.entsoe.eu/', { body: fixture('entsoe-a44-de-lu-pt15m-2026-02.xml') });
    expect(await runPricesCli(['fetch', 'entsoe-de', '--config', join(dir, 'config.json'), '--day', '2026-02-02', '--db', ...db], io)).toBe(0);
    expect(output).toContain('fetched 192 intervals from entsoe-de');
    expect(await runPricesCli(['token', '--name', 'acme', '--zones', 'DE-LU', '--db', ...db], io)).toBe(0);
    const token = /cpk_\S+/.exec(output)![0];
    const handle = (await database.open()).db;
    expect(await new PriceSeriesRepository(handle, io.clock).current('DE-LU', { start: Date.parse('2026-02-02T23:00:00Z'), end: Date.parse('2026-02-03T23:00:00Z') })).toHaveLength(96);
    expect(await authenticate(`Bearer ${token}`, new ApiTokenRepository(handle), io.clock)).toMatchObject({ name: 'acme', grants: [{ role: 'tariff-publisher', scopeKind: 'price-zone', scopeId: 'DE-LU' }] });
    await database.drop();
  });

  it('prints usage for an unknown command', async () => {
    expect(await runPricesCli(['frobnicate'], io)).toBe(2);
    expect(output).toContain('usage: npm run prices');
  });
});
