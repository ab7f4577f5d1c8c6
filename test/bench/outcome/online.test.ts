/**
 * Our scheduler's run in the outcome benchmark, on a short real evening: the real product, its OCPP server and the
 * simulated stations on one ManualClock. The sessions are the real Trondheim ones that arrive on Monday evening
 * 2025-10-27 (replayed 313 weeks later) and leave by the next morning, on a small garage whose limit binds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadSessions, SESSIONS_TO_DK1_2025_MS, shiftSessions } from '../../../src/cli/sim/sessions.js';
import { loadPriceFile } from '../../../src/cli/sim/price-file.js';
import { buildWorkload, type Workload } from '../../../bench/outcome/workload.js';
import { runOffline } from '../../../bench/outcome/offline.js';
import { runOnline, type OnlineResult } from '../../../bench/outcome/online.js';
import { outcomeRows, type OutcomeRow } from '../../../bench/outcome/metrics.js';
import { FCFS, UNLIMITED } from '../../../bench/outcome/policies.js';
import { CAR_MODELS, rowSum } from '../../../bench/outcome/workload.js';
import { quarterSeries, PRICES, session, site } from './small.js';

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const series = loadPriceFile(`${fixtures}prices/entsoe_DK1_2025-09-30_to_2025-10-31_PT15M_slice.csv`, { zone: 'DK1' });
const evening = shiftSessions(loadSessions(`${fixtures}sessions/trondheim_2019-10-24_to_2019-10-29_slice.csv`), SESSIONS_TO_DK1_2025_MS)
  .filter((s) => s.arrival >= Date.parse('2025-10-27T15:00:00Z') && s.arrival < Date.parse('2025-10-27T19:00:00Z') && s.departure <= Date.parse('2025-10-28T07:00:00Z'));

describe('our scheduler in the outcome benchmark, one real evening at a 15 kW garage', () => {
  let w: Workload;
  let online: OnlineResult;
  let rows: Record<string, OutcomeRow>;

  beforeAll(async () => {
    w = buildWorkload(site({ id: 'garage', gridLimitKw: 15, stations: 4, evsesPerStation: 2 }), evening, series);
    const offline = runOffline(w);
    online = await runOnline(w, series, 'DK1');
    rows = Object.fromEntries(outcomeRows(w, [...offline, online], { reference: FCFS, bound: 'hindsight' }).map((r) => [r.policy, r]));
  }, 120_000);

  it('replays real sessions that need the limit to be shared', () => {
    expect(evening.length).toBeGreaterThanOrEqual(5);
    expect(w.turnedAway).toEqual([]);
    // Uncontrolled charging goes over the limit: the evening is a real test of sharing it.
    expect(rows[UNLIMITED]!.violations).toBeGreaterThan(0);
    expect(rows[FCFS]!.violations).toBe(0);
    expect(rows.hindsight!.targetsMet).toBe(w.visits.length);
  });

  it('meets every target the hindsight optimum meets, and never goes over the limit, per slot or per minute', () => {
    const ours = rows['our scheduler']!;
    expect(ours.targetsMet).toBe(ours.targetsFeasible);
    expect(ours.violations).toBe(0);
    expect(online.instantViolations).toBe(0);
    expect(online.instantPeakKw).toBeLessThanOrEqual(15 + 1e-6);
    expect(online.failedCycles).toBe(0);
  });

  it('costs no less than the bound and less than charging on arrival', () => {
    const ours = rows['our scheduler']!;
    expect(ours.cost).toBeGreaterThanOrEqual(rows.hindsight!.cost - 1e-6);
    expect(ours.cost).toBeLessThan(rows[FCFS]!.cost);
    expect(ours.replans).toBeGreaterThan(w.visits.length);
  });

  it('measures what the product itself stored: the simulator meters and the stored registers agree', () => {
    expect(online.storedVsSimulatedKwh).toBeLessThan(0.001);
    const delivered = [...online.kwh.values()].flat().reduce((a, b) => a + b, 0);
    expect(delivered).toBeCloseTo(rows['our scheduler']!.energyKwh, 6);
  });
});

describe('the online run with 1-phase cars that have no minimum current', () => {
  // Such a car draws under the 3.7 kW default profile from the second it plugs in. The old meter read EVSE
  // registers after each minute and gave the energy to the visit there at the minute's middle; with the clock a
  // few seconds past the minute (a cycle's debounce), the new car's first seconds had no visit and the run stopped:
  // "CS1#1 metered 0.7 Wh at 2025-10-27T15:07:02.000Z with no car on it".
  let w: Workload;
  let online: OnlineResult;

  beforeAll(async () => {
    const model = { ...CAR_MODELS['1-phase'], minCurrentA: 0 };
    w = buildWorkload(site({ id: 'garage', gridLimitKw: 15, stations: 4, evsesPerStation: 2 }), evening, series, 'CS', model);
    online = await runOnline(w, series, 'DK1', { car: model });
  }, 120_000);

  it('gives every second of energy to the car that drew it, as the product stored it', () => {
    expect(online.failedCycles).toBe(0);
    expect(online.storedVsSimulatedKwh).toBeLessThan(0.001);
    for (const v of w.visits) expect(online.kwh.get(v.session.id)!).toHaveLength(v.toSlot - v.fromSlot);
    const rows = Object.fromEntries(outcomeRows(w, [...runOffline(w), online], { reference: FCFS, bound: 'hindsight' }).map((r) => [r.policy, r]));
    expect(rows['our scheduler']!.targetsMet).toBe(rows['our scheduler']!.targetsFeasible);
    expect(online.instantViolations).toBe(0);
    // The cars drew on one phase, at most 7.36 kW each.
    const h = w.grid.stepMs / 3_600_000;
    for (const row of online.kwh.values()) for (const e of row) expect(e / h).toBeLessThanOrEqual(7.36 + 1e-6);
    expect(rowSum([...online.kwh.values()].flat())).toBeGreaterThan(0);
  });
});

describe('a car that plugs in between two lock-step minutes', () => {
  // The lock-step moves the clock a minute at a time; a car plugging in at 00:02:30 used to reach the product only
  // when the step ended (00:03:00), and a 3-phase car with a 6 A minimum pauses under the 3.7 kW default profile
  // until its plan comes, so it lost those 30 s: 0.09 kWh at 11 kW, a target missed where it needed every second.
  // A real server answers within a second (the first TxProfile goes out on TransactionEvent Started).
  it('draws from the second it plugs in: a stay that needs every second at full power gets its energy', async () => {
    const kwh = (11 * 19.5) / 60; // 00:02:30 to 00:22:00 at 11 kW
    const prices = quarterSeries(PRICES);
    const w = buildWorkload(site({ id: 'garage', gridLimitKw: 11, stations: 1, evsesPerStation: 1 }), [session('tight', 2.5, 22, kwh)], prices);
    const online = await runOnline(w, prices, 'DK1');
    expect(online.failedCycles).toBe(0);
    const got = rowSum(online.kwh.get('tight')!);
    expect(got).toBeGreaterThan(kwh - 0.005);
    expect(got).toBeLessThanOrEqual(kwh + 1e-6);
  }, 60_000);
});
