// npm run bench:outcome: the product's report card. Four policies on exactly the same real sessions and real
// prices: uncontrolled (full power from arrival), a per-car greedy planner clamped to the site limit in arrival
// order (how evcc behaves today), our scheduler as it runs in production (server, OCPP, simulated stations, on a
// simulated clock), and the perfect-hindsight optimum (the bound no online policy can beat). Prints one table
// and writes a chart of one day.
//
//   npm run bench:outcome -- [--prices FILE] [--zone DK1] [--sessions FILE] [--shift-days N] [--site FILE]
//                            [--day YYYY-MM-DD] [--chart FILE.svg] [--offline-only] [--log LEVEL]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { loadPriceFile } from '../src/cli/sim/price-file.js';
import { loadSessions, shiftSessions, SESSIONS_TO_DK1_2025_MS } from '../src/cli/sim/sessions.js';
import { loadSite } from './outcome/site.js';
import { buildWorkload, type Workload } from './outcome/workload.js';
import { runOffline } from './outcome/offline.js';
import { runOnline, type OnlineResult } from './outcome/online.js';
import { outcomeRows, markdownTable } from './outcome/metrics.js';
import { dayChartSvg } from './outcome/chart.js';
import type { PolicyResult } from './outcome/policies.js';

const DEFAULTS = {
  prices: 'test/fixtures/prices/entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv',
  sessions: 'test/fixtures/sessions/trondheim_2019-10-24_to_2019-10-29_slice.csv',
  site: 'bench/outcome/site.json',
  chart: 'docs/outcome-day.svg',
};

const { values: args } = parseArgs({
  options: {
    prices: { type: 'string' },
    zone: { type: 'string', default: 'DK1' },
    sessions: { type: 'string' },
    'shift-days': { type: 'string' },
    site: { type: 'string', default: DEFAULTS.site },
    day: { type: 'string' },
    chart: { type: 'string', default: DEFAULTS.chart },
    'offline-only': { type: 'boolean', default: false },
    log: { type: 'string' },
  },
});

const pricesPath = args.prices ?? DEFAULTS.prices;
const sessionsPath = args.sessions ?? DEFAULTS.sessions;
// The bundled sessions (Trondheim, October 2019) replay on the bundled prices (DK1, October 2025) 313 weeks later:
// same weekdays, and the DST fall-back of both years on the same Sunday at 01:00Z. Other files replay as they are
// unless --shift-days says otherwise.
const shiftMs = args['shift-days'] !== undefined ? Number(args['shift-days']) * 86_400_000 : args.sessions ? 0 : SESSIONS_TO_DK1_2025_MS;
if (!Number.isFinite(shiftMs)) throw new Error(`--shift-days must be a number of days, got "${args['shift-days']}"`);

const site = loadSite(args.site);
const series = loadPriceFile(pricesPath, { zone: args.zone });
const sessions = shiftSessions(loadSessions(sessionsPath), shiftMs);
const w = buildWorkload(site, sessions, series);

const fmt = (ms: number) => DateTime.fromMillis(ms, { zone: site.timeZone }).toFormat("yyyy-MM-dd HH:mm ZZZZ");
const out = (line = '') => process.stdout.write(`${line}\n`);
out(`# bench:outcome`);
out();
out(`- prices: ${pricesPath} (zone ${args.zone})`);
out(`- sessions: ${sessionsPath}, ${sessions.length} sessions${shiftMs ? `, shifted by ${shiftMs / 86_400_000} days` : ''}; ${w.visits.length} replayed, ${w.turnedAway.length} turned away (no free EVSE)`);
out(`- site: ${site.id}, ${site.stations} stations x ${site.evsesPerStation} EVSEs at ${site.evseKw} kW, grid limit ${site.gridLimitKw} kW, ${site.slotMinutes}-minute slots`);
out(`- period: ${fmt(w.grid.startMs)} .. ${fmt(w.grid.startMs + w.grid.slots * w.grid.stepMs)} (${w.grid.slots} slots)`);
const alone = w.visits.filter((v) => !v.feasible).map((v) => `${v.session.id} (${v.session.energyKwh} kWh in ${((v.session.departure - v.session.arrival) / 60_000).toFixed(0)} min)`);
out(`- asked for: ${sum(w.visits.map((v) => v.session.energyKwh)).toFixed(1)} kWh; cannot get their energy even alone at full power: ${alone.join(', ') || 'none'}`);
out();

const results: PolicyResult[] = runOffline(w);
let online: OnlineResult | undefined;
if (!args['offline-only']) {
  online = await runOnline(w, series, args.zone, args.log ? { log: args.log } : {});
  results.splice(2, 0, online);
}
const rows = outcomeRows(w, results, { reference: 'uncontrolled', bound: 'hindsight' });
out(markdownTable(rows));
out();
if (online) {
  const over = online.instantViolations ? ` (by at most ${(online.worstExcessKw * 1000).toFixed(1)} W)` : '';
  out(`Our scheduler, measured per minute in the simulator: peak ${online.instantPeakKw?.toFixed(3)} kW, ${online.instantViolations} minutes above the limit${over};`);
  out(`${online.replans} plans, ${online.failedCycles} failed cycles; the product's stored registers agree with the simulator's meters within ${online.storedVsSimulatedKwh.toFixed(4)} kWh per session;`);
  out(`the simulated week took ${(online.wallMs / 1000).toFixed(1)} s of wall time.`);
}

const day = chartDay(w, args.day);
writeFileSync(args.chart, dayChartSvg(w, results, day.start, day.end));
out(`Chart from ${fmt(day.start)} to ${fmt(day.end)}: ${args.chart}`);

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/**
 * Noon to noon from the given local day, or from the day whose arrivals ask for the most energy (the busiest, where
 * policies differ most): evening arrivals and their night's charging on one chart.
 */
function chartDay(work: Workload, iso?: string): { start: number; end: number } {
  const zone = work.site.timeZone;
  const dayOf = (d: DateTime) => {
    const noon = d.startOf('day').set({ hour: 12 });
    return { start: noon.toMillis(), end: noon.plus({ days: 1 }).toMillis() };
  };
  if (iso) {
    const d = DateTime.fromISO(iso, { zone });
    if (!d.isValid) throw new Error(`--day must be a date YYYY-MM-DD, got "${iso}"`);
    return dayOf(d);
  }
  const byDay = new Map<string, number>();
  for (const v of work.visits) {
    const key = DateTime.fromMillis(v.session.arrival, { zone }).toISODate()!;
    byDay.set(key, (byDay.get(key) ?? 0) + v.session.energyKwh);
  }
  const busiest = [...byDay].sort((a, b) => b[1] - a[1])[0]![0];
  return dayOf(DateTime.fromISO(busiest, { zone }));
}
