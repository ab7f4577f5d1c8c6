/**
 * The tariff push intake on the real app (buildApp with the intake, a real database, real tokens) for the tests of
 * issue 20 (OpenADR capacity limits, caps, linear intake). Zones: DK1 (EUR, -0.5..3 per kWh), DK2 (EUR), acme-flex (DKK).
 */
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../../src/http/app.js';
import { issueApiToken } from '../../../src/http/auth/api-tokens.js';
import { ManualClock } from '../../../src/platform/clock.js';
import { silentLogger } from '../../../src/platform/logger.js';
import { PriceIntake } from '../../../src/prices/intake.js';
import { PriceZoneConfig } from '../../../src/prices/tariff-config.js';
import type { Db } from '../../../src/storage/database.js';
import { ApiTokenRepository } from '../../../src/storage/api-token-repository.js';
import { CapacityLimitRepository } from '../../../src/storage/price-capacity-limit-repository.js';
import { PriceSeriesRepository } from '../../../src/storage/price-series-repository.js';
import { testDatabase } from '../../helpers/test-database.js';

export interface IntakeApp {
  app: FastifyInstance;
  db: Db;
  clock: ManualClock;
  store: PriceSeriesRepository;
  limits: CapacityLimitRepository;
  intake: PriceIntake;
  /** A tariff-publisher token over these zones ('*' for all). */
  token(zones: string[]): Promise<string>;
  post(body: unknown, opts?: { token?: string; contentType?: string; url?: string }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startIntakeApp(now = '2025-10-25T12:00:00Z'): Promise<IntakeApp> {
  const database = await testDatabase({ file: true });
  const { db } = await database.open();
  const clock = new ManualClock(now);
  const store = new PriceSeriesRepository(db, clock);
  const tokens = new ApiTokenRepository(db);
  const limits = new CapacityLimitRepository(db, clock);
  const zones = [
    Value.Parse(PriceZoneConfig, { id: 'DK1', currency: 'EUR', minPerKwh: -0.5, maxPerKwh: 3 }),
    Value.Parse(PriceZoneConfig, { id: 'DK2', currency: 'EUR' }),
    Value.Parse(PriceZoneConfig, { id: 'acme-flex', currency: 'DKK' }),
  ];
  const intake = new PriceIntake({ zones, store, limits, clock });
  const app = await buildApp({ clock, logger: silentLogger(), stations: { connectedCount: () => 0, isConnected: () => false }, tariffs: { intake, tokens, clock } });
  let n = 0;
  const token = async (zs: string[]) =>
    (await issueApiToken(tokens, clock, { name: `publisher-${++n}`, grants: zs.map((z) => ({ role: 'tariff-publisher', scopeKind: 'price-zone', scopeId: z })) })).token;
  const anyZone = await token(['*']);
  return {
    app, db, clock, store, limits, intake, token,
    post: (body, opts = {}) => app.inject({
      method: 'POST',
      url: opts.url ?? '/api/v1/tariffs',
      headers: { 'content-type': opts.contentType ?? 'application/json', authorization: `Bearer ${opts.token ?? anyZone}` },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    }),
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/** Quarter-hours from `startIso` (UTC) as our JSON publication. */
export function quarterHours(zone: string, startIso: string, count: number, price = (i: number) => 0.1 + (i % 96) / 1000) {
  const start = Date.parse(startIso);
  const at = (i: number) => new Date(start + i * 900_000).toISOString().replace('.000Z', 'Z');
  return { zone, currency: 'EUR', resolution: 'PT15M', intervals: Array.from({ length: count }, (_, i) => ({ start: at(i), end: at(i + 1), price: price(i) })) };
}

/** The same as our CSV. */
export function quarterHoursCsv(zone: string, startIso: string, count: number, price?: (i: number) => number): string {
  const body = quarterHours(zone, startIso, count, price);
  return ['zone,currency,resolution,start,end,price_per_kwh', ...body.intervals.map((i) => `${zone},EUR,PT15M,${i.start},${i.end},${i.price}`)].join('\n') + '\n';
}
