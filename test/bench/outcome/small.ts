/**
 * The hand-computed cases of the outcome benchmark's tests: 8 quarter-hours from T0 with prices chosen so every
 * policy's answer can be worked out on paper (see policies.test.ts), and the real fixture workload.
 */
import { fileURLToPath } from 'node:url';
import type { PriceSeries } from '../../../src/domain/prices.js';
import type { SessionRecord } from '../../../src/cli/sim/sessions.js';
import { loadSessions, SESSIONS_TO_DK1_2025_MS, shiftSessions } from '../../../src/cli/sim/sessions.js';
import { loadPriceFile } from '../../../src/cli/sim/price-file.js';
import { loadSite, type OutcomeSite } from '../../../bench/outcome/site.js';
import { buildWorkload, type Workload } from '../../../bench/outcome/workload.js';
import type { PolicyResult } from '../../../bench/outcome/policies.js';

export const T0 = Date.parse('2025-01-06T00:00:00Z');
export const Q = 15 * 60_000;
export const MIN = 60_000;

/** EUR/kWh per quarter-hour from T0. */
export const PRICES = [0.3, 0.1, 0.2, 0.05, 0.05, 0.4, 0.1, 0.3];

export function quarterSeries(prices: readonly number[], from = T0, zone = 'DK1'): PriceSeries[] {
  return [{
    zone,
    currency: 'EUR',
    intervals: prices.map((p, i) => ({ start: from + i * Q, end: from + (i + 1) * Q, pricePerKwh: p })),
    provenance: { source: 'test', fetchedAt: 0, kind: 'final' },
  }];
}

export function site(over: Partial<OutcomeSite> = {}): OutcomeSite {
  return { id: 'test', timeZone: 'Europe/Copenhagen', gridLimitKw: 11, stations: 2, evsesPerStation: 2, evseKw: 11, slotMinutes: 15, ...over };
}

/** A session from minutes after T0. */
export function session(id: string, fromMin: number, toMin: number, energyKwh: number): SessionRecord {
  return { id, site: 'test', userId: `u${id}`, arrival: T0 + fromMin * MIN, departure: T0 + toMin * MIN, energyKwh, flags: [] };
}

/**
 * A (00:00-02:00, 5.5 kWh), C (00:00-00:45, 2.75 kWh), B (00:30-01:30, 4.125 kWh) under an 11 kW limit: one car
 * at full power fills a slot (2.75 kWh), and all three together need 12.375 kWh of the 22 kWh the limit allows.
 */
export function threeCars(limitKw = 11): Workload {
  return buildWorkload(site({ gridLimitKw: limitKw }), [session('A', 0, 120, 5.5), session('C', 0, 45, 2.75), session('B', 30, 90, 4.125)], quarterSeries(PRICES));
}

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));
export const SITE_JSON = fileURLToPath(new URL('../../../bench/outcome/site.json', import.meta.url));

/** The benchmark's own workload: the Trondheim sessions on DK1 October 2025 in the default garage. */
export function realWorkload(over: Partial<OutcomeSite> = {}): Workload {
  const sessions = shiftSessions(loadSessions(`${fixtures}sessions/trondheim_2019-10-24_to_2019-10-29_slice.csv`), SESSIONS_TO_DK1_2025_MS);
  const series = loadPriceFile(`${fixtures}prices/entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv`, { zone: 'DK1' });
  return buildWorkload({ ...loadSite(SITE_JSON), ...over }, sessions, series);
}

/** A policy's rows on the whole grid (they are kept per visit window), for comparing with hand-computed plans. */
export function fullRows(w: Workload, r: PolicyResult): Map<string, number[]> {
  return new Map(w.visits.map((v) => {
    const row = new Array<number>(w.grid.slots).fill(0);
    r.kwh.get(v.session.id)!.forEach((e, i) => (row[v.fromSlot + i] = e));
    return [v.session.id, row] as const;
  }));
}
