import { Value } from '@sinclair/typebox/value';
import type { CapacityLimitStore, PriceSeriesStore, PriceSource } from '../domain/prices.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { PricesConfig, PullSchedule, SiteTariff, type PriceSourceConfig } from './tariff-config.js';
import { checkTariff } from './effective-price.js';
import { PriceError } from './errors.js';
import { PriceIntake } from './intake.js';
import { FreshnessWatch, PriceService, TariffPrices, type PriceEventSink } from './price-service.js';
import { PullScheduler } from './pull-scheduler.js';
import type { FetchLike } from './sources/http.js';
import { EntsoeSource } from './sources/entsoe-a44.js';
import { AwattarSource } from './sources/awattar.js';
import { EnergiDataServiceSource } from './sources/energi-data-service.js';
import { NordPoolSource } from './sources/nordpool.js';
import { OctopusSource } from './sources/octopus.js';
import { OpenAdrVtnSource } from './sources/openadr3.js';
import { TibberSource } from './sources/tibber.js';

/**
 * Factories main.ts calls to wire the price layer (composition stays in main.ts; this only builds the parts).
 */

/** Fills the schema's defaults and checks the `prices` config section; lists every problem. */
export function parsePricesConfig(raw: unknown): PricesConfig {
  const withDefaults = Value.Default(PricesConfig, structuredClone(raw ?? {})) as { tariffs?: unknown };
  // Value.Default does not descend into Record values: fill each tariff's own defaults (gridFees, taxes, vat: []).
  if (withDefaults.tariffs && typeof withDefaults.tariffs === 'object') {
    for (const [name, t] of Object.entries(withDefaults.tariffs)) (withDefaults.tariffs as Record<string, unknown>)[name] = Value.Default(SiteTariff, t);
  }
  if (!Value.Check(PricesConfig, withDefaults)) {
    const problems = [...Value.Errors(PricesConfig, withDefaults)].slice(0, 10).map((e) => `prices${e.path}: ${e.message}`);
    throw new PriceError('TARIFF_INVALID', problems.join('; '), false);
  }
  const config = withDefaults;
  for (const [name, tariff] of Object.entries(config.tariffs)) {
    try {
      checkTariff(tariff);
    } catch (e) {
      throw new PriceError('TARIFF_INVALID', `prices.tariffs.${name}: ${(e as Error).message}`, false, { cause: e });
    }
    if (tariff.energy.kind === 'market' && !config.zones.some((z) => z.id === (tariff.energy as { zone: string }).zone)) {
      throw new PriceError('TARIFF_INVALID', `prices.tariffs.${name}: zone ${tariff.energy.zone} is not in prices.zones`, false);
    }
  }
  for (const s of config.sources) {
    if (!config.zones.some((z) => z.id === s.zone)) {
      throw new PriceError('TARIFF_INVALID', `prices.sources ${s.id}: zone ${s.zone} is not in prices.zones`, false);
    }
  }
  return config;
}

export function createPriceSource(config: PriceSourceConfig, deps: { fetch: FetchLike; clock: Clock }): PriceSource {
  const { fetch, clock } = deps;
  const opt = <K extends string, V>(key: K, v: V | undefined) => (v === undefined ? {} : ({ [key]: v } as Record<K, V>));
  switch (config.kind) {
    case 'entsoe':
      return new EntsoeSource(config.id, { zone: config.zone, area: config.area, token: config.token, ...opt('classificationSequence', config.classificationSequence), ...opt('baseUrl', config.baseUrl), fetch, clock });
    case 'awattar':
      return new AwattarSource(config.id, { zone: config.zone, country: config.country, fetch, clock });
    case 'energi-data-service':
      return new EnergiDataServiceSource(config.id, { zone: config.zone, area: config.area, currency: config.currency, fetch, clock });
    case 'nordpool':
      return new NordPoolSource(config.id, { zone: config.zone, area: config.area, currency: config.currency, resolutionMinutes: config.resolutionMinutes, fetch, clock });
    case 'octopus':
      return new OctopusSource(config.id, { zone: config.zone, product: config.product, tariffCode: config.tariffCode, includeVat: config.includeVat, fetch, clock });
    case 'openadr3':
      return new OpenAdrVtnSource(config.id, { zone: config.zone, vtnUrl: config.vtnUrl, tokenUrl: config.tokenUrl, clientId: config.clientId, clientSecret: config.clientSecret, currency: config.currency, ...opt('programId', config.programId), fetch, clock });
    case 'tibber':
      return new TibberSource(config.id, { zone: config.zone, currency: config.currency, token: config.token, resolutionMinutes: config.resolutionMinutes, ...opt('homeId', config.homeId), fetch, clock });
  }
}

export interface Pricing {
  service: PriceService;
  /** SitePriceProvider for the scheduler: effective prices by tariff name. */
  sitePrices: TariffPrices;
  intake: PriceIntake;
  sources: PriceSource[];
  schedulers: PullScheduler[];
  freshness: FreshnessWatch;
  /** Starts every pulled source's schedule (each runs once at start) and the freshness watch. */
  start(): void;
  stop(): void;
}

/** Builds the price layer from the parsed config and the stores main.ts opened. */
export function createPricing(deps: {
  config: PricesConfig;
  store: PriceSeriesStore;
  limits: CapacityLimitStore;
  clock: Clock;
  events: PriceEventSink;
  fetch: FetchLike;
  /** Uniform [0, 1): Math.random in production, seeded in tests. */
  random: () => number;
  logger?: Logger;
}): Pricing {
  const { config, limits, clock, events, fetch, random, logger } = deps;
  const store = zoneCurrencyGuard(deps.store, config.zones);
  const service = new PriceService({ store, zones: config.zones, clock, events });
  const intake = new PriceIntake({ zones: config.zones, store, limits, clock, events });
  const sources = config.sources.map((s) => createPriceSource(s, { fetch, clock }));
  const schedulers = config.sources.map(
    (s, i) =>
      new PullScheduler({
        source: sources[i]!,
        schedule: s.schedule ?? Value.Default(PullSchedule, {}) as PullSchedule,
        store,
        clock,
        random,
        events,
        ...(logger ? { logger } : {}),
      }),
  );
  const freshness = new FreshnessWatch({ service, zones: config.zones.map((z) => z.id), clock, periodMs: 5 * 60_000, ...(logger ? { logger } : {}) });
  return {
    service,
    sitePrices: new TariffPrices(service, config.tariffs),
    intake,
    sources,
    schedulers,
    freshness,
    start: () => {
      schedulers.forEach((s) => s.start());
      freshness.start();
    },
    stop: () => {
      schedulers.forEach((s) => s.stop());
      freshness.stop();
    },
  };
}

/**
 * One zone, one currency: a feed configured with the wrong currency (ENTSO-E quotes DK1 in EUR, a DKK zone expects
 * DKK) must not be stored, or the planner would read EUR amounts as DKK. The push intake checks this itself; this
 * guard covers the pulled sources.
 */
export function zoneCurrencyGuard(store: PriceSeriesStore, zones: readonly { id: string; currency: string }[]): PriceSeriesStore {
  const currencyOf = new Map(zones.map((z) => [z.id, z.currency]));
  return {
    async save(series, publisher) {
      for (const s of series) {
        const expected = currencyOf.get(s.zone);
        if (expected !== undefined && expected !== s.currency) {
          throw new PriceError('PRICES_CURRENCY_MISMATCH', `zone ${s.zone} is priced in ${expected}, the series is in ${s.currency}`, false);
        }
      }
      return store.save(series, publisher);
    },
    current: (zone, window) => store.current(zone, window),
    lastFetchedAt: (zone) => store.lastFetchedAt(zone),
  };
}
