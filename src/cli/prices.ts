import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import type { PriceSeries, Provenance } from '../domain/prices.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { TypedEvents } from '../platform/events.js';
import { openStorage } from '../storage/database.js';
import { cliDatabase } from './database.js';
import { ApiTokenRepository } from '../storage/api-token-repository.js';
import { PriceSeriesRepository } from '../storage/price-series-repository.js';
import { issueApiToken } from '../http/auth/api-tokens.js';
import { PriceService } from '../prices/price-service.js';
import { createPriceSource, zoneCurrencyGuard, parsePricesConfig } from '../prices/setup.js';
import { PriceZoneConfig, SiteTariff, type PricesConfig } from '../prices/tariff-config.js';
import { checkTariff } from '../prices/effective-price.js';
import { effectiveTableCsv, effectiveTableText } from '../prices/price-table.js';
import { localDateWindow } from '../prices/time.js';
import type { FetchLike } from '../prices/sources/http.js';
import { parseEntsoeCsv } from '../prices/sources/csv-entsoe.js';
import { parseSmardCsv } from '../prices/sources/csv-smard.js';
import { parseNormalisedCsv } from '../prices/sources/csv-normalised.js';
import { detectPriceFormat } from '../prices/file-format.js';
import { parseEntsoeA44 } from '../prices/sources/entsoe-a44.js';
import { parseAwattar } from '../prices/sources/awattar.js';
import { parseNordPool } from '../prices/sources/nordpool.js';
import { parseOctopus } from '../prices/sources/octopus.js';
import type { PriceEvents } from '../domain/prices.js';

const USAGE = `usage: npm run prices -- <command> [options]

  table   --tariff NAME|FILE --day YYYY-MM-DD [--import FILE ...] [--fetch SOURCE_ID] [--config FILE]
          [--step 15|30|60] [--csv OUT.csv] [--db FILE]
          Imports or fetches prices, then prints the site's effective price table for the local day
          (energy, grid fee, taxes, VAT, total; estimates marked) and writes it as CSV with --csv.
  import  FILE ... [--format F] [--zone Z] [--sequence N] [--db FILE]
          Stores a file's prices (formats: entsoe-csv, smard-csv, normalised-csv, entsoe-xml, awattar, nordpool,
          octopus; CSV and XML are recognised by content). SMARD files hold every zone; --zone keeps one.
  fetch   SOURCE_ID --config FILE [--day YYYY-MM-DD] [--db FILE]
          Runs one configured pulled source once and stores what it got.
  token   --name NAME --zones Z1,Z2|* [--db FILE]
          Creates a tariff-publisher API token for the push intake; prints it once.

--config is a JSON file with a "prices" section (or the section itself); --db defaults to an in-memory database;
--db postgres://... [--db-schema S] uses a PostgreSQL database.`;

export interface CliIo {
  out: (text: string) => void;
  clock: Clock;
  fetch: FetchLike;
}

function readConfig(file: string | undefined): PricesConfig {
  if (!file) return parsePricesConfig({});
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return parsePricesConfig('prices' in raw ? raw.prices : raw);
}

export function importFile(file: string, opts: { format?: string; zone?: string; sequence?: number }, provenance: Provenance): PriceSeries[] {
  const text = readFileSync(file, 'utf8');
  const format = opts.format ?? detectPriceFormat(file, text);
  if (!format) throw new Error(`cannot tell the format of ${file}: pass --format`);
  const zone = opts.zone ?? '';
  const needZone = () => {
    if (!zone) throw new Error(`--zone is needed for ${format}`);
    return zone;
  };
  let series: PriceSeries[];
  switch (format) {
    case 'entsoe-csv': series = parseEntsoeCsv(text, provenance); break;
    case 'smard-csv': series = parseSmardCsv(text, provenance); break;
    case 'normalised-csv': series = parseNormalisedCsv(text, provenance); break;
    case 'entsoe-xml': series = [parseEntsoeA44(text, { zone: needZone(), provenance, ...(opts.sequence ? { classificationSequence: opts.sequence } : {}) })]; break;
    case 'awattar': series = [parseAwattar(JSON.parse(text), { zone: needZone(), provenance })]; break;
    case 'nordpool': series = [parseNordPool(JSON.parse(text), { zone: needZone(), area: needZone(), provenance })]; break;
    case 'octopus': series = [parseOctopus(JSON.parse(text), { zone: needZone(), includeVat: false, provenance })]; break;
    default: throw new Error(`unknown format ${format}`);
  }
  return opts.zone && (format === 'entsoe-csv' || format === 'smard-csv' || format === 'normalised-csv') ? series.filter((s) => s.zone === opts.zone) : series;
}

function loadTariff(ref: string, config: PricesConfig): SiteTariff {
  const named = config.tariffs[ref];
  if (named) return named;
  const tariff = Value.Default(SiteTariff, JSON.parse(readFileSync(ref, 'utf8')));
  if (!Value.Check(SiteTariff, tariff)) {
    const e = Value.Errors(SiteTariff, tariff).First();
    throw new Error(`tariff ${ref}: ${e?.path || '/'} ${e?.message ?? 'invalid'}`);
  }
  checkTariff(tariff);
  return tariff;
}

export async function runPricesCli(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tariff: { type: 'string' },
      day: { type: 'string' },
      import: { type: 'string', multiple: true },
      fetch: { type: 'string' },
      config: { type: 'string' },
      step: { type: 'string', default: '15' },
      csv: { type: 'string' },
      db: { type: 'string', default: ':memory:' },
      'db-schema': { type: 'string' },
      format: { type: 'string' },
      zone: { type: 'string' },
      sequence: { type: 'string' },
      name: { type: 'string' },
      zones: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    io.out(USAGE + '\n');
    return command || values.help ? 0 : 2;
  }
  const config = readConfig(values.config);
  const storage = await openStorage(cliDatabase(values.db, values['db-schema'], () => ({ path: ':memory:' })));
  const db = storage.db;
  try {
    const store = zoneCurrencyGuard(new PriceSeriesRepository(db, io.clock), config.zones);
    const importedCurrency = new Map<string, string>();
    const provenance = (source: string): Provenance => ({ source, fetchedAt: io.clock.now(), kind: 'final' });
    const importAll = async (files: string[]) => {
      for (const file of files) {
        const series = importFile(file, { ...(values.format ? { format: values.format } : {}), ...(values.zone ? { zone: values.zone } : {}), ...(values.sequence ? { sequence: Number(values.sequence) } : {}) }, provenance(`file:${file.split('/').at(-1)}`));
        await store.save(series);
        for (const s of series) importedCurrency.set(s.zone, s.currency);
        io.out(`imported ${series.reduce((n, s) => n + s.intervals.length, 0)} intervals (${series.map((s) => s.zone).join(', ')}) from ${file}\n`);
      }
    };
    const fetchOne = async (id: string, day: string | undefined) => {
      const sourceConfig = config.sources.find((s) => s.id === id);
      if (!sourceConfig) throw new Error(`no source "${id}" in --config`);
      const tz = config.zones.find((z) => z.id === sourceConfig.zone)?.timeZone ?? 'Europe/Brussels';
      const base = localDateWindow(day ?? new Date(io.clock.now()).toISOString().slice(0, 10), tz);
      const window = { start: base.start - 24 * 3600_000, end: base.end + 24 * 3600_000 };
      const series = await createPriceSource(sourceConfig, { fetch: io.fetch, clock: io.clock }).series(window);
      await store.save(series);
      io.out(`fetched ${series.reduce((n, s) => n + s.intervals.length, 0)} intervals from ${id}\n`);
    };

    switch (command) {
      case 'import':
        await importAll(rest);
        return 0;
      case 'fetch':
        if (!rest[0]) throw new Error('fetch needs a SOURCE_ID');
        await fetchOne(rest[0], values.day);
        return 0;
      case 'token': {
        if (!values.name || !values.zones) throw new Error('token needs --name and --zones');
        const grants = values.zones.split(',').map((z) => ({ role: 'tariff-publisher', scopeKind: 'price-zone', scopeId: z.trim() }));
        const { token } = await issueApiToken(new ApiTokenRepository(db), io.clock, { name: values.name, grants });
        io.out(`${token}\n(shown once; only its hash is stored)\n`);
        return 0;
      }
      case 'table': {
        if (!values.tariff || !values.day) throw new Error('table needs --tariff and --day');
        await importAll(values.import ?? []);
        if (values.fetch) await fetchOne(values.fetch, values.day);
        const tariff = loadTariff(values.tariff, config);
        const zones = [...config.zones];
        if (tariff.energy.kind === 'market' && !zones.some((z) => z.id === (tariff.energy as { zone: string }).zone)) {
          // An ad-hoc replay without a config: the zone takes the tariff's currency and time zone.
          zones.push(Value.Parse(PriceZoneConfig, { id: tariff.energy.zone, currency: tariff.currency, timeZone: tariff.timeZone }));
        }
        for (const z of zones) {
          const got = importedCurrency.get(z.id);
          if (got !== undefined && got !== z.currency) {
            throw new Error(`zone ${z.id} is priced in ${z.currency} but the imported prices are in ${got}: convert them or use a ${got} tariff`);
          }
        }
        const service = new PriceService({ store, zones, clock: io.clock, events: new TypedEvents<PriceEvents>() });
        const slots = await service.effective(tariff, localDateWindow(values.day, tariff.timeZone), Number(values.step) * 60_000);
        io.out(effectiveTableText(slots, tariff.timeZone));
        if (values.csv) {
          writeFileSync(values.csv, effectiveTableCsv(slots, tariff.timeZone));
          io.out(`wrote ${values.csv}\n`);
        }
        return 0;
      }
      default:
        io.out(`unknown command "${command}"\n\n${USAGE}\n`);
        return 2;
    }
  } finally {
    await storage.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliIo = { out: (t) => process.stdout.write(t), clock: systemClock, fetch: (url, init) => fetch(url, init) };
  runPricesCli(process.argv.slice(2), io).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`prices: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
