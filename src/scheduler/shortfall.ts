import { DateTime } from 'luxon';
import type { ChargerCompliance, ShortfallReason } from '../domain/plans.js';
import { phrase, tenth, type Phrase } from '../domain/phrases.js';
import type { Site } from '../domain/sites.js';
import { circuitChains, departureSlot, type FixedLoad, type PlannedSession, type SlotGrid } from './problem.js';
import { limitAt } from './power-periods.js';

/**
 * Why a car will not make it, decided from the problem the planner built rather than guessed from the outcome. The
 * tests are "what could it get if ...": alone at full power, alone under the site's limits, alone under those limits
 * with the chargers we cannot steer drawing as they do. The first test that falls short names the reason; when all of
 * them pass, the other cars take the room (site-limit, naming the limit they share).
 */
export interface ShortfallInput {
  site: Site;
  grid: SlotGrid;
  now: number;
  session: PlannedSession;
  shortfallKwh: number;
  compliance: ChargerCompliance;
  steered: boolean;
  /** Actual kW per slot of the site limit as planned (grid and capacity limits). */
  siteLimitKw: readonly number[];
  /** Chargers we cannot steer, as they are expected to draw. */
  fixed: readonly FixedLoad[];
  /** The other steered sessions (to say with how many cars a limit is shared). */
  others: readonly PlannedSession[];
}

export interface Shortfall {
  reason: ShortfallReason;
  message: string;
  /** The message as an id and values for the pages' languages (domain/phrases.ts). */
  phrase: Phrase;
}

interface Limit {
  name: string;
  /** The limit for a phrase: `limit` site, circuit or fuse (select in the catalogs), its circuit and fuse amps. */
  ref: { limit: 'site' | 'circuit' | 'fuse'; circuit: string; fuseA: number };
  /** Actual kW per slot for this car alone under it (before other loads). */
  kw: (i: number) => number;
  /** Is a load on this circuit under it? */
  covers: (circuit: string | null) => boolean;
}

const kwh = (x: number) => x.toFixed(1);

export function explainShortfall(x: ShortfallInput): Shortfall {
  const { site, grid, session: s } = x;
  const need = s.requestedKwh;
  const got = `${kwh(Math.max(0, need - x.shortfallKwh))} of ${kwh(need)} kWh`;
  const by = localTime(s.target.departureMs, x.now, site.timeZone);
  const byAt = new Date(s.target.departureMs).toISOString();
  const gotParams = { kwh: tenth(Math.max(0, need - x.shortfallKwh)), needKwh: tenth(need), byAt };
  // (A departure is never in the past here: targets.ts resolves every target to the next one after now, so "too
  // little time" is the power test below, measured up to that departure.)
  const dep = departureSlot(grid, s);
  const hours = (i: number) => ((grid.starts[i + 1] ?? grid.endMs) - grid.starts[i]!) / 3_600_000;
  const carKw = (i: number) => (s.caps ? Math.min(s.maxKw, limitAt(s.caps, grid.starts[i]!, s.maxKw)) : s.maxKw);
  const within = (kw: (i: number) => number) => Array.from({ length: dep }, (_, i) => Math.max(0, kw(i)) * hours(i)).reduce((a, e) => a + e, 0);
  const short = (energy: number) => energy < need - 1e-3;

  const alone = within(carKw);
  if (short(alone)) {
    const capped = s.caps && s.caps.some((p) => p.limitKw < s.maxKw);
    const how = capped ? `at the lower limit its charger holds (max ${kwh(s.maxKw)} kW)` : `alone at its full ${kwh(s.maxKw)} kW`;
    return {
      reason: 'car-or-charger-power',
      message: `even ${how} the car can take only ${kwh(alone)} of ${kwh(need)} kWh before ${by}`,
      phrase: phrase(capped ? 'shortfall.chargerCap' : 'shortfall.carPower', { maxKw: tenth(s.maxKw), kwh: tenth(alone), needKwh: tenth(need), byAt }),
    };
  }
  if (!x.steered) {
    if (x.compliance === 'unreachable') {
      return { reason: 'charger-unreachable', message: `the charger cannot be reached and holds an older profile: ${got} before ${by}`, phrase: phrase('shortfall.unreachable', gotParams) };
    }
    return {
      reason: 'charger-ignores-profiles',
      message: `the charger does not follow profiles (${x.compliance}): ${got} before ${by}`,
      phrase: phrase('shortfall.ignores', { charger: x.compliance === 'rejects-profiles' ? 'rejects' : 'ignores', ...gotParams }),
    };
  }

  const limits = limitsOver(site, s);
  const fixedUnder = (l: Limit, i: number) => x.fixed.filter((f) => l.covers(f.circuit)).reduce((a, f) => a + (f.kw[i] ?? 0), 0);
  const room = (l: Limit, withFixed: boolean) => within((i) => Math.min(carKw(i), (l.kw(i) ?? Infinity) - (withFixed ? fixedUnder(l, i) : 0)));
  const siteLimit: Limit = { name: 'the site limit', ref: { limit: 'site', circuit: '', fuseA: 0 }, kw: (i) => x.siteLimitKw[i] ?? Infinity, covers: () => true };
  const all = [siteLimit, ...limits];
  const tightest = (withFixed: boolean) => all.map((l) => ({ l, e: room(l, withFixed) })).reduce((a, b) => (b.e < a.e ? b : a));

  const bare = tightest(false);
  if (short(bare.e)) {
    return {
      reason: 'site-limit',
      message: `${bare.l.name} (${kwh(minKw(bare.l, dep))} kW) leaves room for only ${kwh(bare.e)} of ${kwh(need)} kWh before ${by}`,
      phrase: phrase('shortfall.limit', { ...bare.l.ref, limitKw: tenth(minKw(bare.l, dep)), kwh: tenth(bare.e), needKwh: tenth(need), byAt }),
    };
  }
  const withFixed = tightest(true);
  if (short(withFixed.e)) {
    const names = x.fixed.filter((f) => withFixed.l.covers(f.circuit) && f.kw.some((kw) => kw > 0)).map((f) => `${f.stationId} EVSE ${f.evseId}`);
    return {
      reason: 'charger-ignores-profiles',
      message: `${names.join(', ')} cannot be steered and take${names.length === 1 ? 's' : ''} the room under ${withFixed.l.name}: ${got} before ${by}`,
      phrase: phrase('shortfall.unsteeredRoom', { chargers: names.join(', '), count: names.length, ...withFixed.l.ref, ...gotParams }),
    };
  }
  // The others take the room: name the tightest limit this car shares with another car.
  const shared = all
    .map((l) => ({ l, n: x.others.filter((o) => l.covers(o.session.evse.circuit)).length }))
    .filter((c) => c.n > 0)
    .sort((a, b) => minKw(a.l, dep) - minKw(b.l, dep))[0];
  const where = shared ? `${shared.l.name} (${kwh(minKw(shared.l, dep))} kW) is shared with ${shared.n} other car${shared.n === 1 ? '' : 's'}` : `${siteLimit.name} is shared`;
  const sharedPhrase = shared
    ? phrase('shortfall.shared', { ...shared.l.ref, limitKw: tenth(minKw(shared.l, dep)), count: shared.n, ...gotParams })
    : phrase('shortfall.sharedSite', gotParams);
  return { reason: 'site-limit', message: `${where}: ${got} before ${by}`, phrase: sharedPhrase };
}

/** The circuit kW limits and per-phase fuses above the car's EVSE, each as this car alone could draw under it. */
function limitsOver(site: Site, s: PlannedSession): Limit[] {
  const chainOf = circuitChains(site);
  const mine = chainOf(s.session.evse.circuit);
  const out: Limit[] = [];
  for (const c of site.circuits) {
    if (!mine.has(c.id)) continue;
    const covers = (circuit: string | null) => chainOf(circuit).has(c.id);
    if (c.limitKw !== undefined) out.push({ name: `circuit ${c.id}`, ref: { limit: 'circuit', circuit: c.id, fuseA: 0 }, kw: () => c.limitKw!, covers });
    if (c.phaseLimitA !== undefined) {
      const kw = (c.phaseLimitA * site.lineVoltageV * (s.phases === 3 ? 3 : 1)) / 1000;
      out.push({ name: `the ${c.phaseLimitA} A fuse of circuit ${c.id}`, ref: { limit: 'fuse', circuit: c.id, fuseA: c.phaseLimitA }, kw: () => kw, covers });
    }
  }
  return out;
}

function minKw(l: Limit, dep: number): number {
  return Math.min(...Array.from({ length: Math.max(1, dep) }, (_, i) => l.kw(i)));
}

/** "07:00", or "2026-11-25 07:00" when it is not within the next day: the site's wall clock, as people set it. */
function localTime(ms: number, now: number, zone: string): string {
  const dt = DateTime.fromMillis(ms, { zone });
  return Math.abs(ms - now) < 24 * 3_600_000 ? dt.toFormat('HH:mm') : dt.toFormat('yyyy-MM-dd HH:mm');
}
