// npm run bench:outcome: the product's report card. Four policies on exactly the same real sessions and real
// prices: uncontrolled (full power from arrival), a per-car greedy planner clamped to the site limit in arrival
// order (how evcc behaves today), our scheduler as it runs in production (server, OCPP, simulated stations, on a
// simulated clock), and the perfect-hindsight optimum (the bound no online policy can beat). Prints one table
// and writes a chart of one day.
//
//   npm run bench:outcome -- [--prices FILE] [--zone DK1] [--sessions FILE] [--shift-days N] [--site FILE]
//                            [--cars 3-phase,1-phase] [--min-current A] [--sample-seconds S] [--measure-from YYYY-MM-DD]
//                            [--arrival-weeks 4,0] [--arrival-reservation soft,phantoms] [--shortfall fewest-cars|even] [--day YYYY-MM-DD] [--chart FILE.svg] [--offline-only] [--progress]
//                            [--replan] [--replan-weights 1,0.5] [--replan-every-slot] [--replan-soft 1]
//                            [--replan-hard-above 0.6] [--replan-shortfall spread,fewest-cars] [--trace] [--log LEVEL]
//                            [--dump FILE.json] [--keep-db FILE.sqlite] [--replan-day-ahead]
//
// --replan adds the planner alone, offline (bench/outcome/replan.ts): re-planning at each arrival (and with
// --replan-every-slot at every slot boundary, as the product does), with the learned arrivals as hard phantoms
// scaled by each --replan-weights, and as soft tiers (src/scheduler/arrivals-soft.ts) with each --replan-soft value,
// tiers at least --replan-hard-above likely held hard; each row once per --replan-shortfall (the solver's
// problem.shortfall: who carries a shortfall when not every target fits; default the solver's); with
// --replan-day-ahead each row again planning on the prices the product knows (day-ahead from 13:00, later slots
// last week's), not on every future price. --trace prints, per hour of the site's day, each policy's
// energy, price paid, slots full to the limit and targets missed by arrival hour: where the gap to hindsight is.
// --dump writes every policy's kWh per session and slot with the visits and prices (one file per car model, the
// model's name before the extension), to compare policies session by session. --keep-db copies each product run's
// SQLite store (its plans and the problems they solved) to FILE, the row's index before the extension.
//
// Sessions outside the prices' span are left out (and counted). With --measure-from, the sessions that arrive
// before that local day are the site's history: written to the product's store as finished sessions before the
// run (what it learns its arrivals from, as a site in service has them), and given to the replan rows the same
// way; the table and the replay are the sessions from that day on (and before --until, when given).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ShortfallRule } from '../solver/index.js';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { loadPriceFile, slotPrices } from '../src/cli/sim/price-file.js';
import type { PriceSeries } from '../src/domain/prices.js';
import type { SessionRecord } from '../src/cli/sim/sessions.js';
import { loadSessions, shiftSessions, SESSIONS_TO_DK1_2025_MS } from '../src/cli/sim/sessions.js';
import { DEFAULT_POLICY } from '../src/domain/sites.js';
import { loadSite } from './outcome/site.js';
import { buildWorkload, CAR_MODELS, type CarModel, type Workload } from './outcome/workload.js';
import { runOffline } from './outcome/offline.js';
import { runOnline, type OnlineResult } from './outcome/online.js';
import { outcomeRows, markdownTable } from './outcome/metrics.js';
import { dayChartSvg } from './outcome/chart.js';
import { replanOnArrival } from './outcome/replan.js';
import { traceGap } from './outcome/trace.js';
import { FCFS, type PolicyResult } from './outcome/policies.js';

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
    chart: { type: 'string' },
    'offline-only': { type: 'boolean', default: false },
    cars: { type: 'string', default: '3-phase,1-phase' },
    'min-current': { type: 'string', default: '6' },
    'sample-seconds': { type: 'string', default: '300' },
    'measure-from': { type: 'string' },
    until: { type: 'string' },
    progress: { type: 'boolean', default: false },
    'arrival-weeks': { type: 'string' },
    'arrival-reservation': { type: 'string', default: 'phantoms' },
    shortfall: { type: 'string' },
    replan: { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
    'replan-weights': { type: 'string', default: '1' },
    'replan-every-slot': { type: 'boolean', default: false },
    'replan-soft': { type: 'string' },
    'replan-hard-above': { type: 'string' },
    'replan-busy-prior': { type: 'string' },
    'replan-shortfall': { type: 'string' },
    'replan-day-ahead': { type: 'boolean', default: false },
    log: { type: 'string' },
    dump: { type: 'string' },
    'keep-db': { type: 'string' },
  },
});

const pricesPath = args.prices ?? DEFAULTS.prices;
// The documented chart (docs/outcome-day.svg, shown in the README) is the bundled week's: a run on other data or
// another site writes its chart to the temporary directory unless --chart names a file, so that a run by hand does not
// replace a tracked file with a chart of something else.
const bundledRun = args.prices === undefined && args.sessions === undefined && args.site === DEFAULTS.site
  && args['measure-from'] === undefined && args.until === undefined && args['shift-days'] === undefined;
const chartPath = args.chart ?? (bundledRun ? DEFAULTS.chart : join(tmpdir(), 'chargeplan-outcome-day.svg'));
const sessionsPath = args.sessions ?? DEFAULTS.sessions;
// The bundled sessions (Trondheim, October 2019) replay on the bundled prices (DK1, October 2025) 313 weeks later:
// same weekdays, and the DST fall-back of both years on the same Sunday at 01:00Z. Other files replay as they are
// unless --shift-days says otherwise.
const shiftMs = args['shift-days'] !== undefined ? Number(args['shift-days']) * 86_400_000 : args.sessions ? 0 : SESSIONS_TO_DK1_2025_MS;
if (!Number.isFinite(shiftMs)) throw new Error(`--shift-days must be a number of days, got "${args['shift-days']}"`);

const site = loadSite(args.site);
const series = loadPriceFile(pricesPath, { zone: args.zone });
const minCurrentA = Number(args['min-current']);
if (!(minCurrentA >= 0)) throw new Error(`--min-current must be a current in A (0: none), got "${args['min-current']}"`);
const sampleSeconds = Number(args['sample-seconds']);
if (!Number.isInteger(sampleSeconds) || sampleSeconds < 1) throw new Error(`--sample-seconds must be a whole number of seconds, got "${args['sample-seconds']}"`);
// The site's policy.arrivalHistoryWeeks per product row; absent, the product's default.
const arrivalWeeks = (args['arrival-weeks'] ?? String(DEFAULT_POLICY.arrivalHistoryWeeks)).split(',').map((x) => {
  const n = Number(x);
  if (!Number.isInteger(n) || n < 0 || n > 52) throw new Error(`--arrival-weeks: "${x}" is not a number of weeks 0..52`);
  return n;
});
const weights = args['replan-weights'].split(',').map(Number);
// The site's policy.shortfall; absent, the product's default (what "our scheduler" means everywhere else here).
const shortfallPolicy = args.shortfall;
if (shortfallPolicy !== undefined && shortfallPolicy !== 'fewest-cars' && shortfallPolicy !== 'even') {
  throw new Error(`--shortfall: "${shortfallPolicy}" is not fewest-cars or even`);
}
const reservations = args['arrival-reservation'].split(',').map((r) => {
  if (r !== 'soft' && r !== 'phantoms') throw new Error(`--arrival-reservation: "${r}" is not soft or phantoms`);
  return r;
});
const models: CarModel[] = args.cars.split(',').map((name) => {
  const m = CAR_MODELS[name.trim() as keyof typeof CAR_MODELS];
  if (!m) throw new Error(`--cars: "${name}" is not a car model (${Object.keys(CAR_MODELS).join(', ')})`);
  return { ...m, minCurrentA };
});
const localDay = (name: string, iso: string | undefined) => {
  if (iso === undefined) return undefined;
  const d = DateTime.fromISO(iso, { zone: site.timeZone });
  if (!d.isValid) throw new Error(`--${name} must be a date YYYY-MM-DD, got "${iso}"`);
  return d.toMillis();
};
const measureFrom = localDay('measure-from', args['measure-from']);
const until = localDay('until', args.until);
const { kept: all, outside } = withinPrices(shiftSessions(loadSessions(sessionsPath), shiftMs), series);
const learned = measureFrom === undefined ? [] : all.filter((s) => s.arrival < measureFrom);
const sessions = all.filter((s) => (measureFrom === undefined || s.arrival >= measureFrom) && (until === undefined || s.arrival < until));

const fmt = (ms: number) => DateTime.fromMillis(ms, { zone: site.timeZone }).toFormat("yyyy-MM-dd HH:mm ZZZZ");
const out = (line = '') => process.stdout.write(`${line}\n`);
const w0 = buildWorkload(site, sessions, series);
const periodEnd = w0.grid.startMs + w0.grid.slots * w0.grid.stepMs;
const period = `${fmt(w0.grid.startMs)} .. ${fmt(periodEnd)}`;
out(`# bench:outcome`);
out();
out(`- prices: ${pricesPath} (zone ${args.zone})`);
out(`- sessions: ${sessionsPath}, ${all.length + outside} sessions${shiftMs ? `, shifted by ${shiftMs / 86_400_000} days` : ''}; ${outside} outside the prices' span; ${w0.visits.length} replayed, ${w0.turnedAway.length} turned away (no free EVSE)`);
out(`- site: ${site.id}, ${site.stations} stations x ${site.evsesPerStation} EVSEs at ${site.evseKw} kW, grid limit ${site.gridLimitKw} kW, ${site.slotMinutes}-minute slots`);
out(`- period: ${period} (${w0.grid.slots} slots)${learned.length ? `; the ${learned.length} sessions before it are the site's history (stored before the run; what the product learns its arrivals from)` : ''}`);
out(`- cars: ${models.map((m) => `${m.name} (${Math.min(site.evseKw, m.maxKw)} kW${m.minCurrentA ? `, minimum ${m.minCurrentA} A` : ', no minimum'})`).join('; ')}; meter values every ${sampleSeconds} s`);
const alone = w0.visits.filter((v) => !v.feasible).map((v) => `${v.session.id} (${v.session.energyKwh} kWh in ${((v.session.departure - v.session.arrival) / 60_000).toFixed(0)} min)`);
out(`- asked for: ${sum(w0.visits.map((v) => v.session.energyKwh)).toFixed(1)} kWh; cannot get their energy even alone at full power (${models[0]!.name}): ${alone.length > 12 ? `${alone.length} sessions` : alone.join(', ') || 'none'}`);
out();

let chartResults: { w: Workload; results: PolicyResult[] } | undefined;
// The history on the same garage's EVSEs (placed as the replay places its sessions).
const history = learned.length ? buildWorkload(site, learned, series).visits.map((v) => ({
  stationId: v.stationId, evseId: v.evseId, arrival: v.session.arrival, departure: v.session.departure, energyKwh: v.session.energyKwh,
})) : [];
for (const model of models) {
  const w = buildWorkload(site, sessions, series, 'CS', model);
  const results: PolicyResult[] = runOffline(w);
  // --replan: the planner alone, offline, re-planning at each arrival without and with the learned arrivals.
  if (args.replan) {
    const softs = args['replan-soft']?.split(',').map(Number) ?? [];
    const variants = arrivalWeeks.flatMap((weeks) => (weeks > 0 ? [...weights.map((weight) => ({ arrivalWeeks: weeks, weight })), ...softs.flatMap((soft) => (args['replan-hard-above']?.split(',').map(Number) ?? [undefined]).map((hardAbove) => ({ arrivalWeeks: weeks, soft, ...(hardAbove !== undefined ? { hardAbove } : {}) })))] : [{ arrivalWeeks: 0 }]));
    const busy = args['replan-busy-prior'] !== undefined ? { busyPrior: Number(args['replan-busy-prior']) } : {};
    const rules = args['replan-shortfall']?.split(',').map((r) => {
      if (r !== 'spread' && r !== 'fewest-cars') throw new Error(`--replan-shortfall: "${r}" is not spread or fewest-cars`);
      return { shortfall: r as ShortfallRule };
    }) ?? [{}];
    const week = 7 * 86_400_000;
    const known = args['replan-day-ahead'] ? [{}, { dayAhead: { pricesFromWeekBefore: slotPrices(series, w.grid.startMs - week, w.grid.startMs + w.grid.slots * w.grid.stepMs, w.grid.stepMs) } }] : [{}];
    results.splice(results.length - 1, 0, ...variants.flatMap((o) => rules.flatMap((rule) => known.map((k) => replanOnArrival(w, { ...o, ...(o.arrivalWeeks > 0 ? busy : {}), ...rule, ...k, history: learned, everySlot: args['replan-every-slot'] })))));
  }
  const onlines: OnlineResult[] = [];
  // One row per setting of the product's arrival learning (policy.arrivalHistoryWeeks, 0 = the planner without it)
  // and, with weeks, per --arrival-reservation (policy.arrivalReservation).
  const settings = (args['offline-only'] ? [] : arrivalWeeks).flatMap((weeks): { weeks: number; reservation: (typeof reservations)[number] | undefined }[] =>
    (weeks > 0 ? reservations.map((reservation) => ({ weeks, reservation })) : [{ weeks, reservation: undefined }]));
  for (const { weeks, reservation } of settings) {
    const rule = shortfallPolicy ? `, shortfall ${shortfallPolicy}` : '';
    const name = weeks > 0 ? `our scheduler (arrivals, ${weeks} weeks, ${reservation}${rule})` : `our scheduler (no arrivals${rule})`;
    const online = await runOnline(w, series, args.zone, {
      car: model, sampleSeconds, arrivalHistoryWeeks: weeks, ...(reservation ? { arrivalReservation: reservation } : {}), ...(shortfallPolicy ? { shortfall: shortfallPolicy } : {}), name, history, ...(args.log ? { log: args.log } : {}),
      ...(args['keep-db'] ? { keepDb: args['keep-db'].replace(/(\.sqlite)?$/, `.${model.name}.${onlines.length}.sqlite`) } : {}),
      ...(args.progress ? { progress: (line: string) => process.stderr.write(`${model.name}, ${name}: ${line}\n`) } : {}),
    });
    onlines.push(online);
    results.splice(results.length - 1, 0, online);
  }
  const rows = outcomeRows(w, results, { reference: FCFS, bound: 'hindsight' });
  out(`## ${model.name} cars${model.minCurrentA ? ` (minimum ${model.minCurrentA} A)` : ''}`);
  out();
  out(markdownTable(rows));
  if (args.dump) writeFileSync(args.dump.replace(/(\.json)?$/, `.${model.name}.json`), JSON.stringify(dumpRun(w, results)));
  if (args.trace) {
    out();
    out(traceGap(w, results.filter((r) => r.name !== 'uncontrolled (no limit)' && r.name !== 'greedy')));
    out();
  }
  for (const online of onlines) {
    const over = online.instantViolations ? ` (by at most ${(online.worstExcessKw * 1000).toFixed(1)} W)` : '';
    out(`${online.name}, measured in the simulator at every step and slot boundary: peak ${online.instantPeakKw?.toFixed(3)} kW, ${online.instantViolations} readings above the limit${over};`);
    out(`${online.replans} plans, ${online.failedCycles} failed cycles; the product's stored registers agree with the simulator's meters within ${online.storedVsSimulatedKwh.toFixed(4)} kWh per session;`);
    out(`${period} took ${(online.wallMs / 1000).toFixed(1)} s of wall time (${(online.cpuMs / 1000).toFixed(1)} s of CPU), ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB resident after it (peak ${(online.peakRssMb).toFixed(0)} MB).`);
    out();
  }
  chartResults ??= { w, results };
}

const day = chartDay(chartResults!.w, args.day);
writeFileSync(chartPath, dayChartSvg(chartResults!.w, chartResults!.results, day.start, day.end));
out(`Chart from ${fmt(day.start)} to ${fmt(day.end)} (${models[0]!.name} cars): ${chartPath}`);

/** The sessions that lie within the prices' span (a replay must price every slot) and how many do not. */
function withinPrices(all: SessionRecord[], prices: PriceSeries[]): { kept: SessionRecord[]; outside: number } {
  const ivs = prices.flatMap((s) => s.intervals);
  const from = Math.min(...ivs.map((i) => i.start));
  const to = Math.max(...ivs.map((i) => i.end));
  const stepMs = site.slotMinutes * 60_000;
  // The grid is whole slots around the sessions: a session must leave room to its slot's edges.
  const kept = all.filter((s) => Math.floor(s.arrival / stepMs) * stepMs >= from && Math.ceil(s.departure / stepMs) * stepMs <= to);
  return { kept, outside: all.length - kept.length };
}

/** The workload's visits and prices and every policy's kWh per visit slot, for comparing policies session by session. */
function dumpRun(w: Workload, results: readonly PolicyResult[]) {
  return {
    grid: w.grid, timeZone: w.site.timeZone, gridLimitKw: w.site.gridLimitKw, prices: w.prices,
    visits: w.visits.map((v) => ({ id: v.session.id, stationId: v.stationId, evseId: v.evseId, arrival: v.session.arrival, departure: v.session.departure, energyKwh: v.session.energyKwh, fromSlot: v.fromSlot, toSlot: v.toSlot, capKwh: v.capKwh, feasible: v.feasible })),
    policies: results.map((r) => ({ name: r.name, kwh: Object.fromEntries(r.kwh) })),
  };
}

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
