// bench:demand (issue 21): what planning with a demand charge saves on a month of real sessions and prices, against
// the energy-only plan: the same sessions, the same prices, the same planner (the solver re-planning at each
// arrival with the cars that are here, as bench/outcome/replan.ts; exact, no minimum power, whole slots). The
// demand-charge run knows the month's peak so far (what it has drawn) as the product does from its meters.
//
//   npm run bench:demand -- [--demand-charge EUR_PER_KW] [--month YYYY-MM] [--prices FILE] [--zone DK1]
//                           [--sessions FILE] [--shift-days N] [--site FILE]
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { solve, type VehicleSpec } from '../solver/index.js';
import { loadPriceFile } from '../src/cli/sim/price-file.js';
import { loadSessions, shiftSessions, SESSIONS_TO_DK1_2025_MS } from '../src/cli/sim/sessions.js';
import { loadSite } from './outcome/site.js';
import { buildWorkload, type Workload } from './outcome/workload.js';

const { values: args } = parseArgs({
  options: {
    'demand-charge': { type: 'string', default: '10' },
    month: { type: 'string', default: '2025-08' },
    prices: { type: 'string', default: '../shared/data/prices/entsoe_DK1_2025-07_to_2025-09.normalised.csv' },
    zone: { type: 'string', default: 'DK1' },
    sessions: { type: 'string', default: '../shared/data/sessions/caltech_2019-07_to_2019-09.normalised.csv' },
    'shift-days': { type: 'string' },
    site: { type: 'string', default: 'bench/outcome/site-caltech-60kw.json' },
  },
});
const perKw = Number(args['demand-charge']);
if (!(perKw >= 0)) throw new Error(`--demand-charge must be EUR per kW (>= 0), got "${args['demand-charge']}"`);
const shiftMs = args['shift-days'] !== undefined ? Number(args['shift-days']) * 86_400_000 : SESSIONS_TO_DK1_2025_MS;
const site = loadSite(args.site);
const month = DateTime.fromISO(`${args.month}-01`, { zone: site.timeZone });
if (!month.isValid) throw new Error(`--month must be YYYY-MM, got "${args.month}"`);
const series = loadPriceFile(args.prices, { zone: args.zone });
const ivs = series.flatMap((s) => s.intervals);
const [pFrom, pTo] = [Math.min(...ivs.map((i) => i.start)), Math.max(...ivs.map((i) => i.end))];
const [mFrom, mTo] = [month.toMillis(), month.plus({ months: 1 }).toMillis()];
// The month's sessions (arrival in it), within the prices' span.
const sessions = shiftSessions(loadSessions(args.sessions), shiftMs)
  .filter((s) => s.arrival >= mFrom && s.arrival < mTo && s.arrival >= pFrom && s.departure <= pTo - site.slotMinutes * 60_000);
const w = buildWorkload(site, sessions, series);

interface Run { name: string; siteKw: Float64Array; solves: number; solveMs: number }

/** Re-plan at each arrival slot; with a charge, the problem carries the peak drawn so far. */
function replan(w: Workload, name: string, charge: number): Run {
  const { grid } = w;
  const h = grid.stepMs / 3_600_000;
  const left = new Map(w.visits.map((v) => [v.session.id, v.session.energyKwh]));
  const siteKw = new Float64Array(grid.slots);
  const arrivals = [...new Set(w.visits.filter((v) => v.toSlot > v.fromSlot).map((v) => v.fromSlot))].sort((a, b) => a - b);
  let solves = 0;
  let solveMs = 0;
  let peakSoFar = 0;
  arrivals.forEach((t0, k) => {
    const until = arrivals[k + 1] ?? grid.slots;
    const here = w.visits.filter((v) => v.fromSlot <= t0 && t0 < v.toSlot && left.get(v.session.id)! > 1e-6);
    for (let t = 0; t < t0; t++) peakSoFar = Math.max(peakSoFar, siteKw[t]!);
    if (here.length === 0) return;
    const last = Math.max(...here.map((v) => v.toSlot));
    const vehicles: VehicleSpec[] = here.map((v) => {
      const maxKw = new Array<number>(last - t0).fill(0);
      for (let t = t0; t < v.toSlot; t++) maxKw[t - t0] = v.capKwh[t - v.fromSlot]! / h;
      return { id: v.session.id, availableFrom: 0, departure: v.toSlot - t0, energyKwh: left.get(v.session.id)!, maxKw };
    });
    const started = performance.now();
    const plan = solve({
      slotMinutes: site.slotMinutes, prices: w.prices.slice(t0, last), siteLimitKw: site.gridLimitKw, tieBreak: 'earlier', vehicles,
      ...(charge > 0 ? { demandCharge: { perKw: charge, peakSoFarKw: peakSoFar } } : {}),
    });
    solveMs += performance.now() - started;
    solves++;
    plan.vehicles.forEach((p, i) => {
      const v = here[i]!;
      for (let t = t0; t < Math.min(until, v.toSlot); t++) {
        const e = Math.min(p.powerKw[t - t0]! * h, left.get(v.session.id)!);
        siteKw[t]! += e / h;
        left.set(v.session.id, left.get(v.session.id)! - e);
      }
    });
  });
  return { name, siteKw, solves, solveMs };
}

const runs = [replan(w, 'energy-only plan', 0), replan(w, `demand-aware plan (${perKw} EUR/kW)`, perKw)];
const h = w.grid.stepMs / 3_600_000;
const asked = w.visits.reduce((a, v) => a + v.session.energyKwh, 0);
const out = (line = '') => process.stdout.write(`${line}\n`);
out('# bench:demand');
out();
out(`- month: ${args.month} (${site.timeZone}); sessions: ${args.sessions} shifted ${shiftMs / 86_400_000} days, ${w.visits.length} replayed (${w.turnedAway.length} turned away), ${asked.toFixed(1)} kWh asked`);
out(`- prices: ${args.prices} (${args.zone}); site: ${site.id}, grid limit ${site.gridLimitKw} kW, ${site.stations * site.evsesPerStation} EVSEs at ${site.evseKw} kW, ${site.slotMinutes}-minute slots`);
out(`- demand charge: ${perKw} EUR per kW of the month's highest ${site.slotMinutes}-minute site power; planner: re-plan at each arrival (exact, no minimum power)`);
out();
out('| plan | delivered kWh | energy cost EUR | EUR/kWh | peak kW | demand cost EUR | total EUR | total vs energy-only | solves | solver s |');
out('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
let ref: number | undefined;
for (const r of runs) {
  let kwh = 0;
  let cost = 0;
  let peak = 0;
  r.siteKw.forEach((kw, t) => {
    kwh += kw * h;
    cost += kw * h * w.prices[t]!;
    peak = Math.max(peak, kw);
  });
  const demand = perKw * peak;
  const total = cost + demand;
  ref ??= total;
  const vs = total === ref ? 'reference' : `${(((total - ref) / ref) * 100).toFixed(2)} % (${(total - ref).toFixed(2)} EUR)`;
  out(`| ${r.name} | ${kwh.toFixed(1)} | ${cost.toFixed(2)} | ${(cost / kwh).toFixed(4)} | ${peak.toFixed(2)} | ${demand.toFixed(2)} | ${total.toFixed(2)} | ${vs} | ${r.solves} | ${(r.solveMs / 1000).toFixed(1)} |`);
}
